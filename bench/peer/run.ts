// `npm run bench:peer`: svault side by side with oidc-provider 9.13 (issue 22). Starts, as
// separate processes pinned to one CPU with taskset (the load generators on the other):
//   - svault (bench/auth-bench-server.ts: the production services, plus a statement counter) on
//     its own fresh database;
//   - oidc-provider with its Postgres adapter (bench/peer/peer-server.ts, pg-adapter.ts) on
//     another fresh database — "peer (Postgres)";
//   - oidc-provider with its in-memory adapter — "peer (memory)".
// Each runs compiled, as in production (bench/peer/build.ts): svault is scripts/build-app.mjs's
// build — what `npm start` runs — with the node flags of package.json's start script
// (SERVICE_NODE_FLAGS), the peer plain `node` with V8's defaults; neither through a loader.
// `--tsx` runs both from their TypeScript sources through tsx instead, as this bench did until
// 2026-12-06 (each then held ≈ 35–40 MiB more idle, svault ≈ 75 more at its peak: docs/performance.md,
// "Memory under bench:peer's load").
// All three have the same confidential client (id and secret, client_secret_basic) and sign with
// EdDSA; and the same private_key_jwt client `bench-jwt` (one Ed25519 key made here, EdDSA
// assertions, client_credentials only) for the private_key_jwt_client_credentials row; the
// dpop_userinfo row's access tokens are bound to one DPoP key made here. Each endpoint is driven
// with N connections closed loop (bench/peer/load.ts; before each window, one request made as
// the load's are must succeed with the expected answer — the probe), the three
// systems alternating within each round, and the table shows medians over rounds with their
// spread: req/s, p99, svault ÷ peer, server CPU per request (/proc/<pid>/stat utime+stime), the
// Postgres backends' CPU per request, and database statements per request (each server counts the
// statements it sends: svault every pg query and pipelined statement incl. BEGIN/COMMIT, the peer
// every adapter call — one statement each). Memory (memory.ts): each server's RSS idle after its
// start and after the set-up (each after `--idle` seconds without requests: svault collects
// garbage after a whole quiet period of its 10 s timer, src/operations/idle-collector.ts), the highest and the last
// sample of every window and every round (/proc/<pid>/status VmRSS, every 250 ms), and its heap
// at those points (a preload in each server, memory-probe.ts); with `--heap-snapshot DIR`,
// svault's heap snapshots idle after the set-up and after the last round. The report says which
// fixtures each server holds.
//
// Writes bench/results/peer.json and bench/results/peer.md (`--out NAME`: NAME.json, NAME.md);
// the markdown goes to stdout too.
import { type JsonWebKey, randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { callJson } from "../auth-opaque-client.js";
import { benchUsers, codeFlow, createTenantAndClient, inBatches, REDIRECT_URI, registerUsers, type Target } from "../auth-setup.js";
import {
  backendCpuDelta,
  backendCpuSeconds,
  children,
  cores,
  cpuModel,
  freePort,
  LOADER_CPU,
  machineBusySeconds,
  pinned,
  positive,
  processCpuSeconds,
  SERVER_CPU,
  SERVICE_NODE_FLAGS,
  spawnNode,
  spawnPlainNode,
  stopChild,
} from "../bench-machine.js";
import { type BenchDatabase, createBenchDatabase } from "../database.js";
import { HISTORY_REFRESH_TOKENS, seedPeerTokenHistory, seedSvaultTokenHistory } from "../token-history.js";
import { type LoadResult, median } from "../stats.js";
import { buildServers } from "./build.js";
import type { Expectation } from "./load.js";
import { type HeapFigures, heapFigures, heapSnapshot, type RssSpan, RssSampler, rssMiB } from "./memory.js";
import { ed25519KeyPair, dpopProofs, okpThumbprint } from "./proofs.js";
import { monotonicMicros } from "../cpu-profile.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    rounds: { type: "string" },
    endpoints: { type: "string" },
    "cpu-prof": { type: "string" },
    idle: { type: "string" },
    tsx: { type: "boolean" },
    "heap-snapshot": { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
const USAGE = `usage: npm run bench:peer -- [options]
  --duration S      measured seconds per window (default 5)
  --warmup S        warm-up seconds per window (default 2)
  --connections N   connections, closed loop (default 16)
  --rounds N        rounds; each runs every endpoint on every system, alternating (default 3)
  --endpoints LIST  a subset of client_credentials,refresh_token,userinfo,jwks,discovery,introspection,par,
                    dpop_client_credentials,private_key_jwt_client_credentials,dpop_userinfo
  --cpu-prof DIR    write a V8 CPU profile of the svault server (whole run, set-up included) into DIR,
                    and DIR/window-<endpoint>-<round>.json for each of its measured windows
                    (bench/cpu-profile-summary.ts --window)
  --idle S          seconds without requests before each idle RSS sample (default 22: svault's
                    collection when idle runs after a whole quiet 10 s period of its timer, 10–20 s)
  --tsx             run svault and the peer from their TypeScript sources through tsx (default: compiled,
                    as production runs them: svault's build of \`npm start\` with its node flags)
  --heap-snapshot DIR  write svault's heap snapshots into DIR, idle after the set-up and after the last round
                    (the snapshot writer's native memory stays in its RSS: not for RSS figures)
  --out NAME        write bench/results/NAME.md and NAME.json (default peer)
`;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const durationSeconds = positive("--duration", args.duration, 5);
const warmupSeconds = positive("--warmup", args.warmup, 2);
const connections = Math.round(positive("--connections", args.connections, 16));
const rounds = Math.round(positive("--rounds", args.rounds, 3));
const idleSeconds = positive("--idle", args.idle, 22);
const fromSources = args.tsx === true;
const heapSnapshotDir = args["heap-snapshot"];
const resultsName = args.out ?? "peer";
if (!/^[\w.-]+$/.test(resultsName)) throw new Error(`--out must be a file name, got "${resultsName}"`);
const benchDir = new URL("..", import.meta.url).pathname;
const cpuProfileDir = args["cpu-prof"];
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
/** The private_key_jwt client of every system, and the key its assertions are signed with. */
const ASSERTION_CLIENT_ID = "bench-jwt";
const assertionKey = ed25519KeyPair();
/** The DPoP key the dpop_userinfo row's access tokens are bound to, on every system. */
const userDpopKey = ed25519KeyPair();
const resultsDir = new URL("../results/", import.meta.url).pathname;

const ENDPOINTS = [
  "client_credentials",
  "refresh_token",
  "userinfo",
  "jwks",
  "discovery",
  "introspection",
  "par",
  "dpop_client_credentials",
  "private_key_jwt_client_credentials",
  "dpop_userinfo",
] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const endpoints = (args.endpoints?.split(",").map((e) => e.trim()) ?? [...ENDPOINTS]) as Endpoint[];
for (const endpoint of endpoints) if (!ENDPOINTS.includes(endpoint)) throw new Error(`unknown endpoint ${endpoint}`);

type SystemName = "peer-postgres" | "svault" | "peer-memory";
const SYSTEM_LABEL: Record<SystemName, string> = {
  "peer-postgres": "oidc-provider (Postgres)",
  svault: "svault",
  "peer-memory": "oidc-provider (memory)",
};

function log(message: string): void {
  process.stderr.write(`[bench:peer] ${message}\n`);
}

// --- processes --------------------------------------------------------------------------------

interface Server {
  readonly name: SystemName;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly baseUrl: string;
  /** The database whose Postgres backends serve it (none for the in-memory peer). */
  readonly database: string | undefined;
  /** Its memory probe's port (memory-probe.ts). */
  readonly probePort: number;
}

/** How a server's process is started: its entry point (compiled or TypeScript) and node flags. */
interface Launch {
  readonly script: string;
  readonly nodeArgs: readonly string[];
  /** The memory probe, preloaded. */
  readonly memoryProbe: string;
  /** Through tsx's loader (`--tsx`), or plain `node` (compiled). */
  readonly tsx: boolean;
}

/** How each server ran, for the report. */
const launchText = (launch: Launch) =>
  `\`node ${[...(launch.tsx ? ["--import tsx"] : []), ...launch.nodeArgs].join(" ")}${launch.nodeArgs.length || launch.tsx ? " " : ""}${launch.script.replace(/^.*\/(dist\/|bench\/)/, "$1")}\``;

/** The port a server's `{"port":…}` line names, else undefined. */
function portOf(line: string): number | undefined {
  try {
    const port = (JSON.parse(line) as { port?: unknown } | null)?.port;
    return typeof port === "number" ? port : undefined;
  } catch {
    return undefined;
  }
}

async function start(name: SystemName, launch: Launch, env: NodeJS.ProcessEnv, database: string | undefined): Promise<Server> {
  const probePort = await freePort();
  const nodeArgs = [...launch.nodeArgs, "--import", launch.memoryProbe, launch.script];
  const environment = { ...process.env, LOG_LEVEL: "warn", BENCH_MEMORY_PROBE_PORT: String(probePort), ...env };
  const child = launch.tsx ? spawnNode(SERVER_CPU, nodeArgs, environment) : spawnPlainNode(SERVER_CPU, nodeArgs, environment);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  // Its first JSON line names the port; lines before it (V8's --trace-gc, with BENCH_*_NODE_FLAGS) are passed on.
  let listening = false;
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    lines.on("line", (line) => {
      if (listening) return;
      const port = portOf(line);
      if (port !== undefined) {
        listening = true;
        resolve({ port });
      } else log(`${name}: ${line}`);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before listening`)));
  });
  lines.on("line", (line) => {
    if (listening) log(`${name}: ${line}`);
  });
  return { name, child, pid: child.pid as number, baseUrl: `http://127.0.0.1:${port}`, database, probePort };
}

async function statements(server: Server): Promise<number> {
  const res = await fetch(`${server.baseUrl}/__bench/query-count`);
  return ((await res.json()) as { queries: number }).queries;
}

// --- what each system is asked --------------------------------------------------------------

interface Request {
  readonly path: string;
  readonly method: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Rotating refresh-token chains (load.ts). */
  readonly chained?: boolean;
  /** A DPoP proof with every request, at the token endpoint (load.ts). */
  readonly dpop?: boolean;
  /** A DPoP proof of `userDpopKey` naming the access token with every request, at a resource (load.ts). */
  readonly dpopResource?: { readonly privateJwk: JsonWebKey; readonly accessToken: string };
  /** A fresh private_key_jwt assertion of `bench-jwt` in every request's form (load.ts). */
  readonly clientAssertion?: { readonly clientId: string; readonly privateJwk: JsonWebKey };
  /** A copy of the probe's request must be refused (load.ts). */
  readonly replayRefused?: boolean;
  /** What a good answer looks like (load.ts). */
  readonly expect: Expectation;
}

interface Fixtures {
  readonly basic: string;
  /** svault: `/{tenant}`; the peer: `` (its issuer is its root). */
  readonly prefix: string;
  /** An access token userinfo accepts (svault: its JWT; the peer: its opaque token for userinfo). */
  userinfoToken: string;
  /** The token to introspect (svault: a user's JWT access token; the peer: its opaque one, see below). */
  introspectToken: string;
  /** An access token bound to `userDpopKey` (`cnf.jkt`) that userinfo accepts with a proof of that key. */
  dpopUserinfoToken: string;
  chains: string[];
  /**
   * svault's access tokens live 10 minutes, less than a default run: they are taken afresh before
   * every window from these grants' refresh tokens (renewSvaultTokens). The peer's are seeded per window.
   */
  grants?: { plain: string; dpop: string };
  /** svault's generated client secret, which the peers are configured with. */
  readonly clientSecret?: string;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const PAR_PARAMS = new URLSearchParams({
  response_type: "code",
  client_id: "bench-app",
  redirect_uri: "http://localhost:4000/callback",
  scope: "openid profile",
  state: "st",
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
}).toString();

function requestOf(system: SystemName, endpoint: Endpoint, f: Fixtures): Request {
  const peer = system !== "svault";
  const post = (path: string, body: string, expect: Expectation): Request => ({
    path,
    method: "POST",
    headers: { ...FORM, authorization: f.basic },
    body,
    expect,
  });
  // The peer issues JWT access tokens only for a resource server (its scope `api:read`).
  const clientCredentials = peer ? "grant_type=client_credentials&scope=api%3Aread" : "grant_type=client_credentials";
  const userinfoPath = peer ? "/me" : `${f.prefix}/userinfo`;
  switch (endpoint) {
    case "client_credentials":
      return post(`${f.prefix}/token`, clientCredentials, "token");
    case "refresh_token":
      return { ...post(`${f.prefix}/token`, "grant_type=refresh_token", "refreshed"), chained: true };
    case "userinfo":
      return { path: userinfoPath, method: "GET", headers: { authorization: `Bearer ${f.userinfoToken}` }, expect: "userinfo" };
    case "jwks":
      return { path: peer ? "/jwks" : `${f.prefix}/.well-known/jwks.json`, method: "GET", expect: "jwks" };
    case "discovery":
      return { path: `${f.prefix}/.well-known/openid-configuration`, method: "GET", expect: "discovery" };
    case "introspection":
      return post(peer ? "/token/introspection" : `${f.prefix}/introspect`, `token=${encodeURIComponent(f.introspectToken)}`, "active");
    case "par":
      return post(peer ? "/request" : `${f.prefix}/par`, PAR_PARAMS, "pushed");
    case "dpop_client_credentials":
      return { ...requestOf(system, "client_credentials", f), dpop: true, expect: "dpop-token" };
    case "private_key_jwt_client_credentials":
      // No Basic header: the assertion is the client's authentication (load.ts adds it).
      return {
        path: `${f.prefix}/token`,
        method: "POST",
        headers: FORM,
        body: clientCredentials,
        clientAssertion: { clientId: ASSERTION_CLIENT_ID, privateJwk: assertionKey.privateJwk },
        replayRefused: true,
        expect: "token",
      };
    case "dpop_userinfo":
      return {
        path: userinfoPath,
        method: "GET",
        headers: { authorization: `DPoP ${f.dpopUserinfoToken}` },
        dpopResource: { privateJwk: userDpopKey.privateJwk, accessToken: f.dpopUserinfoToken },
        replayRefused: true,
        expect: "userinfo",
      };
  }
}

// --- measuring ----------------------------------------------------------------------------------

interface Measurement {
  readonly system: SystemName;
  readonly endpoint: Endpoint;
  readonly round: number;
  readonly result: LoadResult;
  readonly serverCpuUsPerRequest: number;
  readonly postgresCpuUsPerRequest: number;
  readonly statementsPerRequest: number;
  /** The measured server's RSS over its window (probe, warm-up and measured seconds), MiB. */
  readonly rss: RssSpan;
}

async function measure(
  server: Server,
  endpoint: Endpoint,
  round: number,
  carried: Fixtures,
  sampler: RssSampler<SystemName>,
): Promise<Measurement> {
  // The peer's tokens are seeded afresh for every window, in a grant of their own: its in-memory
  // adapter is a bounded LRU cache, so a busy window evicts the grant and tokens seeded earlier
  // (their next use is invalid_grant / invalid_token). svault's chains carry on across windows.
  const fixtures = server.name === "svault" ? await renewSvaultTokens(server, carried) : await peerFixtures(server, carried.basic);
  const request = requestOf(server.name, endpoint, fixtures);
  const options = {
    target: `${server.baseUrl}${request.path}`,
    connections,
    warmupSeconds,
    durationSeconds,
    method: request.method,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.chained ? { chains: fixtures.chains } : {}),
    ...(request.dpop ? { dpop: true } : {}),
    ...(request.dpopResource ? { dpopResource: request.dpopResource } : {}),
    ...(request.clientAssertion ? { clientAssertion: request.clientAssertion } : {}),
    ...(request.replayRefused ? { replayRefused: true } : {}),
    expect: request.expect,
  };
  const window = sampler.open();
  const child = spawnNode(LOADER_CPU, [`${benchDir}peer/load.ts`, JSON.stringify(options)]);
  let startedAt: { cpu: number; backends: Map<number, number>; statements: number } | undefined;
  let ended: { cpu: number; postgres: number; statements: number } | undefined;
  let result: LoadResult | undefined;
  let windowFrom = 0;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const event = JSON.parse(line) as { event: string; result?: LoadResult; chains?: string[]; message?: string };
    if (event.event === "probe-failed") {
      throw new Error(`${server.name} ${endpoint}: the probe before timing failed: ${event.message}`);
    }
    if (event.event === "measure-start") {
      windowFrom = monotonicMicros();
      startedAt = {
        cpu: processCpuSeconds(server.pid),
        backends: server.database ? backendCpuSeconds(server.database) : new Map(),
        statements: await statements(server),
      };
    } else if (event.event === "result" && startedAt) {
      ended = {
        cpu: processCpuSeconds(server.pid) - startedAt.cpu,
        postgres: server.database ? backendCpuDelta(startedAt.backends, backendCpuSeconds(server.database)) : 0,
        statements: (await statements(server)) - startedAt.statements,
      };
      result = event.result;
      // The profile's timestamps are on the same monotonic clock (bench/cpu-profile-summary.ts --window).
      if (cpuProfileDir && server.name === "svault") {
        writeFileSync(
          join(cpuProfileDir, `window-${endpoint}-${round}.json`),
          JSON.stringify({ from: windowFrom, to: monotonicMicros(), requests: result?.ok }),
        );
      }
    } else if (event.event === "chains" && event.chains) {
      fixtures.chains = event.chains;
    }
  }
  const rss = sampler.close(window).get(server.name) as RssSpan;
  if (!result || !ended) throw new Error(`${server.name} ${endpoint}: the load generator gave no result`);
  if (result.errors + result.non2xx + result.warmupFailures > 0) {
    throw new Error(
      `${server.name} ${endpoint}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.warmupFailures} in the warm-up`,
    );
  }
  const requests = result.ok;
  return {
    system: server.name,
    endpoint,
    round,
    result,
    serverCpuUsPerRequest: (ended.cpu / requests) * 1e6,
    postgresCpuUsPerRequest: (ended.postgres / requests) * 1e6,
    statementsPerRequest: ended.statements / requests,
    rss,
  };
}

// --- fixtures -------------------------------------------------------------------------------------

/** Chain heads needed: every connection loses its chain at the end of each window (load.ts). */
const chainsNeeded = () => (endpoints.includes("refresh_token") ? connections * (rounds + 1) + connections : 0);
/** The peer's seeds per window (its chains start afresh in every window). */
const PEER_CHAINS_PER_WINDOW = () => connections * 2;

async function svaultFixtures(server: Server, adminKey: string): Promise<Fixtures> {
  const target: Target = { baseUrl: server.baseUrl, issuer: `${server.baseUrl}/bench`, tenantId: "bench" };
  const client = await createTenantAndClient(target, adminKey);
  await callJson(`${server.baseUrl}/api/v1/clients`, {
    body: {
      tenant_id: target.tenantId,
      client_id: ASSERTION_CLIENT_ID,
      name: ASSERTION_CLIENT_ID,
      redirect_uris: [REDIRECT_URI],
      client_type: "confidential",
      sing_alg: "EdDSA",
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [assertionKey.publicJwk] },
      flow: { grant_types: ["client_credentials"] },
    },
    headers: { "x-api-key": adminKey },
  });
  const users = benchUsers(4);
  await registerUsers(target, users);
  const flows = await inBatches(
    Array.from({ length: chainsNeeded() + 2 }, (_, i) => users[i % users.length] as (typeof users)[number]),
    4,
    (user) => codeFlow(target, client, user),
  );
  const [first, second, ...rest] = flows;
  if (!first || !second) throw new Error("no code flow");
  const fixtures: Fixtures = {
    basic: client.basic,
    prefix: "/bench",
    userinfoToken: "",
    introspectToken: "",
    dpopUserinfoToken: "",
    chains: rest.map((flow) => flow.refreshToken),
    clientSecret: client.clientSecret,
    grants: { plain: first.refreshToken, dpop: second.refreshToken },
  };
  return renewSvaultTokens(server, fixtures);
}

/** svault's user access tokens taken afresh (Fixtures.grants), the plain one by a refresh, the bound one by a DPoP refresh. */
async function renewSvaultTokens(server: Server, fixtures: Fixtures): Promise<Fixtures> {
  if (!fixtures.grants) return fixtures;
  const tokenUrl = `${server.baseUrl}${fixtures.prefix}/token`;
  const res = await fetch(tokenUrl, {
    method: "POST",
    headers: { ...FORM, authorization: fixtures.basic },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: fixtures.grants.plain }).toString(),
  });
  const plain = (await res.json()) as { access_token?: string; refresh_token?: string };
  if (res.status !== 200 || !plain.access_token || !plain.refresh_token)
    throw new Error(`svault: the refresh for a user access token answered ${res.status}: ${JSON.stringify(plain)}`);
  const bound = await dpopBoundAccessToken(tokenUrl, fixtures.basic, fixtures.grants.dpop);
  fixtures.grants = { plain: plain.refresh_token, dpop: bound.refreshToken };
  fixtures.userinfoToken = plain.access_token;
  fixtures.introspectToken = plain.access_token;
  fixtures.dpopUserinfoToken = bound.accessToken;
  return fixtures;
}

