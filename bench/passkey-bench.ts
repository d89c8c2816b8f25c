// `npm run bench:passkey`: Verify Auth (#102) per second on one core, against its ceiling — the
// bare `verifyAuthenticationResponse` of @simplewebauthn/server on the same assertions — and
// against the bare verification the service itself uses (PasskeyAssertions.verify: the same
// checks, with the passkey's public key imported once), all in the same process, in alternating
// order round by round (this VM's speed drifts within a minute, so the phases sample the same
// moments, and none always follows another).
//
// The service side is what the handler calls, without HTTP: PasskeySignIn.verify with the real
// components — the statements of the login's hot path on the real Postgres (consume the
// challenge with the tenant and credential, the throttle state, the nonce and the counter), the
// audit events — built as src/services.ts builds them, on an in-process server's database. The
// assertions are made untimed by a software authenticator (bench/software-authenticator.ts), each
// for a challenge from Auth Options (also untimed): synced ES256 passkeys (counter 0, user
// verified); every phase verifies the same ones.
//
// One core: the process pins itself to CPU 0 with taskset when the machine has two or more —
// every thread of it, libuv's pool (where WebCrypto's jobs run) included, for every phase alike
// (the run prints each thread's allowed CPUs). The Postgres backends stay free to run on the
// others, as a separate database server would. CPU per verification is the whole process's, and
// also split into the main thread and the other threads.
// Options (environment): PASSKEY_BENCH_USERS (200), PASSKEY_BENCH_ROUNDS (15), PASSKEY_BENCH_CONCURRENCY (32),
// PASSKEY_BENCH_PROFILE=1 (main-thread self time by function per phase, bench/phase-profile.ts).
import { UnitOfWork } from "../src/persistence/unit-of-work.js";
import { TenantRepositories } from "../src/persistence/repositories/tenant-repositories.js";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { ClientOrigins, tenantRedirectUris } from "../src/domain/clients/client-origins.js";
import { OpaqueLogin } from "../src/domain/login/opaque-login.js";
import { OpaqueSetups } from "../src/domain/login/opaque-setups.js";
import { loadKeyring } from "../src/crypto/key-encryption-key.js";
import { clientDataOf } from "../src/domain/passkeys/client-data.js";
import { type AssertedPasskey, PasskeyAssertions } from "../src/domain/passkeys/passkey-assertion.js";
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
import { PhaseProfiler, splitCpu, threadAffinities, threadCpuSeconds } from "./phase-profile.js";

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
/** PASSKEY_BENCH_PROFILE=1: a CPU profile of the main thread during each phase, summed by function. */
const PROFILE = process.env.PASSKEY_BENCH_PROFILE === "1";
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
  const people: { username: string; userId: string; credential: SoftwareCredential; passkeyId: string }[] = [];
  for (let i = 0; i < USERS; i++) {
    const username = `bench-${i}`;
    const created = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/users`, {
      username,
      email: `${username}@bench.example`,
    });
    if (created.status !== 201 && created.status !== 200) throw new Error(`create user: ${created.status} ${JSON.stringify(created.body)}`);
    const userId = (created.body as { user_id: string }).user_id;
    const credential = createCredential();
    const passkeyId = crypto.randomUUID();
    await passkeys.insert({
      id: passkeyId,
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
    people.push({ username, userId, credential, passkeyId });
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
  const signIn = new PasskeySignIn({
    rp,
    assertions: new PasskeyAssertions(rp),
    passkeysOf: (tenantId) => new PasskeyRepository(database.sql, tenantId),
    login,
    events,
  });
  const scope = { tenantId: TENANT, authReqId: null, clientId: null };
  // Each user from an address of their own, as people sign in: the login throttle keeps a row per address.
  const callerOf = (index: number) => ({ ip: `10.0.${index >> 8}.${index & 255}`, userAgent: "passkey-bench" });

  /** One assertion per user, each for a fresh challenge of Auth Options (untimed). */
  const prepare = async () => {
    const batch: { input: AssertionInput; person: (typeof people)[number]; index: number; passkey: AssertedPasskey }[] = [];
    for (const [index, person] of people.entries()) {
      const options = await signIn.options(scope, person.username);
      const made = assert(person.credential, rp.id, rp.publicOrigin, options.challenge, encodedUserHandleOf(person.userId));
      // As the sign-in reads it from its row (a copy of the stored bytes).
      const passkey = {
        id: person.passkeyId,
        credentialId: person.credential.credentialId,
        publicKey: new Uint8Array(person.credential.cosePublicKey),
        counter: 0,
        backupEligible: true,
      };
      batch.push({ person, index, passkey, input: { ...made, username: person.username, authenticatorAttachment: "platform" } });
    }
    return batch;
  };

  let failures = 0;
  // A verifier of its own (and key cache): the service's is measured inside the service phase.
  const assertionsOnly = new PasskeyAssertions(rp);

  /** The three measured phases, on the same assertions (see the header). */
  type Item = Awaited<ReturnType<typeof prepare>>[number];
  const phases: { name: string; label: string; work: (item: Item) => Promise<unknown> }[] = [
    {
      name: "service",
      label: "Verify Auth (PasskeySignIn.verify, real Postgres)",
      work: async ({ input, index }) => {
        try {
          await signIn.verify(scope, input, callerOf(index));
        } catch (error) {
          failures++;
          if (failures === 1) log(`verify failed: ${String(error)}`);
        }
      },
    },
    {
      name: "ceiling",
      label: "ceiling: bare verifyAuthenticationResponse",
      work: ({ input, person }) =>
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
    },
    {
      name: "verifier",
      label: "the service's own verification, bare (PasskeyAssertions.verify)",
      work: async ({ input, person, passkey }) => {
        const clientData = clientDataOf(input.clientDataJson);
        const outcome = await assertionsOnly.verify(TENANT, passkey, input, clientData, {
          expectedChallenge: clientData.challenge,
          requireUserVerification: true,
        });
        if (!outcome.verified) throw new Error(`bare verification refused ${person.username}: ${outcome.reason}`);
      },
    },
  ];
  const totals = new Map(phases.map((phase) => [phase.name, { ms: 0, cpuUs: 0, mainS: 0, othersS: 0, count: 0 }]));
  const profiler = PROFILE ? new PhaseProfiler() : undefined;
  for (let round = 0; round <= ROUNDS; round++) {
    const batch = await prepare();
    // Alternating order (A/B, B/A …): neither phase always inherits the other's garbage or the VM's drift.
    const order = round % 2 === 0 ? phases : [...phases].reverse();
    const line: string[] = [];
    for (const phase of order) {
      const threadsBefore = threadCpuSeconds();
      const cpuBefore = process.cpuUsage();
      if (profiler && round > 0) await profiler.start();
      const ms = await timed(batch, phase.work);
      if (profiler && round > 0) await profiler.stop(phase.name);
      const cpu = process.cpuUsage(cpuBefore);
      const split = splitCpu(threadsBefore, threadCpuSeconds());
      if (round === 0) continue;
      const total = totals.get(phase.name) as NonNullable<ReturnType<typeof totals.get>>;
      total.ms += ms;
      total.cpuUs += cpu.user + cpu.system;
      total.mainS += split.main;
      total.othersS += split.others;
      total.count += batch.length;
      line.push(`${phase.name} ${((batch.length / ms) * 1000).toFixed(0)}/s ${((cpu.user + cpu.system) / batch.length).toFixed(0)} µs`);
    }
    if (round === 0) {
      log(
        `warm-up round: ${batch.length} verifications; threads by allowed CPUs: ${JSON.stringify(Object.fromEntries(threadAffinities()))}`,
      );
      continue;
    }
    log(`round ${round}: ${line.join(", ")}`);
  }
  await events.flush();
  const [service, ceiling, verifier] = phases.map((phase) => totals.get(phase.name) as NonNullable<ReturnType<typeof totals.get>>) as [
    { ms: number; cpuUs: number; mainS: number; othersS: number; count: number },
    { ms: number; cpuUs: number; mainS: number; othersS: number; count: number },
    { ms: number; cpuUs: number; mainS: number; othersS: number; count: number },
  ];
  // What one core sustains when it is the bottleneck: 1 s of CPU over the CPU time of one verification.
  const perCore = (t: typeof service) => (t.count / t.cpuUs) * 1e6;
  const perWall = (t: typeof service) => (t.count / t.ms) * 1000;
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
  const us = (seconds: number, count: number) => ((seconds * 1e6) / count).toFixed(0);
  console.log(
    `| measure | ${phases[0]?.label} | ${phases[1]?.label} | ratio | ${phases[2]?.label} | ratio |\n|---|---:|---:|---:|---:|---:|`,
  );
  console.log(
    `| per second of one core's CPU (1 s / CPU per verification) | ${perCore(service).toFixed(0)} | ${perCore(ceiling).toFixed(0)} | **${pct(perCore(service), perCore(ceiling))}** | ${perCore(verifier).toFixed(0)} | ${pct(perCore(service), perCore(verifier))} |`,
  );
  console.log(
    `| per second of wall time (${CONCURRENCY} at a time) | ${perWall(service).toFixed(0)} | ${perWall(ceiling).toFixed(0)} | ${pct(perWall(service), perWall(ceiling))} | ${perWall(verifier).toFixed(0)} | ${pct(perWall(service), perWall(verifier))} |`,
  );
  console.log(
    `| CPU per verification, µs (process) | ${(service.cpuUs / service.count).toFixed(0)} | ${(ceiling.cpuUs / ceiling.count).toFixed(0)} | | ${(verifier.cpuUs / verifier.count).toFixed(0)} | |`,
  );
  console.log(
    `| of which main thread / other threads, µs | ${us(service.mainS, service.count)} / ${us(service.othersS, service.count)} | ${us(ceiling.mainS, ceiling.count)} / ${us(ceiling.othersS, ceiling.count)} | | ${us(verifier.mainS, verifier.count)} / ${us(verifier.othersS, verifier.count)} | |`,
  );
  console.log(`| verifications (timed) per phase, failures | ${service.count}, ${failures} |`);
  console.log(`| users, concurrency, rounds | ${USERS}, ${CONCURRENCY}, ${ROUNDS} |`);
  console.log(
    `| pinned to one core | ${process.env.PASSKEY_BENCH_PINNED === "1" ? `yes (taskset -c 0), every thread: ${[...threadAffinities().keys()].join(", ")}` : "no"} |`,
  );
  if (profiler) {
    for (const phase of phases) {
      const count = (totals.get(phase.name) as { count: number }).count;
      console.log(`\nMain-thread self time, ${phase.name} (µs per verification, share of the phase's samples):\n`);
      for (const entry of profiler.summary(phase.name, count)) {
        console.log(`| ${entry.perOperationUs.toFixed(1)} | ${(entry.share * 100).toFixed(1)} % | \`${entry.name}\` |`);
      }
    }
    profiler.close();
  }
  if (failures > 0) process.exitCode = 1;
} finally {
  await server.close();
}
