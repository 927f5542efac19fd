import { type Clock, nowDate } from "../clock.js";
import { enqueueJob, type JobDefinition } from "../jobs/index.js";
import { type Logger, silentLogger } from "../log.js";
import type { RequestRow, SubjectRow, Transition } from "../store/approvals.repo.js";
import type { DbOrTx } from "../store/jobs.repo.js";
import type { SubjectState } from "../store/schema.js";
import type { OrgPerson, SlackPeople } from "./approver.js";
import { type Deprovisioner, manualDeprovisioner, scimDeprovisioner } from "./deprovision.js";
import { canTransition } from "./states.js";
import type {
  ApprovalEvent,
  ApprovalsDeps,
  ApprovalsNotifier,
  ApprovalsSettings,
  StepFace,
  StepJobs,
} from "./types.js";

/** The approval job kinds (approvals/jobs.ts defines them; the composition root registers them). */
export interface ApprovalJobs {
  notify: JobDefinition;
  execute: JobDefinition;
  timer: JobDefinition;
  verify: JobDefinition;
}

/**
 * What every room of approvals/ shares: its dependencies, the one clock, the face that plugged in
 * (Slack people, a notifier, the worker's wake-up), the way out, and the moves every room makes: a
 * checked transition with its trail row, and the notification that goes with it in one transaction.
 */
export class ApprovalsCore {
  readonly settings: ApprovalsSettings;
  readonly log: Logger;
  readonly clock: Clock;
  readonly deprovisioner: Deprovisioner;
  slack: SlackPeople | null = null;
  notifier: ApprovalsNotifier | null = null;
  wake: () => void = () => {};
  /** Set once by defineApprovalJobs (jobs.ts) before any room runs. */
  jobs!: ApprovalJobs;
  /** Workflow Builder steps (steps.ts): their job kinds, and Slack's side once a face plugs it in. */
  stepJobs!: StepJobs;
  stepFace: StepFace | null = null;
  /** Called in the transaction of every move, with the subject after it (steps.ts settles its step). */
  readonly afterMove: ((tx: DbOrTx, s: SubjectRow) => void)[] = [];

  constructor(readonly deps: ApprovalsDeps) {
    this.settings = deps.settings;
    this.log = deps.log ?? silentLogger;
    this.clock = deps.clock;
    this.deprovisioner =
      deps.deprovisioner ??
      (deps.settings.deactivateVia === "manual" ? manualDeprovisioner() : scimDeprovisioner(deps.scim));
  }

  get repo() {
    return this.deps.repo;
  }

  now(): Date {
    return nowDate(this.clock);
  }

  isDryRun(request: RequestRow): boolean {
    return request.dryRun || this.settings.dryRun;
  }

  /**
   * One conditional move with its trail row (store/approvals.repo.ts), refused here when the state
   * machine (states.ts) has no such move: the store keeps rows, the rules live with approvals.
   */
  transition(tx: DbOrTx, t: Transition): SubjectRow | null {
    for (const f of t.from)
      if (!canTransition(f, t.to)) throw new Error(`no such transition: ${f} → ${t.to}`);
    const row = this.repo.transition(tx, t);
    if (row) for (const hook of this.afterMove) hook(tx, row);
    return row;
  }

  enqueueNotify(tx: DbOrTx, event: ApprovalEvent): void {
    enqueueJob(this.deps.jobs, this.jobs.notify, event, { tx, now: this.now() });
  }

  /** gongops moves a subject and tells the face, in one transaction; null when it had moved already. */
  move(
    s: SubjectRow,
    from: SubjectState[],
    to: SubjectState,
    why: string,
    set: Partial<SubjectRow> = {},
    event: "changed" | "task" = "changed",
  ): SubjectRow | null {
    const now = this.now();
    return this.repo.tx((tx) => {
      const row = this.transition(tx, {
        subjectId: s.id,
        from,
        to,
        actor: "gongops",
        why,
        set: { stateReason: why, waitingNote: null, ...set },
        now,
      });
      if (row) {
        const e: ApprovalEvent =
          event === "task"
            ? { kind: "task", requestId: s.requestId, subjectIds: [s.id] }
            : { kind: "changed", requestId: s.requestId, subjectIds: [s.id], summary: `${s.name}: ${why}` };
        this.enqueueNotify(tx, e);
      }
      return row;
    });
  }

  /** A Gong user as the current directory snapshot knows them. */
  person(id: string): OrgPerson | undefined {
    const state = this.deps.directory.state();
    const row = state ? this.deps.directory.byId(state.gen, id) : null;
    if (!row) return undefined;
    const name = [row.firstName, row.lastName].filter(Boolean).join(" ") || row.email || row.id;
    return { id: row.id, email: row.email, name, active: row.active, managerId: row.managerId };
  }

  /** The subject as the directory knows them now, or as the request recorded them. */
  personOf(s: SubjectRow): OrgPerson {
    return (
      this.person(s.userId) ?? {
        id: s.userId,
        email: s.email,
        name: s.name,
        active: true,
        managerId: s.managerId,
      }
    );
  }
}