/**
 * A user's access token bound to `userDpopKey`, and its grant's next refresh token: svault binds the tokens of a grant made with a
 * DPoP proof (RFC 9449 §5), here a refresh of a code flow's token, with the nonce its first
 * answer names (§8). Checked: the token's `cnf.jkt` is the key's thumbprint.
 */
async function dpopBoundAccessToken(
  tokenUrl: string,
  basic: string,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const proof = dpopProofs(userDpopKey.privateJwk);
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString();
  let nonce: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await fetch(tokenUrl, {
      method: "POST",
      headers: { ...FORM, authorization: basic, dpop: proof("POST", tokenUrl, nonce) },
      body,
    });
    const answer = (await res.json()) as { access_token?: string; refresh_token?: string; token_type?: string; error?: string };
    nonce = res.headers.get("dpop-nonce") ?? nonce;
    if (res.status === 400 && answer.error === "use_dpop_nonce" && attempt === 0) continue;
    if (res.status !== 200 || answer.token_type !== "DPoP" || !answer.access_token || !answer.refresh_token) {
      throw new Error(`the DPoP refresh answered ${res.status}: ${JSON.stringify(answer)}`);
    }
    const payload = JSON.parse(Buffer.from(answer.access_token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      cnf?: { jkt?: string };
    };
    if (payload.cnf?.jkt !== okpThumbprint(userDpopKey.publicJwk))
      throw new Error("the DPoP refresh's access token is not bound to the key");
    return { accessToken: answer.access_token, refreshToken: answer.refresh_token };
  }
  throw new Error("the DPoP refresh was refused twice");
}

