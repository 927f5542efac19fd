/**
 * The peers of bench:slack, each run in its own process so that their work is not counted as the app's:
 *   tsx bench/slack.peers.ts fake                      Slack's Web API (prints its URL)
 *   tsx bench/slack.peers.ts echo                      an HTTP server that answers 200 at once (the floor)
 *   tsx bench/slack.peers.ts load <url> <secret> <n> <parallel> <responseBase> <emails.json> [spreadMs]
 *                                                      signed /gong user commands; prints latencies (ms).
 *                                                      With spreadMs, in waves of <parallel> at once,
 *                                                      the waves evenly spread over spreadMs
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import { FakeSlack, slackHeaders, slashCommand } from "../test/helpers/fakeSlack.js";

const [role, ...args] = process.argv.slice(2);
if (role === "fake") {
  const fake = await FakeSlack.start();
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
} else if (role === "echo") {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  // Connections kept as long as gongops' Slack front keeps them (frontThread.ts), so that the floor
  // and gongops pay for the same connections when the waves are seconds apart.
  server.keepAliveTimeout = 65_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(
      `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events` })}\n`,
    );
  });
} else if (role === "load") {
  const [url, secret, n, parallel, responseBase, emailsFile, spread] = args as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const emails = JSON.parse(readFileSync(emailsFile, "utf8")) as string[];
  // A keep-alive pool of one connection per sender, as Slack's own senders reuse connections.
  const dispatcher = new Agent({ connections: Number(parallel), keepAliveTimeout: 60_000 });
  const send = async (i: number, id: string) => {
    const body = slashCommand({
      user: "UMEMBER",
      text: `user ${emails[(i * 7919) % emails.length]}`,
      responseUrl: `${responseBase}/${id}`,
    });
    const headers = slackHeaders(secret, body, "application/x-www-form-urlencoded");
    const started = performance.now();
    const res = await request(url, { method: "POST", headers, body, dispatcher });
    await res.body.text();
    return performance.now() - started;
  };
  const run = async (count: number, prefix: string, sink: number[] | null) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Number(parallel) }, async () => {
        while (next < count) {
          const i = next++;
          const ms = await send(i, `${prefix}${i}`);
          sink?.push(ms);
        }
      }),
    );
  };
  /** `count` commands in waves of `parallel` sent at once, the waves `gapMs` apart (start to start). */
  const waves = async (count: number, gapMs: number, sink: number[]) => {
    const started = performance.now();
    for (let w = 0, i = 0; i < count; w++) {
      const wait = started + w * gapMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ids = Array.from({ length: Math.min(Number(parallel), count - i) }, () => i++);
      sink.push(...(await Promise.all(ids.map((k) => send(k, `l${k}`)))));
    }
  };
  // Warm-up (JIT, connections), not measured and not counted as commands.
  await run(Number(parallel) * 2, "w", null);
  const latencies: number[] = [];
  const spreadMs = Number(spread ?? 0);
  if (spreadMs > 0) await waves(Number(n), spreadMs / Math.ceil(Number(n) / Number(parallel)), latencies);
  else await run(Number(n), "l", latencies);
  process.stdout.write(`${JSON.stringify(latencies)}\n`);
  await dispatcher.close();
}
