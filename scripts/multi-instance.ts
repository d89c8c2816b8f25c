// Three instances on one Postgres behind HAProxy (Debian's package), round robin, no stickiness:
// the proof that the service scales out as stateless instances (issue 21, docs/operations.md,
// "Several instances").
//
// The three start at once on a fresh database (the startup lock lets one migrate and bootstrap).
// Then, through the balancer only, workers run whole OpenID Connect flows, each as a fresh
// browser and relying party: authorize → ZK login (Get Challenge, Authenticate) → Sign In →
// code exchange → a chain of refreshes → userinfo → RP-initiated logout, whose back-channel
// logout token must reach the client. Beside them, long refresh-token chains refresh all the time.
// Mid-load one instance is killed with SIGKILL, later another gets SIGTERM (it fails readiness at
// once, keeps serving for SHUTDOWN_DRAIN_MS while HAProxy's check takes it out, then drains).
//
// A client behaves as a real one: a refresh that gets no answer (or a 5xx) is sent again with the
// same token; a flow whose other step gets no answer is abandoned (the person would start over).
// Reported: requests sent and failed — split into those in flight at the SIGKILL (allowed to fail)
// and all others (must be 0) —, flows completed, logins whose Get Challenge and Authenticate were
// answered by different instances, refresh chains lost (any 4xx, or a newest token that no longer
// refreshes at the end), families double-spent (two live refresh tokens, read from the database),
// back-channel logout tokens missing.
//
// Usage: npm run -s multi-instance -- [--load-ms 15000] [--workers 9] [--chains 6] [--json out.json]
// Needs /usr/sbin/haproxy (apt-get install haproxy) and Postgres on 127.0.0.1:5432. Exits 1 when a
// request failed that was not in flight at the SIGKILL, a chain was lost, a family double-spent, a
// back-channel logout went missing (but for those answered by the SIGKILLed instance in the 2 s
// before its death, not sent yet, and those in flight at the SIGKILL: HAProxy sends such a logout
// again to a survivor when the dead instance may have ended the session already, and the survivor
// then finds nothing to announce), or no login crossed instances.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { createConnection } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { issueApiKey } from "../src/domain/auth/api-key-secret.js";
import { type BenchUser, BENCH_PROTO_VERSION, callJson, ke3Of, opaqueReady, prepareKe1 } from "../bench/auth-opaque-client.js";
import { benchUsers, inBatches, registerUsers, type Target } from "../bench/auth-setup.js";
import { type ServerProcess, startServerProcess } from "../test/support/server-process.js";
import { tempDir } from "../test/support/temp-dir.js";
import { createScratchDatabase } from "../test/support/test-database.js";
import { freePort } from "../test/support/test-server.js";

const { values: args } = parseArgs({
  options: {
    "load-ms": { type: "string", default: "15000" },
    workers: { type: "string", default: "9" },
    chains: { type: "string", default: "6" },
    json: { type: "string" },
  },
});
const LOAD_MS = Number(args["load-ms"]);
const WORKERS = Number(args.workers);
const CHAINS = Number(args.chains);
const TENANT = "multi";
const REDIRECT_URI = "http://localhost:4000/callback";
const POST_LOGOUT_URI = "http://localhost:4000/bye";
const REFRESHES_PER_FLOW = 3;
/** How long a client keeps sending a refresh again after no answer. */
const RETRY_FOR_MS = 30_000;
/** Above HAProxy's detection: "inter 500ms fall 2", a check answering within "timeout check". */
const DRAIN_MS = 3_000;