async function peerFixtures(server: Server, basic: string): Promise<Fixtures> {
  const jkt = okpThumbprint(userDpopKey.publicJwk);
  const res = await fetch(`${server.baseUrl}/__bench/seed?chains=${PEER_CHAINS_PER_WINDOW()}&jkt=${jkt}`, { method: "POST" });
  if (!res.ok) throw new Error(`${server.name} seed: ${res.status} ${await res.text()}`);
  const seeded = (await res.json()) as { refreshTokens: string[]; accessToken: string; dpopAccessToken: string };
  // oidc-provider introspects only its opaque tokens ("Structured JWT Tokens cannot be
  // introspected"), so its introspection row uses the opaque access token.
  return {
    basic,
    prefix: "",
    userinfoToken: seeded.accessToken,
    introspectToken: seeded.accessToken,
    dpopUserinfoToken: seeded.dpopAccessToken,
    chains: seeded.refreshTokens,
  };
}

// --- report -----------------------------------------------------------------------------------------

const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

interface Cell {
  readonly rps: number;
  readonly rpsRuns: number[];
  readonly p99: number;
  readonly cpuUs: number;
  readonly postgresUs: number;
  readonly statements: number;
  /** The highest RSS sample in its window, MiB. */
  readonly rssPeak: number;
}

