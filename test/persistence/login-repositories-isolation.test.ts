// Tenant isolation of the login's repositories (issue 15): the login's hot statements
// (LoginRepository, on the plain statements; each step's first statement also for an
// authorization request, whose tenant it reads itself), registration challenges, OPAQUE credentials and
// setups, and the account flows' one-time codes. Structurally, as repositories-isolation.test.ts
// does it (test/support/tenant-isolation.ts): every method, run for tenant A with tenant B's ids,
// hashes and names, sees none of B's rows and changes none of them, next to a positive control on
// A's own data. The two tenants share the username and the address, so that a statement that lost
// its tenant predicate finds B's rows. Every statement the methods send is then checked against
// the statement rule (test/support/statement-audit.ts): each names its tenant.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { CodeLookup } from "../../src/persistence/repositories/account-repository.js";
import { type CompletedLoginWrite, LoginStore, type LoginTarget } from "../../src/persistence/repositories/login-repository.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { sql as fragment } from "../../src/persistence/sql-fragment.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { recordStatements, type StatementLog, tenantTablesOf, untenanted } from "../support/statement-audit.js";
import { untouched } from "../support/tenant-isolation.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
let logins: LoginStore;
let log: StatementLog;
const A = "liso-a";
const B = "liso-b";
/** The same username, e-mail address and client address in both tenants. */
const USERNAME = "alice";
const EMAIL = "alice@example.com";
const IP = "203.0.113.7";
const BLOCK = { user_free_attempts: 3, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 };

interface Seeded {
  readonly tenantId: string;
  readonly userId: string;
  readonly challengeId: string;
  readonly resetHash: Buffer;
  /** A pending authorization request of the tenant's client, a challenge issued for it, and an expired request. */
  readonly authReqId: string;
  readonly requestChallengeId: string;
  readonly expiredAuthReqId: string;
}

const CLIENT = "liso-app";

const run = (text: string, params: unknown[] = []) => t.orm.em.getConnection().execute(text, params);
const reposOf = (tenantId: string) => new TenantRepositories(new UnitOfWork(t.orm.em.fork()), tenantId);

