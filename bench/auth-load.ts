// Load generator of the auth benchmark, run by bench/auth-bench.ts as a child process pinned to
// its own core. One JSON argument (AuthLoadOptions); a warm-up window, then the measured window;
// reports one AuthLoadResult as a JSON line on stdout (after a `measure-start` line).
//
//   static   one fixed request, with autocannon (keep-alive connections, one request in flight each)
//   refresh  grant_type=refresh_token: every connection keeps its own rotating refresh-token chain
//   login    Get Challenge → (client finishLogin) → Authenticate loops, one per connection, each
//            with its own users and its own client address (X-Forwarded-For; the server trusts one
//            proxy hop), with KE1s made before the timed windows: over REST (`transport: "rest"`,
//            node:http with a keep-alive agent, one socket per loop) or over gRPC (`"grpc"`,
//            @grpc/grpc-js over h2c, a client per loop on one shared HTTP/2 connection, the
//            address in the call's x-forwarded-for metadata)
//
// The refresh mode uses node:http with a keep-alive agent (one socket per connection).
import autocannon, { type Options, type Result } from "autocannon";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { grpcLogin, loginOnce, prepareKe1s, restLogin, usersOfLoop } from "./auth-login-loops.js";
import { type BenchUser, opaqueReady, type PreparedKe1 } from "./auth-opaque-client.js";
import { childOptions, emit, LatencyRecorder, type LoadResult, percentile, summarize } from "./stats.js";

export interface AuthLoadOptions {
  readonly mode: "static" | "refresh" | "login";
  readonly baseUrl: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  // static
  readonly path?: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  // refresh
  readonly tokenPath?: string;
  readonly authorization?: string;
  readonly refreshTokens?: readonly string[];
  // login
  /** How the login loops call the two steps (default REST). */
  readonly transport?: "rest" | "grpc";
  /** The gRPC listener (`host:port`), for `transport: "grpc"`. */
  readonly grpcTarget?: string;
  readonly tenantId?: string;
  readonly issuer?: string;
  readonly users?: readonly BenchUser[];
  readonly ke1PerUser?: number;
}

export interface StepStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface AuthLoadResult extends LoadResult {
  /** Login mode: each HTTP step apart (the whole login is the main latency). */
  readonly steps?: Record<string, StepStats>;
  /** HTTP requests answered in the measured window (a login is two). */
  readonly httpRequests: number;
  /** The first few failures, for the log. */
  readonly failureSamples: readonly string[];
}

export type AuthLoaderEvent = { readonly event: "measure-start" } | { readonly event: "result"; readonly result: AuthLoadResult };

const options = childOptions<AuthLoadOptions>("AuthLoadOptions");

