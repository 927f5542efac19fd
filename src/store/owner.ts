import { randomUUID } from "node:crypto";

/**
 * Who this process is, for leases (locks, jobs): an id made once at process start. Never a pid or a
 * host name: in a container node is PID 1 under the same host name after every restart, so a crashed
 * holder would look alive, and two containers sharing a host name could take each other's live lease.
 * A lease is judged by its expiry alone; this id only says whose it is.
 */
export const PROCESS_OWNER_ID = randomUUID();