/** A tenant with the user, its credential, an ended block and counters of the username and the address, a login challenge and a reset code. */
async function seed(tenantId: string): Promise<Seeded> {
  const s: Seeded = {
    tenantId,
    userId: randomUUID(),
    challengeId: randomBytes(12).toString("hex"),
    resetHash: randomBytes(32),
    authReqId: randomBytes(24).toString("base64url"),
    requestChallengeId: randomBytes(12).toString("hex"),
    expiredAuthReqId: randomBytes(24).toString("base64url"),
  };
  const em = t.orm.em.fork();
  em.create(TenantEntity, { id: tenantId, blockConfig: BLOCK, loginOrder: ["PIN"] });
  await em.flush();
  await run(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, roles, locale, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, '[]', '', now(), now())`,
    [s.userId, tenantId, USERNAME, USERNAME, EMAIL, EMAIL],
  );
  await run(
    "insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at) values (?, ?, ?, ?, '1', now())",
    [s.userId, tenantId, `cred-${tenantId}`, randomBytes(48)],
  );
  await run("insert into opaque_setup (tenant_id, setup_sealed, created_at) values (?, ?, now())", [tenantId, randomBytes(48)]);
  await run(
    "insert into blocked_user (tenant_id, username, failures, reason, blocked_at, blocked_until) values (?, ?, 10, 'test', now(), now() - interval '1 minute')",
    [tenantId, USERNAME],
  );
  await run(
    "insert into blocked_ip (tenant_id, ip, failures, reason, blocked_at, blocked_until) values (?, ?, 50, 'test', now(), now() - interval '1 minute')",
    [tenantId, IP],
  );
  for (const [kind, subject] of [
    ["user", USERNAME],
    ["ip", IP],
  ]) {
    await run(
      `insert into login_throttle (tenant_id, kind, subject, failures, window_start, last_failure_at, last_admitted)
       values (?, ?, ?, 2, now(), now(), true)`,
      [tenantId, kind, subject],
    );
  }
  await run(
    `insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed, credential_id,
       auth_req_id, proto_version, expires_at, created_at)
     values (?, ?, 'login', ?, ?, ?, ?, null, null, '1', now() + interval '2 minutes', now())`,
    [s.challengeId, tenantId, USERNAME, s.userId, randomBytes(32), randomBytes(32)],
  );
  await run(
    `insert into client (id, tenant_id, client_id, name, redirect_uris, post_logout_redirect_uri, allowed_scopes,
       token_endpoint_auth_method, client_type, sing_alg, flow, created_at, updated_at)
     values (?, ?, ?, 'app', '[]', '[]', '["openid"]', 'none', 'public', 'EdDSA', '{}', now(), now())`,
    [randomUUID(), tenantId, CLIENT],
  );
  for (const [id, expiresIn] of [
    [s.authReqId, "10 minutes"],
    [s.expiredAuthReqId, "-1 second"],
  ]) {
    await run(
      `insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at)
       values (?, ?, ?, '{}', now() + ?::interval, now())`,
      [id, tenantId, CLIENT, expiresIn],
    );
  }
  await run(
    `insert into auth_challenge (id, tenant_id, purpose, username_normalized, user_id, ke1_hash, server_state_sealed, credential_id,
       auth_req_id, proto_version, expires_at, created_at)
     values (?, ?, 'login', ?, ?, ?, ?, null, ?, '1', now() + interval '2 minutes', now())`,
    [s.requestChallengeId, tenantId, USERNAME, s.userId, randomBytes(32), randomBytes(32), s.authReqId],
  );
  await run(
    `insert into one_time_code (hash, tenant_id, user_id, purpose, email, attempts, expires_at, created_at)
     values (?, ?, ?, 'reset_password', null, 0, now() + interval '30 minutes', now() - interval '1 hour')`,
    [s.resetHash, tenantId, s.userId],
  );
  return s;
}

let a: Seeded;
let b: Seeded;

before(async () => {
  t = await openTestOrm();
  logins = new LoginStore(t.database.sql);
  a = await seed(A);
  b = await seed(B);
  log = recordStatements();
});
after(async () => {
  log.stop();
  await t.close();
});

const count = async (text: string, params: unknown[]) => Number(((await run(text, params)) as { n: string }[])[0]?.n);
const success = (userId: string): CompletedLoginWrite => ({
  userId,
  username: USERNAME,
  ip: IP,
  nonceHash: randomBytes(32),
  authReqId: null,
  amr: ["pin"],
  nonceTtlSeconds: 300,
});
const guess = { config: BLOCK, username: USERNAME, ip: IP };
/** Another factor's write that always goes through. */
const step = { cte: fragment`step as (select 1)`, done: fragment`exists (select from step)` };

describe("the login's statements (LoginRepository) see and change only their tenant", () => {
  it("Get Challenge's read: not B's user nor B's throttle state", async () => {
    await untouched(t.orm, B, async () => {
      // A's user with a credential, as seeded; B's user by the same name is another row.
      const state = await logins.tenant(A).guessState(USERNAME, IP);
      assert.equal(state?.user?.id, a.userId);
      assert.equal(state?.user?.credential?.credentialId, `cred-${A}`);
      assert.equal(state?.throttle.user_failures, 2);
      assert.equal(
        await logins
          .tenant(A)
          .guessState("nobody", IP)
          .then((s) => s?.user),
        undefined,
      );
    });
  });

  it("lifting ended blocks and counting a guess: A's rows only", async () => {
    await untouched(t.orm, B, async () => {
      await logins.tenant(A).liftEndedBlocks(USERNAME, IP);
      assert.equal(await count("select count(*) as n from blocked_user where tenant_id = ?", [A]), 0, "A's ended block is lifted");
      const counted = await logins.tenant(A).countGuess(guess);
      assert.equal(counted.ip_admitted, true);
      assert.equal(counted.user_failures, 1, "A's username starts afresh after its lifted block");
    });
  });

  it("counting a guess and storing its challenge: in A", async () => {
    const id = randomBytes(12).toString("hex");
    await untouched(t.orm, B, async () => {
      const challenge = { id, purpose: "login" as const, username_normalized: USERNAME, user_id: a.userId, ke1_hash: randomBytes(32) };
      const counted = await logins.tenant(A).countGuessAndStoreChallenge(guess, {
        ...challenge,
        server_state_sealed: randomBytes(32),
        credential_id: null,
        auth_req_id: null,
        proto_version: "1",
        ttlSeconds: 120,
      });
      assert.equal(counted.user_admitted, true);
    });
    assert.equal(await count("select count(*) as n from auth_challenge where tenant_id = ? and id = ?", [A, id]), 1);
  });

  it("consuming B's challenge for A finds nothing; A's own is consumed", async () => {
    await untouched(t.orm, B, async () => {
      const foreign = await logins.tenant(A).consumeLoginChallenge(b.challengeId);
      assert.equal(foreign?.challenge, undefined);
      assert.deepEqual(foreign?.loginOrder, ["PIN"], "A's own settings");
      const own = await logins.tenant(A).consumeLoginChallenge(a.challengeId);
      assert.equal(own?.challenge?.id, a.challengeId);
    });
  });

  it("completing a login of B's user for A writes nothing; of A's user, in A", async () => {
    await untouched(t.orm, B, async () => {
      assert.equal(await logins.tenant(A).completeLogin(success(b.userId)), undefined);
      assert.deepEqual(await logins.tenant(A).consumeAndCompleteLogin(success(b.userId), b.challengeId), {
        scope: { tenantId: A, clientId: null },
        consumed: false,
        user: undefined,
      });
      assert.deepEqual(await logins.tenant(A).completeLoginAfter(success(b.userId), step), { recorded: true, user: undefined });
      assert.equal(await count("select count(*) as n from login_nonce where tenant_id = ?", [A]), 0);
      assert.deepEqual(await logins.tenant(A).completeLogin(success(a.userId)), { isVerified: false, email: EMAIL });
      assert.equal(await count("select count(*) as n from login_nonce where tenant_id = ? and user_id = ?", [A, a.userId]), 1);
    });
  });

  it("names an unknown tenant as such", async () => {
    assert.equal(await logins.tenant("liso-none").scope(), undefined);
    assert.deepEqual(await logins.tenant(A).scope(), { tenantId: A, clientId: null });
    assert.equal(await logins.tenant("liso-none").guessState(USERNAME, IP), undefined);
    assert.equal(await logins.tenant("liso-none").consumeLoginChallenge(a.challengeId), undefined);
  });
});

describe("a login step's first statement for an authorization request acts in the request's tenant only", () => {
  const request = (authReqId: string): LoginTarget => ({ tenantId: null, authReqId });
  const challengeLeft = async (s: Seeded) =>
    count("select count(*) as n from auth_challenge where tenant_id = ? and id = ?", [s.tenantId, s.requestChallengeId]);

  it("reads the request's tenant, client, user and throttle state, not B's", async () => {
    await untouched(t.orm, B, async () => {
      const state = await logins.target(request(a.authReqId)).guessState(USERNAME, IP);
      assert.deepEqual(state?.scope, { tenantId: A, clientId: CLIENT });
      assert.equal(state?.user?.id, a.userId);
      assert.equal(state?.user?.credential?.credentialId, `cred-${A}`);
      assert.deepEqual(await logins.target(request(b.authReqId)).scope(), { tenantId: B, clientId: CLIENT });
    });
  });

  it("an unknown or expired request reads nothing and changes nothing, in either tenant", async () => {
    for (const authReqId of ["liso-unknown", a.expiredAuthReqId]) {
      const steps = logins.target(request(authReqId));
      await untouched(t.orm, A, () =>
        untouched(t.orm, B, async () => {
          assert.equal(await steps.scope(), undefined, authReqId);
          assert.equal(await steps.guessState(USERNAME, IP), undefined, authReqId);
          assert.equal(await steps.consumeLoginChallenge(a.requestChallengeId), undefined, authReqId);
          assert.equal(await steps.consumeAndCompleteLogin(success(a.userId), a.requestChallengeId), undefined, authReqId);
        }),
      );
    }
    assert.equal(await challengeLeft(a), 1, "A's challenge is still there");
  });

  it("consumes and completes in the request's tenant: B's challenge and user are not found for A's request", async () => {
    const steps = logins.target(request(a.authReqId));
    await untouched(t.orm, B, async () => {
      const foreign = await steps.consumeLoginChallenge(b.requestChallengeId);
      assert.deepEqual(foreign?.scope, { tenantId: A, clientId: CLIENT });
      assert.equal(foreign?.challenge, undefined);
      assert.deepEqual(await steps.consumeAndCompleteLogin(success(b.userId), b.requestChallengeId), {
        scope: { tenantId: A, clientId: CLIENT },
        consumed: false,
        user: undefined,
      });
      const own = await steps.consumeAndCompleteLogin({ ...success(a.userId), authReqId: a.authReqId }, a.requestChallengeId);
      assert.deepEqual(own, { scope: { tenantId: A, clientId: CLIENT }, consumed: true, user: { isVerified: false, email: EMAIL } });
    });
    assert.equal(await challengeLeft(a), 0, "A's challenge is consumed");
    assert.equal(await challengeLeft(b), 1, "B's is not");
    assert.equal(
      await count("select count(*) as n from login_nonce where tenant_id = ? and auth_req_id = ?", [A, a.authReqId]),
      1,
      "the nonce is A's, bound to the request",
    );
  });
});

describe("registration challenges, credentials and setups see and change only their tenant", () => {
  it("a challenge of B is not consumed for A; A's is", async () => {
    const id = randomBytes(12).toString("hex");
    await reposOf(B).challenges.insert({
      id,
      purpose: "register",
      username_normalized: USERNAME,
      user_id: null,
      ke1_hash: null,
      server_state_sealed: null,
      credential_id: "c",
      auth_req_id: null,
      proto_version: "1",
      ttlSeconds: 600,
    });
    await untouched(t.orm, B, async () => {
      assert.equal(await reposOf(A).challenges.consume(id), undefined);
    });
    assert.equal((await reposOf(B).challenges.consume(id))?.credential_id, "c", "the positive control: B's own");
  });

  it("storing a credential for B's user in A does not replace B's", async () => {
    const credential = { credentialId: "new", recordSealed: randomBytes(48), protoVersion: "1" };
    await untouched(t.orm, B, async () => {
      await reposOf(A).credentials.store(b.userId, credential);
      await reposOf(A).credentials.store(a.userId, credential);
    });
    assert.equal(
      await count("select count(*) as n from user_credential where tenant_id = ? and user_id = ? and credential_id = 'new'", [A, a.userId]),
      1,
    );
  });

  it("the setup: A's own, and adding one keeps the first", async () => {
    await untouched(t.orm, B, async () => {
      const setup = await reposOf(A).credentials.setup();
      const [row] = (await run("select setup_sealed from opaque_setup where tenant_id = ?", [A])) as { setup_sealed: Buffer }[];
      assert.deepEqual(setup, row?.setup_sealed);
      await reposOf(A).credentials.addSetup(randomBytes(48));
      assert.deepEqual(await reposOf(A).credentials.setup(), setup);
    });
  });
});

describe("the account flows' codes see and change only their tenant", () => {
  it("reads: the reset candidate and the username of A's user only", async () => {
    await untouched(t.orm, B, async () => {
      const accounts = reposOf(A).accounts;
      assert.deepEqual(await accounts.resetCandidate(USERNAME, EMAIL), { id: a.userId, email: EMAIL });
      assert.equal(await accounts.usernameOf(b.userId), undefined);
      assert.equal(await accounts.usernameOf(a.userId), USERNAME);
    });
  });

  it("B's reset code is neither counted, nor taken, nor lifted for A", async () => {
    await untouched(t.orm, B, async () => {
      const accounts = reposOf(A).accounts;
      await accounts.countWrongAttempt(b.resetHash, false);
      await accounts.countWrongAttempt(b.resetHash, true);
      assert.equal(await accounts.takeResetCode(b.resetHash), false);
      await accounts.afterReset(b.userId, USERNAME);
      await accounts.countWrongAttempt(a.resetHash, false);
      assert.equal(await count("select attempts as n from one_time_code where tenant_id = ? and hash = ?", [A, a.resetHash]), 1);
    });
  });

  it("writes: A's codes only, and a reset replaces only A's", async () => {
    await untouched(t.orm, B, async () => {
      const accounts = reposOf(A).accounts;
      await accounts.issueVerificationCode(a.userId, randomBytes(32), EMAIL, 60);
      assert.equal(
        await accounts.issueResetCodeUnlessRecent(a.userId, randomBytes(32), 60, 600),
        true,
        "A's last code is older than the interval",
      );
      assert.equal(await accounts.takeResetCode(a.resetHash), false, "replaced by the new one");
      await accounts.afterReset(a.userId, USERNAME);
      assert.equal(await count("select count(*) as n from login_throttle where tenant_id = ? and kind = 'user'", [A]), 0);
    });
  });

  it("a code read by its hash alone names its own tenant", async () => {
    const code = await new CodeLookup(new UnitOfWork(t.orm.em.fork())).resetCode(b.resetHash);
    assert.equal(code?.tenantId, B);
    assert.equal(code?.userId, b.userId);
  });
});

describe("the statements these repositories send", () => {
  it("each names its tenant (or says why it reads across tenants)", () => {
    const broken = [...new Set(log.statements)].flatMap((statement) => {
      const why = untenanted(statement);
      return why ? [`${why}: ${statement.slice(0, 200)}`] : [];
    });
    assert.deepEqual(broken, []);
    const touched = new Set(log.statements.flatMap(tenantTablesOf));
    for (const table of [
      "auth_challenge",
      "login_throttle",
      "blocked_user",
      "blocked_ip",
      "login_nonce",
      "user_credential",
      "one_time_code",
    ]) {
      assert.ok(touched.has(table), `no statement reached ${table}`);
    }
  });
});
