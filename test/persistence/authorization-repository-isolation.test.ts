// Sign In's login steps at the repository: the steps of a presented nonce are exactly the live
// nonces of its user and request in the repository's tenant — never another tenant's (even with
// the same request id and nonce), another user's, another request's, or an expired one — and
// consuming them removes exactly those.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import type { AuthorizationRepository } from "../../src/persistence/repositories/authorization-repository.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
const A = "steps-a";
const B = "steps-b";
const REQUEST = "the-same-request-id";

const query = (text: string, params: unknown[] = []) => t.orm.em.getConnection().execute(text, params);
const repositoryOf = (tenantId: string): AuthorizationRepository =>
  new TenantRepositories(new UnitOfWork(t.orm.em.fork()), tenantId).authorization;

async function user(tenantId: string, username: string): Promise<string> {
  const id = randomUUID();
  await query(
    `insert into app_user (id, tenant_id, username, username_normalized, is_disabled, is_verified, locale, roles, created_at, updated_at)
     values (?, ?, ?, ?, false, true, '', '[]'::jsonb, now(), now())`,
    [id, tenantId, username, username],
  );
  return id;
}

async function nonce(
  tenantId: string,
  userId: string,
  amr: string[],
  options: { request?: string; expired?: boolean } = {},
): Promise<Buffer> {
  const hash = randomBytes(32);
  await query(
    `insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
     values (?, ?, ?, ?, ?::jsonb, now() + (? * interval '1 minute'), now())`,
    [hash, tenantId, userId, options.request ?? REQUEST, JSON.stringify(amr), options.expired ? -1 : 5],
  );
  return hash;
}

const nonceCount = async (tenantId: string) =>
  Number(((await query("select count(*) as n from login_nonce where tenant_id = ?", [tenantId])) as { n: string }[])[0]?.n);

before(async () => {
  t = await openTestOrm();
  const em = t.orm.em.fork();
  for (const id of [A, B]) {
    em.create(TenantEntity, {
      id,
      blockConfig: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 },
      loginOrder: ["PIN"],
    });
  }
  await em.flush();
});
after(() => t.close());

describe("the login steps of a presented nonce", () => {
  it("are the live nonces of its user and request in the repository's tenant, and only those are consumed", async () => {
    const alice = await user(A, "alice");
    const bob = await user(A, "bob");
    const carol = await user(B, "carol");
    const pin = await nonce(A, alice, ["pin"]);
    await nonce(A, alice, ["hwk", "user"]);
    await nonce(A, alice, ["swk"], { request: "another-request" });
    await nonce(A, alice, ["face"], { expired: true });
    await nonce(A, bob, ["hwk"]);
    const foreign = await nonce(B, carol, ["pin"]);
    await nonce(B, carol, ["hwk"]);

    const repository = repositoryOf(A);
    assert.deepEqual(await repository.loginSteps(foreign, REQUEST), [], "another tenant's nonce names nothing here");
    assert.deepEqual(await repository.consumeLoginSteps(foreign, REQUEST), []);
    assert.equal(await nonceCount(B), 2, "tenant B's nonces are untouched");

    const steps = await repository.loginSteps(pin, REQUEST);
    assert.deepEqual(
      steps.map((step) => ({ ...step, amr: step.amr.join(" ") })).sort((x, y) => x.amr.localeCompare(y.amr)),
      [
        { userId: alice, amr: "hwk user", presented: false },
        { userId: alice, amr: "pin", presented: true },
      ],
    );
    assert.equal(await nonceCount(A), 5, "reading consumed nothing");

    const consumed = await repository.consumeLoginSteps(pin, REQUEST);
    assert.equal(consumed.length, 2);
    assert.equal(await nonceCount(A), 3, "bob's, the other request's and the expired nonce remain");
    assert.deepEqual(await repository.consumeLoginSteps(pin, REQUEST), [], "consumed once");
    assert.equal(await nonceCount(B), 2);
  });
});