function cellOf(all: Measurement[], system: SystemName, endpoint: Endpoint): Cell | undefined {
  const runs = all.filter((m) => m.system === system && m.endpoint === endpoint);
  if (runs.length === 0) return undefined;
  return {
    rps: median(runs.map((m) => m.result.requestsPerSecond)),
    rpsRuns: runs.map((m) => m.result.requestsPerSecond),
    p99: median(runs.map((m) => m.result.p99Ms)),
    cpuUs: median(runs.map((m) => m.serverCpuUsPerRequest)),
    postgresUs: median(runs.map((m) => m.postgresCpuUsPerRequest)),
    statements: median(runs.map((m) => m.statementsPerRequest)),
    rssPeak: median(runs.map((m) => m.rss.peak)),
  };
}

const spread = (cell: Cell) => `${integer(Math.min(...cell.rpsRuns))}–${integer(Math.max(...cell.rpsRuns))}`;

/** What differs between the systems in the modern-profile rows (issue 24), said in the report's header. */
const MODERN_PROFILE_NOTES: [Endpoint, string][] = [
  [
    "private_key_jwt_client_credentials",
    "- private_key_jwt_client_credentials: client `bench-jwt` registered on every system with the same Ed25519 public key (EdDSA); the loader signs a fresh assertion per request " +
      "(iss = sub = client_id, aud = the token endpoint URL, exp 60 s, a random jti), off the server's core; replay protection checked before timing on each system. " +
      "svault claims the jti with one INSERT (shared by all instances); the peer's ReplayDetection does a find and an upsert through its adapter (Postgres: 2 statements; memory: an in-process LRU of 1,000 entries)",
  ],
  [
    "dpop_userinfo",
    "- dpop_userinfo: userinfo with an access token bound to one Ed25519 key (`cnf.jkt`) and a fresh proof per request (htm, htu, iat, random jti, ath), no nonce at the resource on either system; replay refused before timing on each. " +
      "svault's token is its JWT (from a DPoP refresh of a real code flow), so it verifies two signatures (token, proof) and runs one liveness statement plus the jti claim; " +
      "the peer's is its opaque token (seeded with `jkt`), looked up (token, grant) besides its ReplayDetection find and upsert. The peer accepts a proof's iat within 300 s, svault within 60 s",
  ],
];

