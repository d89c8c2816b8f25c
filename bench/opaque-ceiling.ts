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
  /** The tenant's OPAQUE server setup and each user's inputs to a login, by normalized username (the floor server's material). */
  readonly serverSetup: string;
  readonly logins: ReadonlyMap<string, PreparedLogin>;
  /** startLogin + finishLogin over the users in turn, until `durationMs` have passed. */
  loop(durationMs: number, latencies?: LatencyRecorder): CeilingLoop;
}

/** One user's inputs to the two server calls of a login, made once so that a loop times only those. */
export interface PreparedLogin {
  readonly startLoginRequest: string;
  readonly registrationRecord: string;
  readonly userIdentifier: string;
  readonly identifiers: { client: string; server: string };
  readonly serverLoginState: string;
  readonly finishLoginRequest: string;
}

interface LoginMaterial {
  readonly serverSetup: string;
  readonly registrationRecord: string;
  readonly userIdentifier: string;
  readonly identifiers: { client: string; server: string };
  readonly password: string;
}

/**
 * KE1 (client.startLogin), one server run (→ serverLoginState, KE2) and KE3 (client.finishLogin)
 * for a registered user; throws when the record does not accept the password.
 */
export function prepareLogin(material: LoginMaterial): PreparedLogin {
  const { serverSetup, registrationRecord, userIdentifier, identifiers, password } = material;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const { serverLoginState, loginResponse } = opaque.server.startLogin({
    serverSetup,
    startLoginRequest,
    registrationRecord,
    userIdentifier,
    identifiers,
  });
  const finished = opaque.client.finishLogin({
    clientLoginState,
    loginResponse,
    password,
    identifiers,
    keyStretching: BENCH_KEY_STRETCHING,
  });
  if (!finished) throw new Error(`the record of ${userIdentifier} does not accept its secret`);
  return {
    startLoginRequest,
    registrationRecord,
    userIdentifier,
    identifiers,
    serverLoginState,
    finishLoginRequest: finished.finishLoginRequest,
  };
}

/** The server's first call of a prepared login (its KE2 discarded). */
export function serverStartLogin(serverSetup: string, p: PreparedLogin): void {
  opaque.server.startLogin({
    serverSetup,
    startLoginRequest: p.startLoginRequest,
    registrationRecord: p.registrationRecord,
    userIdentifier: p.userIdentifier,
    identifiers: p.identifiers,
  });
}

/** The server's second call of a prepared login, on the state and KE3 made once. */
export function serverFinishLogin(p: PreparedLogin): void {
  opaque.server.finishLogin({ serverLoginState: p.serverLoginState, finishLoginRequest: p.finishLoginRequest, identifiers: p.identifiers });
}

/** A registration record made in this process (no database): for the harnesses that need no server. */
export function registerLocally(
  serverSetup: string,
  userIdentifier: string,
  identifiers: { client: string; server: string },
  password: string,
): string {
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier, registrationRequest });
  return opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
    identifiers,
    keyStretching: BENCH_KEY_STRETCHING,
  }).registrationRecord;
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
  const prepared: PreparedLogin[] = material.users.map((user) => {
    const row = byName.get(normalizeUsername(user.username));
    if (!row) throw new Error(`user ${user.username} has no credential in the database`);
    const ready = prepareLogin({
      serverSetup,
      registrationRecord: openRecord(keyring, material.tenantId, row.id, row.record_sealed),
      userIdentifier: row.credential_id,
      identifiers: opaqueIdentifiers(material.issuer, material.tenantId, user.username),
      password: user.secret,
    });
    opaque.server.finishLogin({
      serverLoginState: ready.serverLoginState,
      finishLoginRequest: ready.finishLoginRequest,
      identifiers: ready.identifiers,
    });
    return ready;
  });

  let next = 0;
  function loop(durationMs: number, latencies?: LatencyRecorder): CeilingLoop {
    const end = performance.now() + durationMs;
    let logins = 0;
    let startNs = 0;
    let finishNs = 0;
    for (;;) {
      const p = prepared[next++ % prepared.length] as PreparedLogin;
      const t0 = performance.now();
      if (t0 >= end) break;
      serverStartLogin(serverSetup, p);
      const t1 = performance.now();
      serverFinishLogin(p);
      const t2 = performance.now();
      startNs += (t1 - t0) * 1e6;
      finishNs += (t2 - t1) * 1e6;
      latencies?.record(t2 - t0);
      logins++;
    }
    return { logins, startNs, finishNs };
  }
  const logins = new Map(material.users.map((user, i) => [normalizeUsername(user.username), prepared[i] as PreparedLogin]));
  return { users: prepared.length, serverSetup, logins, loop };
}