function stepStats(recorder: LatencyRecorder): StepStats {
  const sorted = recorder.sorted();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

// --- static: autocannon -------------------------------------------------------------------------

async function runStatic(): Promise<AuthLoadResult> {
  const base = (durationSeconds: number): Options => ({
    url: `${options.baseUrl}${options.path ?? "/"}`,
    connections: options.connections,
    duration: durationSeconds,
    method: options.method ?? "GET",
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const failuresOf = (r: Result) => r.errors + r.timeouts + r.mismatches + r.non2xx;
  let warmupFailures = 0;
  const samples: string[] = [];
  if (options.warmupSeconds > 0) {
    const warmup = await autocannon(base(options.warmupSeconds));
    warmupFailures = failuresOf(warmup);
    if (warmupFailures > 0) samples.push(`warm-up: ${JSON.stringify({ ...warmup.statusCodeStats, errors: warmup.errors })}`);
  }
  const latencies = new LatencyRecorder();
  let ok = 0;
  emit({ event: "measure-start" });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const instance = autocannon(base(options.durationSeconds));
  instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
    latencies.record(responseTimeMs);
    if (statusCode >= 200 && statusCode < 300) ok++;
  });
  const result = await instance;
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (failuresOf(result) > 0) samples.push(JSON.stringify({ ...result.statusCodeStats, errors: result.errors, timeouts: result.timeouts }));
  const summary = summarize({
    ok,
    errors: result.errors + result.timeouts + result.mismatches,
    non2xx: result.non2xx,
    warmupFailures,
    elapsedMs,
    latencies,
    cpu,
  });
  return { ...summary, httpRequests: ok + result.non2xx, failureSamples: samples };
}

// --- stateful modes: node:http keep-alive ----------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
const base = new URL(options.baseUrl);

function send(
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

type Phase = "warmup" | "measure" | "done";

/** Runs `loops` until the measured window ends; they record into the window they complete in. */
async function windows(loop: (index: number, phase: () => Phase) => Promise<void>): Promise<{ elapsedMs: number; cpu: NodeJS.CpuUsage }> {
  let phase: Phase = options.warmupSeconds > 0 ? "warmup" : "measure";
  const current = () => phase;
  let cpuBefore = process.cpuUsage();
  let started = performance.now();
  if (phase === "measure") emit({ event: "measure-start" });
  const running = Array.from({ length: options.connections }, (_, i) => loop(i, current));
  if (phase === "warmup") {
    await sleep(options.warmupSeconds * 1000);
    phase = "measure";
    emit({ event: "measure-start" });
    cpuBefore = process.cpuUsage();
    started = performance.now();
  }
  await sleep(options.durationSeconds * 1000);
  phase = "done";
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(running);
  return { elapsedMs, cpu };
}

class Counters {
  ok = 0;
  errors = 0;
  non2xx = 0;
  warmupFailures = 0;
  httpRequests = 0;
  readonly samples: string[] = [];

  fail(phase: Phase, kind: "error" | "non2xx", detail: string): void {
    if (this.samples.length < 5) this.samples.push(`${phase}: ${detail.slice(0, 300)}`);
    if (phase === "warmup") this.warmupFailures++;
    else if (phase === "measure") kind === "error" ? this.errors++ : this.non2xx++;
  }
}

async function runRefresh(): Promise<AuthLoadResult> {
  const tokens = [...(options.refreshTokens ?? [])];
  if (tokens.length < options.connections) throw new Error(`refresh: ${options.connections} chains needed, ${tokens.length} given`);
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    authorization: options.authorization ?? "",
    "user-agent": "svault-auth-bench",
  };
  const latencies = new LatencyRecorder();
  const counters = new Counters();
  const { elapsedMs, cpu } = await windows(async (index, phase) => {
    let token = tokens[index] as string;
    while (phase() !== "done") {
      const body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`;
      const t0 = performance.now();
      let answer: { status: number; text: string };
      try {
        answer = await send("POST", options.tokenPath ?? "/", headers, body);
      } catch (error) {
        counters.fail(phase(), "error", String(error));
        return; // the chain is lost
      }
      const ms = performance.now() - t0;
      const at = phase();
      if (at === "measure") {
        latencies.record(ms);
        counters.httpRequests++;
      }
      if (answer.status !== 200) {
        counters.fail(at, "non2xx", `${answer.status} ${answer.text}`);
        return; // a refused rotation ends the chain (and may have revoked its family)
      }
      const next = (JSON.parse(answer.text) as { refresh_token?: string }).refresh_token;
      if (!next) {
        counters.fail(at, "error", `no refresh_token in ${answer.text}`);
        return;
      }
      token = next;
      if (at === "measure") counters.ok++;
    }
  });
  const summary = summarize({ ...counters, elapsedMs, latencies, cpu });
  return { ...summary, httpRequests: counters.httpRequests, failureSamples: counters.samples };
}

async function runLogin(): Promise<AuthLoadResult> {
  await opaqueReady;
  const users = options.users ?? [];
  const tenantId = options.tenantId ?? "";
  const issuer = options.issuer ?? "";
  if (users.length === 0) throw new Error("login: no users");
  const transport =
    options.transport === "grpc"
      ? grpcLogin(options.grpcTarget ?? "", tenantId, options.connections)
      : restLogin(options.baseUrl, tenantId);
  const prepared = prepareKe1s(users, options.ke1PerUser ?? 4);

  const challengeMs = new LatencyRecorder();
  const authenticateMs = new LatencyRecorder();
  const clientMs = new LatencyRecorder();
  const loginMs = new LatencyRecorder();
  const counters = new Counters();
  const { elapsedMs, cpu } = await windows(async (index, phase) => {
    const own = usersOfLoop(users, options.connections, index);
    let round = 0;
    while (phase() !== "done") {
      const user = own[round % own.length] as BenchUser;
      const ke1s = prepared.get(user.username) as PreparedKe1[];
      const ke1 = ke1s[Math.floor(round / own.length) % ke1s.length] as PreparedKe1;
      round++;
      const outcome = await loginOnce(transport, index, user, ke1, issuer, tenantId);
      const at = phase();
      if (at === "measure") {
        const { times } = outcome;
        if (times?.challengeMs !== undefined) {
          challengeMs.record(times.challengeMs);
          counters.httpRequests++;
        }
        if (times?.challengeMs !== undefined && times.authenticateMs !== undefined && times.clientMs !== undefined) {
          clientMs.record(times.clientMs);
          authenticateMs.record(times.authenticateMs);
          loginMs.record(times.challengeMs + times.clientMs + times.authenticateMs);
          counters.httpRequests++;
        }
      }
      if (outcome.ok) {
        if (at === "measure") counters.ok++;
      } else counters.fail(at, outcome.kind, outcome.detail);
    }
  });
  transport.close();
  const summary = summarize({ ...counters, elapsedMs, latencies: loginMs, cpu });
  return {
    ...summary,
    httpRequests: counters.httpRequests,
    failureSamples: counters.samples,
    steps: {
      challenge: stepStats(challengeMs),
      clientFinishLogin: stepStats(clientMs),
      authenticate: stepStats(authenticateMs),
    },
  };
}

const result = options.mode === "static" ? await runStatic() : options.mode === "refresh" ? await runRefresh() : await runLogin();
for (const sample of result.failureSamples) process.stderr.write(`[auth-load] failure: ${sample}\n`);
process.stdout.write(`${JSON.stringify({ event: "result", result } satisfies AuthLoaderEvent)}\n`);
agent.destroy();