/** One server's memory over the run (memory.ts), and what it runs as and holds, for the report. */
interface SystemMemory {
  readonly launch: string;
  readonly fixtures: string;
  /** `--idle` seconds after it listened, before any set-up. */
  readonly idleAfterStart: HeapFigures;
  /** `--idle` seconds after the whole set-up, before the first round. */
  readonly idleAfterSetup: HeapFigures;
  /** RSS over each round (all its windows: this server's and the others'), and its heap right after it. */
  readonly rounds: { readonly round: number; readonly rss: RssSpan; readonly heap: HeapFigures }[];
  /** After the last round, right after a full collection (the probe's): what is live, not garbage waiting. */
  collected?: HeapFigures;
}

const SYSTEMS: SystemName[] = ["peer-postgres", "peer-memory", "svault"];
const mib = (value: number) => fixed(value, 0);

function memoryReport(all: Measurement[], memory: Record<SystemName, SystemMemory>): string[] {
  const out: string[] = [];
  out.push("How each server ran and what it holds:", "");
  for (const system of SYSTEMS) out.push(`- ${SYSTEM_LABEL[system]}: ${memory[system].launch}; ${memory[system].fixtures}`);
  out.push("");
  const roundHeads = Array.from({ length: rounds }, (_, i) => `round ${i + 1} peak / end`);
  out.push(
    `| RSS MiB (VmRSS) | idle after start | idle after set-up | ${roundHeads.join(" | ")} | highest of its own windows (endpoint) | after the rounds and a full collection |`,
  );
  out.push(`|---|---:|---:|${roundHeads.map(() => "---:|").join("")}---:|---:|`);
  for (const system of SYSTEMS) {
    const m = memory[system];
    const own = all.filter((x) => x.system === system);
    const highest = own.reduce<Measurement | undefined>((top, x) => (!top || x.rss.peak > top.rss.peak ? x : top), undefined);
    out.push(
      `| ${SYSTEM_LABEL[system]} | ${mib(m.idleAfterStart.rss)} | ${mib(m.idleAfterSetup.rss)} | ` +
        `${m.rounds.map((r) => `${mib(r.rss.peak)} / ${mib(r.rss.end)}`).join(" | ")} | ${highest ? `${mib(highest.rss.peak)} (${highest.endpoint}, round ${highest.round})` : "n/a"} ` +
        `| ${m.collected ? mib(m.collected.rss) : "n/a"} |`,
    );
  }
  out.push("");
  out.push(
    "| heap MiB (in the process: process.memoryUsage, v8 heap spaces) | when | RSS | heap used / total | young generation committed | old space used / committed | code + large objects used | external (array buffers) | V8 heap's highest since the row before: mapped (used) |",
  );
  out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const system of SYSTEMS) {
    const m = memory[system];
    const rows: [string, HeapFigures][] = [
      ["idle after start", m.idleAfterStart],
      ["idle after set-up", m.idleAfterSetup],
      ...m.rounds.map((r): [string, HeapFigures] => [`end of round ${r.round}`, r.heap]),
      ...(m.collected ? [["after the rounds, a full collection", m.collected] as [string, HeapFigures]] : []),
    ];
    for (const [when, h] of rows) {
      out.push(
        `| ${SYSTEM_LABEL[system]} | ${when} | ${mib(h.rss)} | ${mib(h.heapUsed)} / ${mib(h.heapTotal)} | ${mib(h.newSpaceCommitted)} | ` +
          `${mib(h.oldSpaceUsed)} / ${mib(h.oldSpaceCommitted)} | ${mib(h.codeAndLargeObjectsUsed)} | ${mib(h.external)} (${mib(h.arrayBuffers)}) ` +
          `| ${mib(h.peakSincePrevious.physical)} (${mib(h.peakSincePrevious.used)}) |`,
      );
    }
  }
  return out;
}

