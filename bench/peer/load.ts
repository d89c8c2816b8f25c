// The side-by-side benchmark's load generator (bench/peer/run.ts), a child process pinned to its
// own core: autocannon with fixed keep-alive connections, one request in flight per connection.
// One autocannon run covers the warm-up and the measured window (latencies and answers count
// from `measure-start` on), so that the connections stay the same across both.
//
// Before anything is timed, one request made exactly as the load's are (the probe) must succeed
// with the shape the scenario expects (`expect`: e.g. a JWT access token of the right type, a
// userinfo answer with a `sub`) — a benchmark of error answers would be worthless; otherwise the
// loader reports `probe-failed` and exits. With `replayRefused`, a copy of the probe's request
// (the same client assertion or DPoP proof) must then be refused: the `jti` replay protection is
// on in the system measured.
//
// With `chains` (rotating refresh tokens): every refresh token is sent exactly once, and the
// answer's `refresh_token` goes back into the pool for a next request. A request still in flight
// when the run ends loses its chain (its answer is never read), so the launcher passes spare
// heads; the chains whose last answer was read are reported at the end (after the result) for
// the next round.
//
// Requests made afresh for each send (chains, DPoP proofs, client assertions) are checked answer
// by answer against `expect`; an answer of the wrong shape counts as an error.
import type { JsonWebKey } from "node:crypto";
import { performance } from "node:perf_hooks";
import autocannon, { type Options } from "autocannon";
import { childOptions, emit, LatencyRecorder, type LoaderOptions, summarize } from "../stats.js";
import { clientAssertions, dpopProofs, ed25519KeyPair, JWT_BEARER_ASSERTION } from "./proofs.js";

/** What a successful answer of the scenario looks like. */
export type Expectation = "token" | "dpop-token" | "refreshed" | "userinfo" | "jwks" | "discovery" | "active" | "pushed";

interface PeerLoadOptions extends LoaderOptions {
  readonly expect: Expectation;
  /** Heads of refresh-token chains, at least one per connection (then `body` is the form without the token). */
  readonly chains?: string[];
  /** At the token endpoint: a fresh DPoP proof (RFC 9449) of one Ed25519 key with every request, with the server's latest nonce. */
  readonly dpop?: boolean;
  /** At a resource: a fresh DPoP proof of this key, naming this access token (`ath`), with every request. */
  readonly dpopResource?: { readonly privateJwk: JsonWebKey; readonly accessToken: string };
  /** private_key_jwt (RFC 7523): a fresh client assertion of this client, signed with this key, in every request's form. */
  readonly clientAssertion?: { readonly clientId: string; readonly privateJwk: JsonWebKey };
  /** The probe's request, sent again, must be refused (its assertion's or proof's jti was used). */
  readonly replayRefused?: boolean;
}

const options = childOptions<PeerLoadOptions>("PeerLoadOptions");
const method = options.method ?? "GET";
const spare = options.chains ? [...options.chains] : undefined;
if (spare && spare.length < options.connections) throw new Error(`${options.connections} connections need as many chains`);

// --- the shape of a good answer -----------------------------------------------------------------

const isJwt = (value: unknown) => typeof value === "string" && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);

/** Why `body` is not a successful answer of the scenario, or undefined. */
function shapeProblem(expect: Expectation, status: number, body: string): string | undefined {
  if (status !== (expect === "pushed" ? 201 : 200)) return `answered ${status}: ${body.slice(0, 300)}`;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `answered no JSON: ${body.slice(0, 300)}`;
  }
  const tokenType = String(json.token_type ?? "").toLowerCase();
  switch (expect) {
    case "token":
      return isJwt(json.access_token) && tokenType === "bearer" ? undefined : "no Bearer JWT access token";
    case "dpop-token":
      // A token that is not DPoP-bound would measure the wrong thing.
      return isJwt(json.access_token) && tokenType === "dpop" ? undefined : "no DPoP-bound JWT access token";
    case "refreshed":
      return isJwt(json.access_token) && typeof json.refresh_token === "string" ? undefined : "no access token and refresh token";
    case "userinfo":
      return typeof json.sub === "string" && json.sub !== "" ? undefined : "no sub";
    case "jwks":
      return Array.isArray(json.keys) && json.keys.length > 0 ? undefined : "no keys";
    case "discovery":
      return typeof json.issuer === "string" && typeof json.token_endpoint === "string" ? undefined : "no issuer metadata";
    case "active":
      return json.active === true ? undefined : "the token is not active";
    case "pushed":
      return typeof json.request_uri === "string" ? undefined : "no request_uri";
  }
}

// --- requests made afresh for each send ----------------------------------------------------------

