// `npm run bench:passkey`: Verify Auth (#102) per second on one core, against its ceiling — the
// bare `verifyAuthenticationResponse` of @simplewebauthn/server on the same assertions, in the
// same process, measured in slices between the service's timed phases (this VM's speed drifts
// within a minute, so the two sample the same moments).
//
// The service side is what the handler calls, without HTTP: PasskeySignIn.verify with the real
// components — the statements of the login's hot path on the real Postgres (consume the
// challenge with the tenant and credential, the throttle state, the nonce and the counter), the
// audit events — built as src/services.ts builds them, on an in-process server's database. The
// assertions are made untimed by a software authenticator (bench/software-authenticator.ts), each
// for a challenge from Auth Options (also untimed): synced passkeys (counter 0, user verified).
//
// One core: the process pins itself to CPU 0 with taskset when the machine has two or more (the
// Postgres backends stay free to run on the others, as a separate database server would).
// Options (environment): PASSKEY_BENCH_USERS (200), PASSKEY_BENCH_ROUNDS (15), PASSKEY_BENCH_CONCURRENCY (32).
import { UnitOfWork } from "../src/persistence/unit-of-work.js";
import { TenantRepositories } from "../src/persistence/repositories/tenant-repositories.js";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { ClientOrigins, tenantRedirectUris } from "../src/domain/clients/client-origins.js";
import { OpaqueLogin } from "../src/domain/login/opaque-login.js";
import { OpaqueSetups } from "../src/domain/login/opaque-setups.js";
import { loadKeyring } from "../src/crypto/key-encryption-key.js";
import { type AssertionInput, PasskeySignIn } from "../src/domain/passkeys/passkey-sign-in.js";
import { RelyingParty } from "../src/domain/passkeys/relying-party.js";
import { encodedUserHandleOf } from "../src/domain/passkeys/user-handle.js";
import { createLogger } from "../src/logging/logger.js";
import { LoginStore } from "../src/persistence/repositories/login-repository.js";
import { PasskeyRepository } from "../src/persistence/repositories/passkey-repository.js";
import { createTenant, rest } from "../test/support/fixtures.js";
import { startTestServer } from "../test/support/test-server.js";
import { assert, createCredential, type SoftwareCredential } from "./software-authenticator.js";
import { cores, hasTaskset } from "./bench-machine.js";

if (hasTaskset && cores >= 2 && process.env.PASSKEY_BENCH_PINNED !== "1") {
  const child = spawnSync("taskset", ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, PASSKEY_BENCH_PINNED: "1" },
  });
  process.exit(child.status ?? 1);
}

const USERS = Number(process.env.PASSKEY_BENCH_USERS ?? 200);
const ROUNDS = Number(process.env.PASSKEY_BENCH_ROUNDS ?? 15);
const CONCURRENCY = Number(process.env.PASSKEY_BENCH_CONCURRENCY ?? 32);
const TENANT = "bench";
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Runs `work` on every item, `CONCURRENCY` at a time; the wall time in ms. */
async function timed<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
  return performance.now() - started;
}