function report(
  all: Measurement[],
  context: {
    startedAt: Date;
    busy: number;
    load: number[];
    loadAtEnd: number[];
    memory: Record<SystemName, SystemMemory>;
    postgres: string;
  },
): string {
  const out: string[] = [];
  out.push(`### Side by side with oidc-provider — ${context.startedAt.toISOString()}`, "");
  out.push(
    `- Machine: ${cpuModel}, nproc = ${cores}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}; ${context.postgres.split(" on ")[0]}`,
  );
  out.push(
    `- Pinning: ${pinned ? `each server on CPU ${SERVER_CPU}, the load generator on CPU ${LOADER_CPU} (taskset); Postgres not pinned` : "none (taskset missing or one CPU)"}`,
  );
  out.push(
    `- Servers: ${fromSources ? "from their TypeScript sources through tsx (`--tsx`)" : "compiled, as production runs them (svault: the build `npm start` runs, with its node flags)"}; how and on what fixtures: below the table`,
  );
  out.push(
    `- Load: ${connections} connections closed loop (HTTP/1.1 keep-alive, autocannon), ${warmupSeconds} s warm-up + ${durationSeconds} s measured per window; ` +
      `${rounds} rounds, systems alternating within each round; medians over rounds, req/s spread min–max`,
  );
  out.push(
    `- Machine load during the run: ${fixed(context.busy, 0)} % of one core busy on average over all cores' time (everything: servers, loaders, Postgres, other work); ` +
      `load average ${context.load.map((l) => l.toFixed(2)).join(" / ")} at the start, ${context.loadAtEnd.map((l) => l.toFixed(2)).join(" / ")} at the end`,
  );
  if (heapSnapshotDir) {
    out.push(
      "- **svault's heap snapshots (`--heap-snapshot`) were written after the set-up:** its RSS from then on holds the snapshot writer's native memory, which it keeps (+≈ 250 MiB in a run of 2026-12-06): its RSS figures are not comparable, its heap figures are",
    );
  }
  out.push(...MODERN_PROFILE_NOTES.filter(([endpoint]) => endpoints.includes(endpoint)).map(([, note]) => note));
  out.push("");
  out.push(
    "| endpoint | oidc-provider (Postgres) req/s | oidc-provider (memory) req/s | svault req/s | svault ÷ peer (Postgres) | svault ÷ peer (memory) | RSS MiB, highest in its window peer-pg / peer-mem / svault | p99 ms peer-pg / peer-mem / svault | server CPU µs/request peer-pg / peer-mem / svault | Postgres CPU µs/request peer-pg / svault | DB statements/request peer-pg / svault |",
  );
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const endpoint of endpoints) {
    const pg = cellOf(all, "peer-postgres", endpoint);
    const mem = cellOf(all, "peer-memory", endpoint);
    const sv = cellOf(all, "svault", endpoint);
    if (!pg || !mem || !sv) continue;
    out.push(
      `| ${endpoint} | ${integer(pg.rps)} (${spread(pg)}) | ${integer(mem.rps)} (${spread(mem)}) | ${integer(sv.rps)} (${spread(sv)}) ` +
        `| ${fixed(sv.rps / pg.rps)} | ${fixed(sv.rps / mem.rps)} | ${mib(pg.rssPeak)} / ${mib(mem.rssPeak)} / ${mib(sv.rssPeak)} ` +
        `| ${fixed(pg.p99, 1)} / ${fixed(mem.p99, 1)} / ${fixed(sv.p99, 1)} ` +
        `| ${integer(pg.cpuUs)} / ${integer(mem.cpuUs)} / ${integer(sv.cpuUs)} | ${integer(pg.postgresUs)} / ${integer(sv.postgresUs)} ` +
        `| ${fixed(pg.statements, 1)} / ${fixed(sv.statements, 1)} |`,
    );
  }
  out.push(
    "",
    "(RSS in its window: the highest VmRSS sample of the server while its own window ran, probe and warm-up included; median over rounds.)",
    "",
  );
  out.push(...memoryReport(all, context.memory));
  return `${out.join("\n")}\n`;
}