const tokenProof = options.dpop ? dpopProofs(ed25519KeyPair().privateJwk) : undefined;
const resourceProof = options.dpopResource ? dpopProofs(options.dpopResource.privateJwk) : undefined;
const assertion = options.clientAssertion
  ? clientAssertions(options.clientAssertion.clientId, options.target, options.clientAssertion.privateJwk)
  : undefined;
const fresh = Boolean(spare || tokenProof || resourceProof || assertion);
/** The token endpoint's latest DPoP-Nonce (§8). A resource issues none (svault), or needs none (the peer, as configured). */
let dpopNonce: string | undefined;

/** The headers and body of the next request. */
function nextRequest(): { headers: Record<string, string>; body: string | undefined } {
  let body = options.body;
  if (spare) {
    const token = spare.shift();
    if (token === undefined) throw new Error("the refresh-token chains ran dry");
    body = `${body ?? ""}&refresh_token=${encodeURIComponent(token)}`;
  }
  if (assertion) {
    body = `${body ?? ""}&client_assertion_type=${encodeURIComponent(JWT_BEARER_ASSERTION)}&client_assertion=${assertion()}`;
  }
  const headers = { ...options.headers };
  if (tokenProof) headers.dpop = tokenProof(method, options.target, dpopNonce);
  if (resourceProof) headers.dpop = resourceProof(method, options.target, undefined, options.dpopResource?.accessToken);
  return { headers, body };
}

/** 2xx answers of the wrong shape (counted as errors). */
let badAnswers = 0;
let printedProblem = false;

/** Takes an answer in: the nonce, the chain's next token; returns why it is not a good one. */
function answered(status: number, body: string, nonce: string | undefined): string | undefined {
  if (tokenProof && nonce) dpopNonce = nonce;
  const problem = shapeProblem(options.expect, status, body);
  if (!problem && spare) spare.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
  return problem;
}

function freshRequests(): Options["requests"] {
  if (!fresh) return undefined;
  // autocannon gives each connection a context, but clears it whenever the connection starts its
  // request list over — with one request, before every request — so the chains live in `spare`,
  // a queue. autocannon reads an answer before it sets up the connection's next request, so the
  // queue never runs dry while there are at least as many chains as connections.
  return [
    {
      setupRequest: (request) => {
        const next = nextRequest();
        return { ...request, headers: { ...(request.headers as Record<string, string>), ...next.headers }, body: next.body };
      },
      onResponse: (status, body, _context, headers) => {
        const problem = answered(status, body, headers["dpop-nonce"]);
        if (!problem) return;
        if (!printedProblem) process.stderr.write(`a bad answer: ${problem}\n`);
        printedProblem = true;
        // Non-2xx answers are counted by the response event; these are 2xx of the wrong shape.
        if (status >= 200 && status < 300) badAnswers++;
      },
    },
  ];
}

// --- the probe: one request, checked, before anything is timed --------------------------------

async function send(request: { headers: Record<string, string>; body: string | undefined }) {
  const res = await fetch(options.target, {
    method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return { status: res.status, body: await res.text(), nonce: res.headers.get("dpop-nonce") ?? undefined };
}

async function probe(): Promise<string | undefined> {
  if (tokenProof) {
    // The first proof carries no nonce: the answer (use_dpop_nonce, or tokens) names the current one.
    const primed = await send(nextRequest());
    dpopNonce = primed.nonce ?? dpopNonce;
  }
  const request = nextRequest();
  const first = await send(request);
  const problem = answered(first.status, first.body, first.nonce);
  if (problem) return problem;
  if (options.replayRefused) {
    const replayed = await send(request);
    if (replayed.status !== 400 && replayed.status !== 401) {
      return `a replayed request answered ${replayed.status}, not a refusal: ${replayed.body.slice(0, 300)}`;
    }
  }
  return undefined;
}

const probeProblem = await probe();
if (probeProblem) {
  process.stdout.write(`${JSON.stringify({ event: "probe-failed", message: probeProblem })}\n`);
  process.exit(1);
}

// --- the load ------------------------------------------------------------------------------------

const latencies = new LatencyRecorder();
let measuring = false;
let ok = 0;
let non2xx = 0;
let warmupFailures = 0;
let cpuBefore = process.cpuUsage();
let started = performance.now();
const requests = freshRequests();
const instance = autocannon({
  url: options.target,
  connections: options.connections,
  duration: options.warmupSeconds + options.durationSeconds,
  method,
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
if (non2xx + result.errors + result.timeouts + badAnswers > 0) {
  process.stderr.write(`failures: ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, bad answers ${badAnswers}\n`);
}
emit({
  event: "result",
  result: summarize({ ok, errors: result.errors + result.timeouts + badAnswers, non2xx, warmupFailures, elapsedMs, latencies, cpu }),
});
// The chains whose last answer was read (a request in flight at the end lost its chain).
if (spare) process.stdout.write(`${JSON.stringify({ event: "chains", chains: spare })}\n`);
