// `node --import tsx bench/login-core-ab.ts <other checkout> [--pairs 4] [--warmup 5] [--duration 8]`:
// the in-process login of this checkout against another's (e.g. a worktree of main), in
// alternating runs. Each run is that checkout's own bench/auth-login-core.ts (OpaqueLogin.challenge
// and .authenticate with the scope resolution, 16 at a time, real Postgres), started from its
// directory so that it loads its own sources, pinned to CPU 0 like bench:auth's, with the OPAQUE
// ceiling interleaved between its timed phases in the same process. The figure compared is the
// ceiling's CPU per login ÷ the login's: both sample the same moments of the machine, so it moves
// far less with other load than CPU per login alone (docs/performance.md, "The login's
// statements per turn of the event loop"). Which side runs first flips every pair.
//
// One database, tenant and set of users for both sides (made through this checkout's real server,
// as bench/login-instructions.ts does); the two sides never run at once.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import type { CoreLoginOptions, CoreLoginResult } from "./auth-login-core.js";
import { benchUsers, createTenantAndClient, registerUsers } from "./auth-setup.js";
import { SERVICE_NODE_FLAGS } from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { pairs: { type: "string" }, warmup: { type: "string" }, duration: { type: "string" } },
});
const other = positionals[0];
if (!other) throw new Error("usage: bench/login-core-ab.ts <other checkout> [--pairs 4] [--warmup 5] [--duration 8]");
const thisDir = resolve(new URL("..", import.meta.url).pathname);
const otherDir = resolve(other);
const pairs = Number(args.pairs ?? 4);

const db = await createBenchDatabase();
const kek = randomBytes(32).toString("base64");
const adminKey = issueApiKey().key;
const env = { ...process.env, DATABASE_URL: db.url, SVAULT_KEK: kek, LOG_LEVEL: "warn" };
const users = benchUsers(50);
const tenantId = "bench";
try {
  const server = spawn(process.execPath, ["--import", "tsx", `${thisDir}/bench/auth-bench-server.ts`], {
    cwd: thisDir,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...env,
      PORT: "0",
      PUBLIC_URL: "http://127.0.0.1:0",
      SVAULT_BOOTSTRAP_API_KEY: adminKey,
      TRUST_PROXY_HOPS: "1",
      // 50 registrations from one address in a few seconds.
      RATE_LIMIT_REGISTRATION_CHALLENGES: "off",
    },
  });
  const ready = await new Promise<{ port: number }>((done, fail) => {
    createInterface({ input: server.stdout as NodeJS.ReadableStream }).once("line", (line) => done(JSON.parse(line)));
    server.once("exit", (code) => fail(new Error(`the fixture server exited with ${code}`)));
  });
  const baseUrl = `http://127.0.0.1:${ready.port}`;
  const target = { baseUrl, issuer: `${baseUrl}/${tenantId}`, tenantId };
  await createTenantAndClient(target, adminKey);
  await registerUsers(target, users);
  server.kill("SIGTERM");
  await new Promise((done) => server.once("exit", done));
  await db.analyze();

  const options: CoreLoginOptions = {
    databaseUrl: db.url,
    kek,
    publicUrl: baseUrl,
    tenantId,
    users,
    loops: 16,
    warmupSeconds: Number(args.warmup ?? 5),
    durationSeconds: Number(args.duration ?? 8),
  };
  const rows: string[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    const order = pair % 2 === 1 ? [thisDir, otherDir] : [otherDir, thisDir];
    for (const dir of order) {
      const load = (await import("node:os")).loadavg()[0]?.toFixed(2);
      const r = await runCore(dir, options);
      const ceilingUs = (r.ceilingMs * 1000) / r.ceilingLogins;
      const row =
        `| ${pair} | ${dir === thisDir ? "this" : "other"} (${dir}) | ${r.logins} | ${Math.round(r.serverCpuPerLoginUs)} | ` +
        `${Math.round(ceilingUs)} | ${((ceilingUs / r.serverCpuPerLoginUs) * 100).toFixed(1)} % | ${r.failures} | ${load} |`;
      rows.push(row);
      process.stderr.write(`[core-ab] ${row}\n`);
    }
  }
  console.log(
    [
      "| pair | side | logins | server CPU µs/login | interleaved ceiling µs/login | ceiling ÷ login | failures | load (1 min) |",
      "|---:|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
    ].join("\n"),
  );
} finally {
  await db.drop();
}

/** One run of `dir`'s own in-process login, from its directory, on CPU 0. */
async function runCore(dir: string, options: CoreLoginOptions): Promise<CoreLoginResult> {
  const command = [process.execPath, ...SERVICE_NODE_FLAGS, "--import", "tsx", `${dir}/bench/auth-login-core.ts`, JSON.stringify(options)];
  const child = spawn("taskset", ["-c", "0", ...command], { cwd: dir, env, stdio: ["pipe", "pipe", "inherit"] });
  let result: CoreLoginResult | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const message = JSON.parse(line) as { event?: string } & CoreLoginResult;
    if (message.event === "measure-start") child.stdin?.write("go\n");
    else result = message;
  }
  const code = await new Promise<number | null>((done) =>
    child.exitCode !== null ? done(child.exitCode) : child.once("exit", (c) => done(c)),
  );
  if (code !== 0 || !result) throw new Error(`the in-process login of ${dir} failed (exit ${code})`);
  return result;
}