/** What each server holds when the rounds start (and what the load adds), for the report. */
function fixturesText(system: SystemName): string {
  const history = endpoints.includes("refresh_token");
  if (system === "svault") {
    return (
      `tenant \`bench\` with clients \`bench-app\` (client_secret_basic) and \`${ASSERTION_CLIENT_ID}\` (private_key_jwt), 4 users (OPAQUE registrations), ` +
      `${chainsNeeded() + 2} code flows' grants (token families) and their refresh tokens` +
      (history
        ? `, ${HISTORY_REFRESH_TOKENS.toLocaleString("en-US")} retired refresh tokens in ${(HISTORY_REFRESH_TOKENS / 4).toLocaleString("en-US")} revoked families`
        : "") +
      "; all in Postgres (in the process: what its caches keep); the load's tokens are rows too"
    );
  }
  const where =
    system === "peer-postgres" ? "rows in Postgres" : "in its adapter's in-process LRU (oidc-provider's MemoryAdapter, 1,000 entries)";
  return (
    `clients \`bench-app\` and \`${ASSERTION_CLIENT_ID}\` and one account in its configuration; before each of its windows one grant with ${PEER_CHAINS_PER_WINDOW()} refresh tokens and 2 access tokens, seeded through its models (${where})` +
    (history && system === "peer-postgres"
      ? `, and ${HISTORY_REFRESH_TOKENS.toLocaleString("en-US")} consumed refresh-token payloads`
      : "") +
    `; the load's tokens ${system === "peer-postgres" ? "are rows too" : "go into that LRU"}`
  );
}