const server = await startTestServer({ publicHost: "localhost" });
try {
  const { config } = server;
  const { database, events } = server.running;
  await createTenant(server, TENANT, { passkey_enabled: true });
  log(`creating ${USERS} users with a passkey each`);
  const passkeys = new PasskeyRepository(database.sql, TENANT);
  const people: { username: string; userId: string; credential: SoftwareCredential }[] = [];
  for (let i = 0; i < USERS; i++) {
    const username = `bench-${i}`;
    const created = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/users`, {
      username,
      email: `${username}@bench.example`,
    });
    if (created.status !== 201 && created.status !== 200) throw new Error(`create user: ${created.status} ${JSON.stringify(created.body)}`);
    const userId = (created.body as { user_id: string }).user_id;
    const credential = createCredential();
    await passkeys.insert({
      id: crypto.randomUUID(),
      userId,
      credentialId: credential.credentialId,
      publicKey: credential.cosePublicKey,
      counter: 0,
      transports: ["internal", "hybrid"],
      backupEligible: true,
      backedUp: true,
      aaguid: "00000000-0000-0000-0000-000000000000",
      name: "Passkey",
    });
    people.push({ username, userId, credential });
  }

  const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, createLogger("silent"));
  const login = new OpaqueLogin({
    logins: new LoginStore(database.sql),
    keyring,
    setups: new OpaqueSetups(keyring, (tenantId) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId).credentials),
    events,
    issuerOf: (tenantId) => `${config.publicUrl}/${tenantId}`,
  });
  const rp = new RelyingParty(
    config.webauthnRpId,
    config.publicUrl,
    new ClientOrigins(
      database.changes,
      tenantRedirectUris((tenantId) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId)),
    ),
  );
  const signIn = new PasskeySignIn({ rp, passkeysOf: (tenantId) => new PasskeyRepository(database.sql, tenantId), login, events });
  const scope = { tenantId: TENANT, authReqId: null, clientId: null };
  // Each user from an address of their own, as people sign in: the login throttle keeps a row per address.
  const callerOf = (index: number) => ({ ip: `10.0.${index >> 8}.${index & 255}`, userAgent: "passkey-bench" });

  /** One assertion per user, each for a fresh challenge of Auth Options (untimed). */
  const prepare = async () => {
    const batch: { input: AssertionInput; person: (typeof people)[number]; index: number }[] = [];
    for (const [index, person] of people.entries()) {
      const options = await signIn.options(scope, person.username);
      const made = assert(person.credential, rp.id, rp.publicOrigin, options.challenge, encodedUserHandleOf(person.userId));
      batch.push({ person, index, input: { ...made, username: person.username, authenticatorAttachment: "platform" } });
    }
    return batch;
  };

  let serviceMs = 0;
  let serviceCount = 0;
  let ceilingMs = 0;
  let ceilingCount = 0;
  let failures = 0;
  let serviceCpuUs = 0;
  let ceilingCpuUs = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const batch = await prepare();
    const cpuBefore = process.cpuUsage();
    const ms = await timed(batch, async ({ input, index }) => {
      try {
        await signIn.verify(scope, input, callerOf(index));
      } catch (error) {
        failures++;
        if (failures === 1) log(`verify failed: ${String(error)}`);
      }
    });
    const cpu = process.cpuUsage(cpuBefore);
    // The ceiling on the same assertions, for as many verifications.
    const ceilingCpuBefore = process.cpuUsage();
    const ceiling = await timed(batch, ({ input, person }) =>
      verifyAuthenticationResponse({
        response: {
          id: input.id,
          rawId: input.rawId,
          type: "public-key",
          clientExtensionResults: {},
          response: {
            clientDataJSON: input.clientDataJson,
            authenticatorData: input.authenticatorData,
            signature: input.signature,
            userHandle: input.userHandle,
          },
        },
        expectedChallenge: JSON.parse(Buffer.from(input.clientDataJson, "base64url").toString("utf8")).challenge,
        expectedOrigin: rp.publicOrigin,
        expectedRPID: rp.id,
        credential: { id: person.credential.credentialId, publicKey: person.credential.cosePublicKey, counter: 0 },
        requireUserVerification: true,
      }),
    );
    const ceilingCpu = process.cpuUsage(ceilingCpuBefore);
    if (round === 0) {
      log(`warm-up round: ${batch.length} verifications`);
      continue;
    }
    serviceMs += ms;
    serviceCpuUs += cpu.user + cpu.system;
    ceilingCpuUs += ceilingCpu.user + ceilingCpu.system;
    serviceCount += batch.length;
    ceilingMs += ceiling;
    ceilingCount += batch.length;
    log(
      `round ${round}: service ${((batch.length / ms) * 1000).toFixed(0)}/s (cpu ${(((cpu.user + cpu.system) / 1000 / ms) * 100).toFixed(0)} %), ceiling ${((batch.length / ceiling) * 1000).toFixed(0)}/s`,
    );
  }
  await events.flush();
  const service = (serviceCount / serviceMs) * 1000;
  const ceiling = (ceilingCount / ceilingMs) * 1000;
  // What one core sustains when it is the bottleneck: 1 s of CPU over the CPU time of one verification.
  const serviceCore = (serviceCount / serviceCpuUs) * 1e6;
  const ceilingCore = (ceilingCount / ceilingCpuUs) * 1e6;
  console.log(
    "| measure | Verify Auth (PasskeySignIn.verify, real Postgres) | ceiling (bare verifyAuthenticationResponse) | ratio |\n|---|---|---|---|",
  );
  console.log(
    `| per second of one core's CPU (1 s / CPU per verification) | ${serviceCore.toFixed(0)} | ${ceilingCore.toFixed(0)} | ${((serviceCore / ceilingCore) * 100).toFixed(1)} % |`,
  );
  console.log(
    `| per second of wall time (${CONCURRENCY} at a time) | ${service.toFixed(0)} | ${ceiling.toFixed(0)} | ${((service / ceiling) * 100).toFixed(1)} % |`,
  );
  console.log(`| CPU per verification, µs | ${(serviceCpuUs / serviceCount).toFixed(0)} | ${(ceilingCpuUs / ceilingCount).toFixed(0)} | |`);
  console.log(`| verifications (timed), failures | ${serviceCount}, ${failures} |`);
  console.log(`| users, concurrency, rounds | ${USERS}, ${CONCURRENCY}, ${ROUNDS} |`);
  console.log(`| pinned to one core | ${process.env.PASSKEY_BENCH_PINNED === "1" ? "yes (taskset -c 0)" : "no"} |`);
  if (failures > 0) process.exitCode = 1;
} finally {
  await server.close();
}