const log = (message: string) => process.stderr.write(`[multi-instance] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Every request of the load, with the instance that answered it (HAProxy's X-Served-By).

interface Sample {
  readonly step: string;
  readonly start: number;
  end: number;
  /** HTTP status, or 0: no answer (connection reset, refused). */
  status: number;
  instance?: string;
  /** A 4xx to a request in flight at the SIGKILL: HAProxy sent it again after the dead instance had done it. */
  refusedAsResent?: boolean;
}

const samples: Sample[] = [];
/** performance.now() of the SIGKILL. */
let sigkillAt = Number.POSITIVE_INFINITY;
const inFlightAtSigkill = (sample: Sample) => sample.start <= sigkillAt && sample.end >= sigkillAt;

async function send(step: string, url: string, init: RequestInit = {}): Promise<{ sample: Sample; res?: Response; body: string }> {
  const sample: Sample = { step, start: performance.now(), end: 0, status: 0 };
  samples.push(sample);
  try {
    const res = await fetch(url, { redirect: "manual", ...init });
    const body = await res.text();
    sample.status = res.status;
    sample.instance = res.headers.get("x-served-by") ?? undefined;
    return { sample, res, body };
  } catch {
    return { sample, body: "" };
  } finally {
    sample.end = performance.now();
  }
}

const failed = (sample: Sample) => sample.status === 0 || sample.status >= 500;

class FlowAbandoned extends Error {}

function expectStatus(result: { sample: Sample; body: string }, statuses: number[]): void {
  if (statuses.includes(result.sample.status)) return;
  if (failed(result.sample)) throw new FlowAbandoned(`${result.sample.step}: ${result.sample.status}`);
  // The killed instance did it, its answer was lost, HAProxy sent it again (retry-on
  // empty-response): a code exchange then finds its code used. One of the SIGKILL's failures.
  if (inFlightAtSigkill(result.sample)) {
    result.sample.refusedAsResent = true;
    throw new FlowAbandoned(`${result.sample.step}: ${result.sample.status} (sent again after the SIGKILL)`);
  }
  throw new Error(`${result.sample.step} answered ${result.sample.status}: ${result.body.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------
// The relying party: its client, and the back-channel logout endpoint it registered.

interface RelyingParty {
  readonly clientId: string;
  readonly basic: string;
  /** Session ids (sid) of the back-channel logout tokens received. */
  readonly loggedOut: Set<string>;
  readonly waiting: Map<string, () => void>;
}

async function startBackChannelReceiver(rp: Pick<RelyingParty, "loggedOut" | "waiting">): Promise<{ url: string; close(): void }> {
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const token = new URLSearchParams(body).get("logout_token") ?? "";
      const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString() || "{}") as { sid?: string };
      if (claims.sid) {
        rp.loggedOut.add(claims.sid);
        rp.waiting.get(claims.sid)?.();
      }
      response.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}/backchannel`, close: () => server.close() };
}

/** The back-channel logout of `sid`, or false after 10 s. */
function backChannelOf(rp: RelyingParty, sid: string): Promise<boolean> {
  if (rp.loggedOut.has(sid)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      rp.waiting.delete(sid);
      resolve(false);
    }, 10_000);
    rp.waiting.set(sid, () => {
      clearTimeout(timer);
      rp.waiting.delete(sid);
      resolve(true);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// One whole flow, as a fresh browser.

interface Counters {
  flows: number;
  abandoned: number;
  crossInstanceLogins: number;
  refreshes: number;
  refreshesSentAgain: number;
  chainsLost: string[];
  /** Logouts whose back-channel token never came: which instance answered them, and when. */
  backChannelMissing: { instance: string; start: number; at: number }[];
}

const counters: Counters = {
  flows: 0,
  abandoned: 0,
  crossInstanceLogins: 0,
  refreshes: 0,
  refreshesSentAgain: 0,
  chainsLost: [],
  backChannelMissing: [],
};

function tokenRequest(target: Target, rp: RelyingParty, step: string, form: Record<string, string>) {
  return send(step, `${target.issuer}/token`, {
    method: "POST",
    headers: { authorization: rp.basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
}

/** Refreshes once, sending the same token again while there is no answer; undefined: the chain is lost. */
async function refreshOnce(target: Target, rp: RelyingParty, refreshToken: string, chain: string): Promise<string | undefined> {
  const started = Date.now();
  let backoff = 50;
  for (;;) {
    const result = await tokenRequest(target, rp, "refresh", { grant_type: "refresh_token", refresh_token: refreshToken });
    if (result.sample.status === 200) {
      counters.refreshes++;
      return (JSON.parse(result.body) as { refresh_token: string }).refresh_token;
    }
    if (!failed(result.sample) || Date.now() - started > RETRY_FOR_MS) {
      counters.chainsLost.push(`${chain}: ${result.sample.status} ${result.body.slice(0, 200)}`);
      return undefined;
    }
    counters.refreshesSentAgain++;
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 1_000);
  }
}

interface SignedIn {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sid: string;
}

async function signIn(target: Target, rp: RelyingParty, user: BenchUser): Promise<SignedIn> {
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(12).toString("base64url");
  const authorize = new URL(`${target.issuer}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: rp.clientId,
    redirect_uri: REDIRECT_URI,
    scope: "openid profile email offline_access",
    state,
    nonce: randomBytes(12).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  const authorized = await send("authorize", authorize.toString());
  expectStatus(authorized, [302, 303]);
  const authReqId = new URL(authorized.res?.headers.get("location") ?? "", target.baseUrl).searchParams.get("auth_req_id");
  if (!authReqId) throw new Error("authorize did not lead to the login page");

  const query = `auth_req_id=${encodeURIComponent(authReqId)}`;
  const prepared = prepareKe1(user.secret);
  const json = { "content-type": "application/json" };
  const challenge = await send("challenge", `${target.baseUrl}/api/v1/auth/challenge?${query}`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username: user.username, cipherKey: prepared.cipherKey }),
  });
  expectStatus(challenge, [200]);
  const answer = JSON.parse(challenge.body) as { challenge_data: string; proto_version: unknown };
  if (answer.proto_version !== BENCH_PROTO_VERSION) throw new Error(`unexpected proto_version ${String(answer.proto_version)}`);
  const finished = ke3Of(prepared, user, answer.challenge_data, target.issuer, TENANT);
  if (!finished) throw new Error(`KE2 of ${user.username} did not verify`);
  const authenticated = await send("authenticate", `${target.baseUrl}/api/v1/auth/authenticate?${query}`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({
      username: user.username,
      cipherKey: prepared.cipherKey,
      challenge_id: finished.challengeId,
      challenge_data: finished.ke3,
    }),
  });
  expectStatus(authenticated, [200]);
  if (challenge.sample.instance && authenticated.sample.instance && challenge.sample.instance !== authenticated.sample.instance) {
    counters.crossInstanceLogins++;
  }
  const nonce = (JSON.parse(authenticated.body) as { nonce: string }).nonce;

  const signInUrl = `${target.baseUrl}/api/v1/auth/signin?${new URLSearchParams({ oid_nonce: nonce, auth_req_id: authReqId })}`;
  const signedIn = await send("signin", signInUrl);
  expectStatus(signedIn, [302, 303]);
  const callback = new URL(signedIn.res?.headers.get("location") ?? "");
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) {
    // The killed instance consumed the login and its answer was lost; HAProxy sent Sign In again
    // and the survivor found the request already used. One of the SIGKILL's failures.
    if (inFlightAtSigkill(signedIn.sample)) {
      signedIn.sample.refusedAsResent = true;
      throw new FlowAbandoned(`signin: no code (sent again after the SIGKILL): ${callback}`);
    }
    throw new Error(`Sign In answered no code: ${callback}`);
  }

  const exchanged = await tokenRequest(target, rp, "code exchange", {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  expectStatus(exchanged, [200]);
  const tokens = JSON.parse(exchanged.body) as { id_token: string; access_token: string; refresh_token: string };
  const sid = (JSON.parse(Buffer.from(tokens.id_token.split(".")[1] ?? "", "base64url").toString()) as { sid: string }).sid;
  return { idToken: tokens.id_token, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, sid };
}

async function wholeFlow(target: Target, rp: RelyingParty, user: BenchUser, index: number): Promise<void> {
  const session = await signIn(target, rp, user);
  let refreshToken = session.refreshToken;
  for (let i = 0; i < REFRESHES_PER_FLOW; i++) {
    const next = await refreshOnce(target, rp, refreshToken, `flow ${index}`);
    if (!next) return;
    refreshToken = next;
  }
  const userinfo = await send("userinfo", `${target.issuer}/userinfo`, { headers: { authorization: `Bearer ${session.accessToken}` } });
  expectStatus(userinfo, [200]);
  const logoutUrl = `${target.baseUrl}/api/v1/auth/oidc/logout?${new URLSearchParams({
    id_token_hint: session.idToken,
    post_logout_redirect_uri: POST_LOGOUT_URI,
    client_id: rp.clientId,
    state: "bye",
  })}`;
  const loggedOut = await send("logout", logoutUrl);
  expectStatus(loggedOut, [302, 303]);
  if (!(await backChannelOf(rp, session.sid))) {
    counters.backChannelMissing.push({
      instance: loggedOut.sample.instance ?? "?",
      start: loggedOut.sample.start,
      at: loggedOut.sample.end,
    });
  }
  counters.flows++;
}

// ---------------------------------------------------------------------------------------------
// The instances and the balancer.

interface Instance {
  readonly name: string;
  readonly port: number;
  readonly process: ServerProcess;
}

function haproxyConfig(lbPort: number, instances: readonly { name: string; port: number }[], statsSocket: string): string {
  return `global
    maxconn 1024
    stats socket ${statsSocket} mode 600

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A check is slow, not failed, on a loaded machine: without this, "inter" bounds it.
    timeout check 3s
    # A request that could not reach an instance (refused, reset before any answer) goes to
    # another: only requests an instance was processing when it died may fail.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend svault
    bind 127.0.0.1:${lbPort}
    option forwardfor
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    http-response set-header X-Served-By %[srv_name]
${instances.map((i) => `    server ${i.name} 127.0.0.1:${i.port} check inter 500ms fall 2 rise 1`).join("\n")}
`;
}

/** Polls `condition` (a failed fetch counts as not yet) until it holds; an error it throws itself ends the wait. */
async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const notYet = (error: unknown) => {
    if (error instanceof TypeError) return false; // fetch: connection refused while it starts
    throw error;
  };
  while (!(await condition().catch(notYet))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** HAProxy's own count, per server, of requests it sent again (`wretr`) or to another server (`wredis`). */
async function haproxyRetries(statsSocket: string): Promise<Record<string, { retried: number; redispatched: number }>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let text = "";
    const socket = createConnection(statsSocket, () => socket.end("show stat\n"));
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
  const [header = "", ...rows] = csv.split("\n").filter((line) => line.trim() !== "");
  const columns = header.replace(/^# /, "").split(",");
  const at = (name: string) => columns.indexOf(name);
  const servers: Record<string, { retried: number; redispatched: number }> = {};
  for (const row of rows.map((line) => line.split(","))) {
    if (row[at("pxname")] !== "instances") continue;
    servers[row[at("svname")] ?? ""] = { retried: Number(row[at("wretr")] || 0), redispatched: Number(row[at("wredis")] || 0) };
  }
  return servers;
}

async function databaseFindings(databaseUrl: string): Promise<{ doubleSpent: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const doubled = await db.query<{ families: string }>(
      `select count(*) as families from (
         select r.family_id from refresh_token r join token_family f on f.id = r.family_id
         where r.rotated_at is null and r.expires_at > now() and f.revoked_at is null
         group by r.family_id having count(*) > 1) doubled`,
    );
    return { doubleSpent: Number(doubled.rows[0]?.families ?? 0) };
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const runStarted = Date.now();
  await opaqueReady;
  const db = await createScratchDatabase("svault_multi");
  const kek = randomBytes(32).toString("base64");
  const adminKey = issueApiKey().key;
  const lbPort = await freePort();
  const publicUrl = `http://127.0.0.1:${lbPort}`;
  const rpState = { loggedOut: new Set<string>(), waiting: new Map<string, () => void>() };
  const receiver = await startBackChannelReceiver(rpState);
  const instances: Instance[] = [];
  let haproxy: ReturnType<typeof spawn> | undefined;
  try {
    const names = ["a", "b", "c"];
    const ports = await Promise.all(names.map(async () => ({ http: await freePort(), grpc: await freePort() })));
    log(`starting 3 instances at once on a fresh database ${db.name}`);
    const startedAt = performance.now();
    const processes = names.map((name, i) =>
      startServerProcess({
        PORT: String(ports[i]?.http),
        GRPC_PORT: String(ports[i]?.grpc),
        HOST: "127.0.0.1",
        DATABASE_URL: db.url,
        SVAULT_KEK: kek,
        SVAULT_BOOTSTRAP_API_KEY: adminKey,
        PUBLIC_URL: publicUrl,
        TRUST_PROXY_HOPS: "1",
        SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
        DATA_DIR: tempDir(`multi-${name}`),
        LOG_LEVEL: "warn",
        SVAULT_ENV: `multi-${name}`,
        // One load generator address: limits that count but do not trip.
        RATE_LIMIT_CLIENT_FAILURES: "1000000/60",
        RATE_LIMIT_KEY_FAILURES: "1000000/60",
        RATE_LIMIT_ADDRESS_FAILURES: "1000000/60",
        RATE_LIMIT_REGISTRATION_CHALLENGES: "1000000/60",
        RATE_LIMIT_RESET_REQUESTS: "1000000/60",
      }),
    );
    for (const [i, name] of names.entries()) {
      instances.push({ name, port: ports[i]?.http as number, process: processes[i] as ServerProcess });
    }
    // LOG_LEVEL=warn: "listening" is not logged; readiness says when each is up.
    await Promise.all(
      instances.map((instance) =>
        waitUntil(
          `instance ${instance.name} ready`,
          async () => {
            if (instance.process.child.exitCode !== null) {
              throw new Error(`instance ${instance.name} exited ${instance.process.child.exitCode}: ${instance.process.stderr.join("\n")}`);
            }
            return (await fetch(`http://127.0.0.1:${instance.port}/health/ready`)).ok;
          },
          300_000,
        ),
      ),
    );
    const startupMs = performance.now() - startedAt;
    log(`3 instances ready in ${Math.round(startupMs)} ms`);

    const dir = tempDir("multi-haproxy");
    const configFile = join(dir, "haproxy.cfg");
    const statsSocket = join(dir, "stats.sock");
    writeFileSync(configFile, haproxyConfig(lbPort, instances, statsSocket));
    haproxy = spawn("haproxy", ["-f", configFile, "-db"], { stdio: ["ignore", "ignore", "pipe"] });
    const haproxyErrors: string[] = [];
    haproxy.stderr?.on("data", (chunk: Buffer) => haproxyErrors.push(chunk.toString()));
    // Every instance answered once through the balancer: all three are in rotation.
    await waitUntil(
      "HAProxy with all three instances up",
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add((await fetch(`${publicUrl}/health/ready`)).headers.get("x-served-by") ?? "");
        return seen.size === 3;
      },
      20_000,
    );

    const target: Target = { baseUrl: publicUrl, issuer: `${publicUrl}/${TENANT}`, tenantId: TENANT };
    const headers = { "x-api-key": adminKey };
    await callJson(`${publicUrl}/api/v1/tenants`, {
      body: { tenant_id: TENANT, register_enable: true, has_username_and_email: false },
      headers,
    });
    const created = await callJson(`${publicUrl}/api/v1/clients`, {
      body: {
        tenant_id: TENANT,
        client_id: "multi-app",
        name: "multi-app",
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uri: [POST_LOGOUT_URI],
        client_logout_uri: receiver.url,
        client_type: "confidential",
        sing_alg: "EdDSA",
        flow: { grant_types: ["authorization_code", "refresh_token"] },
      },
      headers,
    });
    const secret = String(created.client_secret);
    const rp: RelyingParty = {
      clientId: "multi-app",
      basic: `Basic ${Buffer.from(`multi-app:${encodeURIComponent(secret)}`).toString("base64")}`,
      ...rpState,
    };
    const users = benchUsers(WORKERS + CHAINS);
    await registerUsers(target, users);
    log(`tenant, client and ${users.length} users made through the balancer`);

    // Long chains: signed in before the load, refreshing all through it.
    const chains = await inBatches(users.slice(WORKERS), 3, async (user) => ({ token: (await signIn(target, rp, user)).refreshToken }));
    samples.length = 0;

    let stopping = false;
    const loadStarted = performance.now();
    const kills: { signal: string; instance: string; at: number }[] = [];
    let sigtermExit: number | null = null;
    const killer = (async () => {
      await sleep(LOAD_MS * 0.3);
      const a = instances[0] as Instance;
      sigkillAt = performance.now();
      kills.push({ signal: "SIGKILL", instance: a.name, at: sigkillAt });
      a.process.child.kill("SIGKILL");
      log(`SIGKILL ${a.name}`);
      await sleep(LOAD_MS * 0.3);
      const b = instances[1] as Instance;
      kills.push({ signal: "SIGTERM", instance: b.name, at: performance.now() });
      b.process.child.kill("SIGTERM");
      log(`SIGTERM ${b.name}`);
      sigtermExit = await b.process.exited();
      log(`${b.name} exited with ${sigtermExit}`);
      for (const line of b.process.logs.filter((l) => Number(l.level) >= 50)) log(`${b.name}: ${JSON.stringify(line).slice(0, 500)}`);
    })();
    const workers = users.slice(0, WORKERS).map(async (user, index) => {
      while (!stopping) {
        try {
          await wholeFlow(target, rp, user, index);
        } catch (error) {
          if (!(error instanceof FlowAbandoned)) throw error;
          counters.abandoned++;
        }
      }
    });
    const chainRunners = chains.map(async (chain, index) => {
      while (!stopping) {
        const next = await refreshOnce(target, rp, chain.token, `chain ${index}`);
        if (!next) return;
        chain.token = next;
      }
    });
    await sleep(LOAD_MS);
    stopping = true;
    await Promise.all([killer, ...workers, ...chainRunners]);
    const loadMs = performance.now() - loadStarted;
    // Every chain's newest token still refreshes.
    for (const [index, chain] of chains.entries()) {
      if (counters.chainsLost.some((lost) => lost.startsWith(`chain ${index}:`))) continue;
      await refreshOnce(target, rp, chain.token, `chain ${index} (final check)`);
    }
    const { doubleSpent } = await databaseFindings(db.url);
    const balancerRetries = await haproxyRetries(statsSocket);

    const sigkill = kills.find((k) => k.signal === "SIGKILL")?.at ?? Number.POSITIVE_INFINITY;
    const failures = samples.filter((sample) => failed(sample) || sample.refusedAsResent);
    const inFlightAtKill = failures.filter((s) => s.start <= sigkill && s.end >= sigkill);
    const otherFailures = failures.filter((s) => !inFlightAtKill.includes(s));
    const killed = kills.find((k) => k.signal === "SIGKILL")?.instance;
    const lostWithKill = counters.backChannelMissing.filter(
      (m) => (m.instance === killed && m.at <= sigkill && sigkill - m.at < 2_000) || (m.start <= sigkill && m.at >= sigkill),
    );
    const byInstance: Record<string, number> = {};
    for (const s of samples) if (s.instance) byInstance[s.instance] = (byInstance[s.instance] ?? 0) + 1;
    const report = {
      instances: 3,
      startupMsAllThree: Math.round(startupMs),
      loadMs: Math.round(loadMs),
      workers: WORKERS,
      longChains: CHAINS,
      kills: kills.map((k) => ({ signal: k.signal, instance: k.instance, atMs: Math.round(k.at - loadStarted) })),
      requests: samples.length,
      requestsPerSecond: Math.round((samples.length / loadMs) * 1000),
      answeredBy: byInstance,
      sigtermExitCode: sigtermExit,
      haproxyRetriesByServer: balancerRetries,
      failedRequests: failures.length,
      failedInFlightAtSigkill: inFlightAtKill.length,
      failedInFlightAtSigkillSteps: inFlightAtKill.map(
        (s) => `${s.step} ${s.status}${s.refusedAsResent ? " (sent again by HAProxy)" : ""}`,
      ),
      failedOtherwise: otherFailures.length,
      failedOtherwiseSteps: otherFailures.map((s) => `${s.step} ${s.status} at ${Math.round(s.start - loadStarted)} ms`),
      flowsCompleted: counters.flows,
      flowsAbandoned: counters.abandoned,
      loginsAcrossInstances: counters.crossInstanceLogins,
      refreshes: counters.refreshes,
      refreshesSentAgainAfterNoAnswer: counters.refreshesSentAgain,
      refreshChainsLost: counters.chainsLost.length,
      chainsLostDetail: counters.chainsLost,
      doubleSpentFamilies: doubleSpent,
      backChannelLogoutsMissing: counters.backChannelMissing.length,
      // Notifications are sent after the logout's answer, in the background, and kept nowhere: the
      // SIGKILLed instance takes those it had not sent yet with it (docs/operations.md).
      backChannelLogoutsLostWithSigkill: lostWithKill.length,
      backChannelLogoutsMissingDetail: counters.backChannelMissing.map(
        (m) =>
          `logout sent at ${Math.round(m.start - loadStarted)} ms, answered by ${m.instance} at ${Math.round(m.at - loadStarted)} ms into the load`,
      ),
      totalRunMs: Date.now() - runStarted,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    const ok =
      report.failedOtherwise === 0 &&
      report.refreshChainsLost === 0 &&
      report.doubleSpentFamilies === 0 &&
      report.backChannelLogoutsMissing === report.backChannelLogoutsLostWithSigkill &&
      report.loginsAcrossInstances > 0 &&
      report.flowsCompleted > 0;
    if (!ok) {
      log(`FAILED${haproxyErrors.length ? `; haproxy: ${haproxyErrors.join("").slice(0, 2000)}` : ""}`);
      process.exitCode = 1;
    } else {
      log("ok: only requests in flight at the SIGKILL failed; no chain lost, none double-spent");
    }
  } finally {
    haproxy?.kill("SIGTERM");
    for (const instance of instances) if (instance.process.child.exitCode === null) instance.process.child.kill("SIGKILL");
    await Promise.all(instances.map((instance) => instance.process.exited()));
    receiver.close();
    await db.drop();
  }
}

await main();
