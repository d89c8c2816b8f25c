// The side-by-side benchmark's load generator (bench/peer/run.ts), a child process pinned to its
// own core: autocannon with fixed keep-alive connections, one request in flight per connection.
// One autocannon run covers the warm-up and the measured window (latencies and answers count
// from `measure-start` on), so that the connections stay the same across both.
//
// With `chains` (rotating refresh tokens): every refresh token is sent exactly once, and the
// answer's `refresh_token` goes back into the pool for a next request. A request still in flight
// when the run ends loses its chain (its answer is never read), so the launcher passes spare
// heads; the chains whose last answer was read are reported at the end (after the result) for
// the next round.
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { performance } from "node:perf_hooks";
import autocannon, { type Options } from "autocannon";
import { childOptions, emit, LatencyRecorder, type LoaderOptions, summarize } from "../stats.js";

interface PeerLoadOptions extends LoaderOptions {
  /** Heads of refresh-token chains, at least one per connection (then `body` is the form without the token). */
  readonly chains?: string[];
  /** Send a fresh DPoP proof (RFC 9449) of one Ed25519 key with every request, with the server's latest nonce. */
  readonly dpop?: boolean;
}

const options = childOptions<PeerLoadOptions>("PeerLoadOptions");
const spare = options.chains ? [...options.chains] : undefined;
if (spare && spare.length < options.connections) throw new Error(`${options.connections} connections need as many chains`);

let brokenChains = 0;

/**
 * The chains as a queue of unsent tokens: a request takes one, its answer puts the successor
 * back. (autocannon gives each connection a context, but clears it whenever the connection
 * starts its request list over — with one request, before every request — so the chains cannot
 * live there. autocannon reads an answer before it sets up the connection's next request, so the
 * queue never runs dry while there are at least as many chains as connections.)
 */
function chainRequests(): Options["requests"] {
  if (!spare) return undefined;
  return [
    {
      setupRequest: (request) => {
        const token = spare.shift();
        if (token === undefined) throw new Error("the refresh-token chains ran dry");
        return { ...request, body: `${options.body ?? ""}&refresh_token=${encodeURIComponent(token)}` };
      },
      onResponse: (status, body) => {
        if (status !== 200) {
          if (brokenChains++ === 0) process.stderr.write(`a chain broke: ${status} ${body.slice(0, 300)}\n`);
          return;
        }
        spare.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
      },
    },
  ];
}

// --- DPoP: one key, a proof per request (its own jti), the nonce of the latest answer ----------

const dpopKey = options.dpop ? generateKeyPairSync("ed25519") : undefined;
const dpopJwk = dpopKey ? (({ kty, crv, x }) => ({ kty, crv, x }))(dpopKey.publicKey.export({ format: "jwk" })) : undefined;
let dpopNonce: string | undefined;
/** Answers whose token was not DPoP-bound (counted as errors). */
let unbound = 0;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function dpopProof(): string {
  if (!dpopKey) throw new Error("no DPoP key");
  const header = b64({ typ: "dpop+jwt", alg: "EdDSA", jwk: dpopJwk });
  const payload = b64({
    jti: randomBytes(12).toString("base64url"),
    htm: options.method ?? "POST",
    htu: options.target,
    iat: Math.floor(Date.now() / 1000),
    ...(dpopNonce ? { nonce: dpopNonce } : {}),
  });
  const signature = sign(null, Buffer.from(`${header}.${payload}`), dpopKey.privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

function dpopRequests(): Options["requests"] {
  if (!dpopKey) return undefined;
  return [
    {
      setupRequest: (request) => ({ ...request, headers: { ...(request.headers as Record<string, string>), dpop: dpopProof() } }),
      onResponse: (status, body, _context, headers) => {
        dpopNonce = headers["dpop-nonce"] ?? dpopNonce;
        // A token that is not DPoP-bound would measure the wrong thing.
        if (status === 200 && (JSON.parse(body) as { token_type?: string }).token_type?.toLowerCase() !== "dpop") unbound++;
      },
    },
  ];
}

if (dpopKey) {
  // The first proof carries no nonce: the answer (use_dpop_nonce, or tokens) names the current one.
  const primed = await fetch(options.target, {
    method: options.method ?? "POST",
    headers: { ...options.headers, dpop: dpopProof() },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  await primed.arrayBuffer();
  dpopNonce = primed.headers.get("dpop-nonce") ?? undefined;
}

const latencies = new LatencyRecorder();
let measuring = false;
let ok = 0;
let non2xx = 0;
let warmupFailures = 0;
let cpuBefore = process.cpuUsage();
let started = performance.now();
const requests = chainRequests() ?? dpopRequests();
const instance = autocannon({
  url: options.target,
  connections: options.connections,
  duration: options.warmupSeconds + options.durationSeconds,
  method: options.method ?? "GET",
  ...(options.headers ? { headers: options.headers } : {}),
  ...(options.body !== undefined ? { body: options.body } : {}),
  ...(requests ? { requests } : {}),
});
instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
  const good = statusCode >= 200 && statusCode < 300;
  if (!measuring) {
    if (!good) warmupFailures++;
    return;
  }
  latencies.record(responseTimeMs);
  if (good) ok++;
  else non2xx++;
});
setTimeout(() => {
  measuring = true;
  cpuBefore = process.cpuUsage();
  started = performance.now();
  emit({ event: "measure-start" });
}, options.warmupSeconds * 1000);
const result = await instance;
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (non2xx + result.errors + result.timeouts > 0 || brokenChains > 0) {
  process.stderr.write(`failures: ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, broken chains ${brokenChains}\n`);
}
emit({
  event: "result",
  result: summarize({ ok, errors: result.errors + result.timeouts + unbound, non2xx, warmupFailures, elapsedMs, latencies, cpu }),
});
// The chains whose last answer was read (a request in flight at the end lost its chain).
if (spare) process.stdout.write(`${JSON.stringify({ event: "chains", chains: spare })}\n`);
