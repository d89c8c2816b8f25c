// The login ceiling of the auth benchmark: the raw OPAQUE server work of one login —
// `opaque.server.startLogin` + `opaque.server.finishLogin` — in a tight loop, in a process that
// bench/auth-bench.ts pins to the server's core while the server is idle.
//
// It uses the server's own material: the tenant's OPAQUE server setup and the seeded users'
// registration records, read from the benchmark database and unsealed with the KEK the launcher
// gave the server. Before the timed windows it prepares, per user, KE1 (client.startLogin), one
// server run (→ serverLoginState, KE2) and KE3 (client.finishLogin). Each timed iteration then
// runs server.startLogin on that KE1 (a fresh KE2, discarded) and server.finishLogin on the
// prepared state and KE3 — exactly the two calls a login costs the server, and nothing else.
//
// One JSON argument (CeilingOptions); one JSON line (CeilingResult) on stdout.
import { performance } from "node:perf_hooks";
import * as opaque from "@serenity-kit/opaque";
import pg from "pg";
import { keyEncryptionKeyOf, keyringOf } from "../src/crypto/key-encryption-key.js";
import { open } from "../src/crypto/secret-box.js";
import { openRecord } from "../src/domain/login/credentials.js";
import { normalizeUsername } from "../src/domain/users/identity-normalization.js";
import { opaqueIdentifiers } from "../src/sdk/identity.js";
import { BENCH_KEY_STRETCHING, type BenchUser } from "./auth-opaque-client.js";
import { childOptions, LatencyRecorder, percentile } from "./stats.js";

export interface CeilingOptions {
  readonly databaseUrl: string;
  /** The server's SVAULT_KEK (base64). */
  readonly kek: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly users: readonly BenchUser[];
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface CeilingResult {
  readonly logins: number;
  readonly elapsedMs: number;
  readonly loginsPerSecond: number;
  readonly startLoginMeanUs: number;
  readonly finishLoginMeanUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU the process used in the timed window, in % of one core (should be ~100). */
  readonly cpuPercent: number;
  readonly users: number;
}

const options = childOptions<CeilingOptions>("CeilingOptions");
await opaque.ready;

const keyring = keyringOf(keyEncryptionKeyOf(Buffer.from(options.kek, "base64")));
const client = new pg.Client({ connectionString: options.databaseUrl });
await client.connect();
let serverSetup: string;
let rows: { id: string; username_normalized: string; credential_id: string; record_sealed: Buffer }[];
try {
  const setup = await client.query<{ setup_sealed: Buffer }>("select setup_sealed from opaque_setup where tenant_id = $1", [
    options.tenantId,
  ]);
  const sealed = setup.rows[0]?.setup_sealed;
  if (!sealed) throw new Error(`no OPAQUE setup for tenant ${options.tenantId}`);
  serverSetup = open(keyring, sealed, `opaque-setup:${options.tenantId}`).toString("utf8");
  ({ rows } = await client.query(
    `select u.id, u.username_normalized, c.credential_id, c.record_sealed
       from app_user u join user_credential c on c.user_id = u.id where u.tenant_id = $1`,
    [options.tenantId],
  ));
} finally {
  await client.end();
}

interface Prepared {
  readonly startLoginRequest: string;
  readonly registrationRecord: string;
  readonly userIdentifier: string;
  readonly identifiers: { client: string; server: string };
  readonly serverLoginState: string;
  readonly finishLoginRequest: string;
}

const byName = new Map(rows.map((row) => [row.username_normalized, row]));
const prepared: Prepared[] = options.users.map((user) => {
  const row = byName.get(normalizeUsername(user.username));
  if (!row) throw new Error(`user ${user.username} has no credential in the database`);
  const registrationRecord = openRecord(keyring, options.tenantId, row.id, row.record_sealed);
  const identifiers = opaqueIdentifiers(options.issuer, options.tenantId, user.username);
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: user.secret });
  const { serverLoginState, loginResponse } = opaque.server.startLogin({
    serverSetup,
    startLoginRequest,
    registrationRecord,
    userIdentifier: row.credential_id,
    identifiers,
  });
  const finished = opaque.client.finishLogin({
    clientLoginState,
    loginResponse,
    password: user.secret,
    identifiers,
    keyStretching: BENCH_KEY_STRETCHING,
  });
  if (!finished) throw new Error(`the stored record of ${user.username} does not accept its secret`);
  const ready = { startLoginRequest, registrationRecord, userIdentifier: row.credential_id, identifiers, serverLoginState };
  opaque.server.finishLogin({ serverLoginState, finishLoginRequest: finished.finishLoginRequest, identifiers });
  return { ...ready, finishLoginRequest: finished.finishLoginRequest };
});

function loop(durationMs: number, latencies?: LatencyRecorder): { logins: number; startNs: number; finishNs: number } {
  const end = performance.now() + durationMs;
  let logins = 0;
  let startNs = 0;
  let finishNs = 0;
  for (let i = 0; ; i++) {
    const p = prepared[i % prepared.length] as Prepared;
    const t0 = performance.now();
    if (t0 >= end) break;
    opaque.server.startLogin({
      serverSetup,
      startLoginRequest: p.startLoginRequest,
      registrationRecord: p.registrationRecord,
      userIdentifier: p.userIdentifier,
      identifiers: p.identifiers,
    });
    const t1 = performance.now();
    opaque.server.finishLogin({
      serverLoginState: p.serverLoginState,
      finishLoginRequest: p.finishLoginRequest,
      identifiers: p.identifiers,
    });
    const t2 = performance.now();
    startNs += (t1 - t0) * 1e6;
    finishNs += (t2 - t1) * 1e6;
    latencies?.record(t2 - t0);
    logins++;
  }
  return { logins, startNs, finishNs };
}

if (options.warmupSeconds > 0) loop(options.warmupSeconds * 1000);
const latencies = new LatencyRecorder();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const { logins, startNs, finishNs } = loop(options.durationSeconds * 1000, latencies);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const sorted = latencies.sorted();
const result: CeilingResult = {
  logins,
  elapsedMs,
  loginsPerSecond: logins / (elapsedMs / 1000),
  startLoginMeanUs: startNs / logins / 1000,
  finishLoginMeanUs: finishNs / logins / 1000,
  p50Ms: percentile(sorted, 50),
  p99Ms: percentile(sorted, 99),
  cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
  users: prepared.length,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