// --- main ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const load = os.loadavg();
  const adminKey = issueApiKey().key;
  const databases: BenchDatabase[] = [];
  const stopAll = async () => {
    await Promise.all([...children].map((child) => stopChild(child)));
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  };
  process.once("SIGINT", () => void stopAll().finally(() => process.exit(130)));
  /** A server's heap, and its RSS as /proc/<pid>/status has it (the figure every other RSS here is). */
  const memoryOf = async (server: Server, collect = false): Promise<HeapFigures> => ({
    ...(await heapFigures(server.probePort, collect)),
    rss: rssMiB(server.pid),
  });
  /** Each server's memory after `--idle` seconds without a request. */
  const idleFigures = async (servers: Server[]) => {
    await sleep(idleSeconds * 1000);
    return Promise.all(servers.map((server) => memoryOf(server)));
  };
  const snapshot = async (server: Server, when: string) => {
    if (!heapSnapshotDir) return;
    mkdirSync(heapSnapshotDir, { recursive: true });
    log(
      `heap snapshot of ${server.name} ${when}: ${await heapSnapshot(server.probePort, join(heapSnapshotDir, `${server.name}-${when}.heapsnapshot`))}`,
    );
  };
  try {
    const compiled = fromSources ? undefined : await buildServers(log);
    const cpuProfile = cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : [];
    const svaultLaunch: Launch = compiled
      ? { script: compiled.svault, nodeArgs: [...SERVICE_NODE_FLAGS, ...cpuProfile], memoryProbe: compiled.memoryProbe, tsx: false }
      : {
          script: `${benchDir}auth-bench-server.ts`,
          nodeArgs: [...SERVICE_NODE_FLAGS, ...cpuProfile],
          memoryProbe: `${benchDir}peer/memory-probe.ts`,
          tsx: true,
        };
    // The peer with V8's defaults, as oidc-provider's own deployment would run it (BENCH_PEER_NODE_FLAGS: others, for an experiment).
    const peerFlags = process.env.BENCH_PEER_NODE_FLAGS?.split(/\s+/).filter((word) => word.startsWith("--")) ?? [];
    const peerLaunch: Launch = compiled
      ? { script: compiled.peer, nodeArgs: peerFlags, memoryProbe: compiled.memoryProbe, tsx: false }
      : { script: `${benchDir}peer/peer-server.ts`, nodeArgs: peerFlags, memoryProbe: `${benchDir}peer/memory-probe.ts`, tsx: true };
    const svaultDb = await createBenchDatabase();
    const peerDb = await createBenchDatabase();
    databases.push(svaultDb, peerDb);
    const svaultPort = await freePort();
    const svault = await start(
      "svault",
      svaultLaunch,
      {
        DATABASE_URL: svaultDb.url,
        PORT: String(svaultPort),
        PUBLIC_URL: `http://127.0.0.1:${svaultPort}`,
        SVAULT_KEK: randomBytes(32).toString("base64"),
        SVAULT_BOOTSTRAP_API_KEY: adminKey,
        RATE_LIMIT_REGISTRATION_CHALLENGES: "off",
      },
      svaultDb.name,
    );
    log(`svault pid ${svault.pid} at ${svault.baseUrl} (${launchText(svaultLaunch)}); ${idleSeconds} s idle`);
    const [svaultIdle] = (await idleFigures([svault])) as [HeapFigures];
    log(`svault idle after start: ${mib(svaultIdle.rss)} MiB; setting up the tenant, client, users and ${chainsNeeded()} code flows`);
    const svaultSetup = await svaultFixtures(svault, adminKey);
    const peers: Server[] = [];
    for (const [name, adapter, db] of [
      ["peer-postgres", "postgres", peerDb],
      ["peer-memory", "memory", undefined],
    ] as const) {
      const port = await freePort();
      peers.push(
        await start(
          name,
          peerLaunch,
          {
            PORT: String(port),
            PEER_ISSUER: `http://127.0.0.1:${port}`,
            PEER_ADAPTER: adapter,
            PEER_CLIENT_ID: "bench-app",
            // The same client: svault generated its secret, the peer is configured with it.
            PEER_CLIENT_SECRET: svaultSetup.clientSecret ?? "",
            PEER_ASSERTION_JWK: JSON.stringify(assertionKey.publicJwk),
            ...(db ? { DATABASE_URL: db.url } : {}),
          },
          db?.name,
        ),
      );
    }
    log(`peers started (${launchText(peerLaunch)}); ${idleSeconds} s idle`);
    const peersIdle = await idleFigures(peers);
    const fixtures = new Map<SystemName, Fixtures>([["svault", svaultSetup]]);
    for (const peer of peers) fixtures.set(peer.name, await peerFixtures(peer, svaultSetup.basic));
    // Both databases hold the history of a running deployment, then are analyzed (bench/token-history.ts says why).
    if (endpoints.includes("refresh_token")) {
      const seeded = [await seedSvaultTokenHistory(svaultDb.url, "bench"), await seedPeerTokenHistory(peerDb.url)];
      log(`retired refresh tokens of earlier grants seeded: svault ${seeded[0]}, peer (Postgres) ${seeded[1]}`);
    }
    await Promise.all([svaultDb.analyze(), peerDb.analyze()]);
    const servers = new Map<SystemName, Server>([[svault.name, svault], ...peers.map((p) => [p.name, p] as const)]);
    log(`set up; ${idleSeconds} s idle`);
    const afterSetup = await idleFigures([...servers.values()]);
    await snapshot(svault, "after-setup");
    const memory = Object.fromEntries(
      [...servers.values()].map((server, i) => [
        server.name,
        {
          launch: launchText(server.name === "svault" ? svaultLaunch : peerLaunch),
          fixtures: fixturesText(server.name),
          idleAfterStart: server.name === "svault" ? svaultIdle : (peersIdle[peers.indexOf(server)] as HeapFigures),
          idleAfterSetup: afterSetup[i] as HeapFigures,
          rounds: [],
        } satisfies SystemMemory,
      ]),
    ) as unknown as Record<SystemName, SystemMemory>;
    for (const system of SYSTEMS) log(`${system} idle after set-up: ${mib(memory[system].idleAfterSetup.rss)} MiB`);

    const sampler = new RssSampler(new Map([...servers].map(([name, server]) => [name, server.pid])));
    const busyBefore = machineBusySeconds();
    const runStarted = performance.now();
    const all: Measurement[] = [];
    const orders: SystemName[][] = [
      ["peer-postgres", "svault", "peer-memory"],
      ["peer-memory", "svault", "peer-postgres"],
    ];
    for (let round = 1; round <= rounds; round++) {
      const roundSpan = sampler.open();
      for (const endpoint of endpoints) {
        for (const name of orders[round % 2] as SystemName[]) {
          const m = await measure(servers.get(name) as Server, endpoint, round, fixtures.get(name) as Fixtures, sampler);
          log(
            `round ${round} ${endpoint} ${name}: ${integer(m.result.requestsPerSecond)} req/s, p99 ${fixed(m.result.p99Ms)} ms, ` +
              `CPU ${integer(m.serverCpuUsPerRequest)} µs/req, Postgres ${integer(m.postgresCpuUsPerRequest)} µs/req, ${fixed(m.statementsPerRequest, 2)} statements/req, ` +
              `RSS ${mib(m.rss.peak)} MiB at most`,
          );
          all.push(m);
        }
      }
      sampler.close(roundSpan);
      for (const [name, server] of servers) {
        memory[name].rounds.push({ round, rss: roundSpan.get(name) as RssSpan, heap: await memoryOf(server) });
      }
      log(
        `round ${round} RSS peak / end: ${SYSTEMS.map((name) => `${name} ${mib(roundSpan.get(name)?.peak ?? 0)} / ${mib(roundSpan.get(name)?.end ?? 0)}`).join(", ")} MiB`,
      );
    }
    sampler.stop();
    for (const [name, server] of servers) memory[name].collected = await memoryOf(server, true);
    const busy = ((machineBusySeconds() - busyBefore) / ((performance.now() - runStarted) / 1000)) * 100;
    await snapshot(svault, "after-rounds");
    const markdown = report(all, { startedAt, busy, load, loadAtEnd: os.loadavg(), memory, postgres: svaultDb.serverVersion });
    process.stdout.write(markdown);
    writeFileSync(`${resultsDir}${resultsName}.md`, markdown);
    writeFileSync(
      `${resultsDir}${resultsName}.json`,
      `${JSON.stringify({ startedAt, machine: { cpuModel, cores, load, busyPercentOfOneCore: busy }, connections, warmupSeconds, durationSeconds, rounds, idleSeconds, fromSources, memory, measurements: all }, null, 2)}\n`,
    );
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
