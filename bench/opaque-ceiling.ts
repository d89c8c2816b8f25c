// The raw OPAQUE server work of one login — `opaque.server.startLogin` + `opaque.server.finishLogin`
// — on the server's own material, for the login ceiling of the auth benchmark: the tenant's OPAQUE
// server setup and the seeded users' registration records, read from the benchmark database and
// unsealed with the KEK the launcher gave the server. `prepareCeiling` makes, per user, KE1
// (client.startLogin), one server run (→ serverLoginState, KE2) and KE3 (client.finishLogin);
// `loop` then runs server.startLogin on that KE1 (a fresh KE2, discarded) and server.finishLogin
// on the prepared state and KE3 — exactly the two calls a login costs the server, and nothing else.
//
// Used by bench/auth-ceiling.ts (a process of its own) and bench/auth-login-core.ts (slices
// interleaved with the in-process login's phases).
//
// The library draws its random bytes as the server makes it draw them (from the pooled CSPRNG,
// src/crypto/pooled-web-random.ts): the ceiling is the OPAQUE work as this service runs it, so
// that cheaper randomness does not count as the server beating the ceiling.
import { performance } from "node:perf_hooks";
import * as opaque from "@serenity-kit/opaque";
import pg from "pg";
import { keyEncryptionKeyOf, keyringOf } from "../src/crypto/key-encryption-key.js";
import { open } from "../src/crypto/secret-box.js";
import { openRecord } from "../src/domain/login/credentials.js";
import { normalizeUsername } from "../src/sdk/identity-normalization.js";
import { opaqueIdentifiers } from "../src/sdk/identity.js";
import { BENCH_KEY_STRETCHING, type BenchUser } from "./auth-opaque-client.js";
import type { LatencyRecorder } from "./stats.js";
import { poolWebCryptoRandom } from "../src/crypto/pooled-web-random.js";

poolWebCryptoRandom();

export interface CeilingMaterial {
  readonly databaseUrl: string;
  /** The server's SVAULT_KEK (base64). */
  readonly kek: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly users: readonly BenchUser[];
}

export interface CeilingLoop {
  readonly logins: number;
  /** Time in server.startLogin and server.finishLogin, ns. */
  readonly startNs: number;
  readonly finishNs: number;
}

export interface OpaqueCeiling {
  readonly users: number;
  /** startLogin + finishLogin over the users in turn, until `durationMs` have passed. */
  loop(durationMs: number, latencies?: LatencyRecorder): CeilingLoop;
}

interface Prepared {
  readonly startLoginRequest: string;
  readonly registrationRecord: string;
  readonly userIdentifier: string;
  readonly identifiers: { client: string; server: string };
  readonly serverLoginState: string;
  readonly finishLoginRequest: string;
}

export async function prepareCeiling(material: CeilingMaterial): Promise<OpaqueCeiling> {
  await opaque.ready;
  const keyring = keyringOf(keyEncryptionKeyOf(Buffer.from(material.kek, "base64")));
  const client = new pg.Client({ connectionString: material.databaseUrl });
  await client.connect();
  let serverSetup: string;
  let rows: { id: string; username_normalized: string; credential_id: string; record_sealed: Buffer }[];
  try {
    const setup = await client.query<{ setup_sealed: Buffer }>("select setup_sealed from opaque_setup where tenant_id = $1", [
      material.tenantId,
    ]);
    const sealed = setup.rows[0]?.setup_sealed;
    if (!sealed) throw new Error(`no OPAQUE setup for tenant ${material.tenantId}`);
    serverSetup = open(keyring, sealed, `opaque-setup:${material.tenantId}`).toString("utf8");
    ({ rows } = await client.query(
      `select u.id, u.username_normalized, c.credential_id, c.record_sealed
         from app_user u join user_credential c on c.user_id = u.id where u.tenant_id = $1`,
      [material.tenantId],
    ));
  } finally {
    await client.end();
  }

  const byName = new Map(rows.map((row) => [row.username_normalized, row]));
  const prepared: Prepared[] = material.users.map((user) => {
    const row = byName.get(normalizeUsername(user.username));
    if (!row) throw new Error(`user ${user.username} has no credential in the database`);
    const registrationRecord = openRecord(keyring, material.tenantId, row.id, row.record_sealed);
    const identifiers = opaqueIdentifiers(material.issuer, material.tenantId, user.username);
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

  let next = 0;
  function loop(durationMs: number, latencies?: LatencyRecorder): CeilingLoop {
    const end = performance.now() + durationMs;
    let logins = 0;
    let startNs = 0;
    let finishNs = 0;
    for (;;) {
      const p = prepared[next++ % prepared.length] as Prepared;
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
  return { users: prepared.length, loop };
}
