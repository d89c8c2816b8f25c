// Throttling of login guesses (login protocol §8) with a small block_config: free attempts, then
// growing delays (429 with Retry-After), then a block listed in the blocker lists; unknown
// usernames are treated exactly like known ones; blocks are lifted by an administrator; a
// successful login resets the username's count; client addresses are blocked per tenant.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { createTenant, rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { getChallenge, type RawAnswer, RELAXED_BLOCKING, registerUser, sdk, secretOf, sleep, sql, startLogin } from "./login-helpers.js";

const USERS = "login-throttle-users";
const IPS = "login-throttle-ips";
const ELSEWHERE = "login-throttle-elsewhere";
const EXPIRING = "login-throttle-expiring";
const SECRET = secretOf("482915");
const WRONG = secretOf("482916");

const SLOW_DOWN = "Too many failed attempts: wait before trying again.";
const BLOCKED = "Too many failed attempts: this account or address is blocked. Try later or ask an administrator.";

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createTenant(server, USERS, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 2, user_block_after: 4, ip_block_after: 1000, window_seconds: 900, block_seconds: 0 },
  });
  await createTenant(server, IPS, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 3, window_seconds: 900, block_seconds: 0 },
  });
  await createTenant(server, ELSEWHERE, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await createTenant(server, EXPIRING, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 1, user_block_after: 2, ip_block_after: 1000, window_seconds: 900, block_seconds: 600 },
  });
  await registerUser(server, USERS, "victim", SECRET);
  await registerUser(server, USERS, "resetme", SECRET);
});
after(() => server.close());

/** One login guess: Get Challenge with a fresh KE1 (of a wrong secret: the outcome does not matter). */
async function guess(tenantId: string, username: string): Promise<RawAnswer> {
  const { cipherKey } = await startLogin(WRONG);
  return getChallenge(server, tenantId, { username, cipherKey });
}

/** What a client sees of an answer. */
function seen(res: RawAnswer) {
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    detail: res.status === 200 ? undefined : (res.body as { detail?: unknown }).detail,
  };
}

const backdateLastFailure = (tenantId: string, username: string) =>
  sql(
    server,
    "update login_throttle set last_failure_at = now() - interval '1 hour' where tenant_id = ? and kind = 'user' and subject = ?",
    [tenantId, username],
  );

const userCounter = async (tenantId: string, username: string) => {
  const [row] = await sql<{ failures: number }>(
    server,
    "select failures from login_throttle where tenant_id = ? and kind = 'user' and subject = ?",
    [tenantId, username],
  );
  return row?.failures;
};

/** Guesses until the block, waiting out the first delay and backdating the second. */
async function guessUntilBlocked(username: string) {
  const observed = [seen(await guess(USERS, username)), seen(await guess(USERS, username))];
  const firstDelay = seen(await guess(USERS, username));
  observed.push(firstDelay);
  await sleep(Number(firstDelay.retryAfter ?? 0) * 1000 + 100);
  observed.push(seen(await guess(USERS, username)));
  observed.push(seen(await guess(USERS, username)));
  await backdateLastFailure(USERS, username);
  observed.push(seen(await guess(USERS, username)));
  observed.push(seen(await guess(USERS, username)));
  return observed;
}

const admin = (method: string, path: string) => rest(server, server.adminKey, method, path);

type BlockedUser = { username: string; failures: number; reason: string; blocked_at: string; blocked_until?: string };
async function blockedUsers(tenantId: string): Promise<BlockedUser[]> {
  const res = await admin("GET", `/api/v1/tenants/${tenantId}/blocked-users`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { data: BlockedUser[] }).data;
}

async function blockedIps(tenantId: string): Promise<{ ip: string; failures: number }[]> {
  const res = await admin("GET", `/api/v1/tenants/${tenantId}/blocked-ips`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { data: { ip: string; failures: number }[] }).data;
}

describe("usernames", () => {
  it("get free attempts, then growing delays with Retry-After, then a block — the same for a known and an unknown username", async () => {
    const [known, unknown] = await Promise.all([guessUntilBlocked("victim"), guessUntilBlocked("ghost")]);
    const ok = { status: 200, retryAfter: null, detail: undefined };
    assert.deepEqual(known, [
      ok,
      ok,
      { status: 429, retryAfter: "1", detail: SLOW_DOWN }, // 2^(2−2) s after the 2nd failure
      ok, // after waiting 1 s
      { status: 429, retryAfter: "2", detail: SLOW_DOWN }, // 2^(3−2) s
      ok, // the 4th failure: blocked from now on
      { status: 429, retryAfter: null, detail: BLOCKED },
    ]);
    assert.deepEqual(unknown, known, "an unknown username is throttled exactly like a known one");
  });

  it("lists both blocked usernames in the tenant's blocker list, until lifted (block_seconds 0)", async () => {
    const list = await blockedUsers(USERS);
    assert.deepEqual(list.map((entry) => entry.username).sort(), ["ghost", "victim"]);
    for (const entry of list) {
      assert.equal(entry.failures, 4);
      assert.equal(entry.reason, "too many failed logins");
      assert.equal(entry.blocked_until, null, "no end: until an administrator lifts it");
    }
  });

  it("answers every Get Challenge of a blocked username with 429, without any work", async () => {
    const challenges = async () => (await sql(server, "select id from auth_challenge where tenant_id = ?", [USERS])).length;
    const before = await challenges();
    // The right secret through the SDK: refused at Get Challenge, before any key stretching.
    const error = await sdk(server, USERS)
      .login({ username: "victim", secret: SECRET })
      .then(
        () => assert.fail("a blocked user logged in"),
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof SvaultAuthError);
    assert.deepEqual([error.status, error.detail, error.retryAfter], [429, BLOCKED, undefined]);
    // A KE1 the server could not even process: still 429, not 422 — no OPAQUE work is done.
    const garbage = await getChallenge(server, USERS, { username: "victim", cipherKey: "login:AAAA" });
    assert.deepEqual(seen(garbage), { status: 429, retryAfter: null, detail: BLOCKED });
    // Case and surrounding spaces do not get around the block.
    assert.equal((await guess(USERS, "  VICTIM ")).status, 429);
    assert.equal(await challenges(), before, "no challenge was issued");
    assert.equal(await userCounter(USERS, "victim"), 4, "refused guesses are not counted");
  });

  it("lifts a block through DELETE blocked-users; the right secret then logs in, and again", async () => {
    const res = await admin("DELETE", `/api/v1/tenants/${USERS}/blocked-users?username=victim`);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.deepEqual(
      (await blockedUsers(USERS)).map((entry) => entry.username),
      ["ghost"],
    );
    const client = sdk(server, USERS);
    assert.ok((await client.login({ username: "victim", secret: SECRET })).nonce);
    assert.equal(await userCounter(USERS, "victim"), undefined, "the success reset the count");
    assert.deepEqual(
      (await blockedUsers(USERS)).map((entry) => entry.username),
      ["ghost"],
      "not blocked again",
    );
    assert.ok((await client.login({ username: "victim", secret: SECRET })).nonce);
    // Lifting the block of an unknown username works the same way.
    assert.equal((await admin("DELETE", `/api/v1/tenants/${USERS}/blocked-users?username=ghost`)).status, 204);
    assert.equal((await guess(USERS, "ghost")).status, 200);
    assert.equal((await admin("DELETE", `/api/v1/tenants/${USERS}/blocked-users?username=ghost`)).status, 404, "no longer blocked");
  });

  it("resets a username's count on a successful login", async () => {
    assert.equal((await guess(USERS, "resetme")).status, 200);
    assert.equal(await userCounter(USERS, "resetme"), 1);
    assert.ok((await sdk(server, USERS).login({ username: "resetme", secret: SECRET })).nonce);
    assert.equal(await userCounter(USERS, "resetme"), undefined, "the login_throttle row is gone");
    // Two free attempts again.
    assert.equal((await guess(USERS, "resetme")).status, 200);
    assert.equal((await guess(USERS, "resetme")).status, 200);
    assert.equal((await guess(USERS, "resetme")).status, 429);
  });
});

describe("a block with an end", () => {
  it("refuses guesses until it ends; then the username starts afresh and the block leaves the list", async () => {
    assert.equal((await guess(EXPIRING, "sleeper")).status, 200);
    await backdateLastFailure(EXPIRING, "sleeper");
    assert.equal((await guess(EXPIRING, "sleeper")).status, 200, "the 2nd failure: blocked from now on");
    const [entry] = await blockedUsers(EXPIRING);
    assert.equal(entry?.username, "sleeper");
    assert.ok(entry?.blocked_until && Date.parse(entry.blocked_until) > Date.now() + 500_000, "blocked for block_seconds");
    assert.deepEqual(seen(await guess(EXPIRING, "sleeper")), { status: 429, retryAfter: null, detail: BLOCKED });
    assert.equal(await userCounter(EXPIRING, "sleeper"), 2, "refused guesses are not counted");

    await sql(server, "update blocked_user set blocked_until = now() - interval '1 second' where tenant_id = ? and username = ?", [
      EXPIRING,
      "sleeper",
    ]);
    assert.equal((await guess(EXPIRING, "sleeper")).status, 200, "admitted once the block has ended");
    assert.deepEqual(await blockedUsers(EXPIRING), [], "the ended block is lifted");
    assert.equal(await userCounter(EXPIRING, "sleeper"), 1, "counted afresh");
  });
});

describe("client addresses", () => {
  it("are blocked after ip_block_after guesses, whatever the usernames, listed, per tenant, and can be lifted", async () => {
    for (const username of ["ip-1", "ip-2", "ip-3"]) assert.equal((await guess(IPS, username)).status, 200, username);
    const blocked = await guess(IPS, "ip-4");
    assert.deepEqual(seen(blocked), { status: 429, retryAfter: null, detail: BLOCKED });

    const [counter] = await sql<{ subject: string }>(server, "select subject from login_throttle where tenant_id = ? and kind = 'ip'", [
      IPS,
    ]);
    const ip = counter?.subject as string;
    assert.match(ip, /^(::ffff:)?127\.0\.0\.1$/);
    const list = await blockedIps(IPS);
    assert.deepEqual(
      list.map((entry) => [entry.ip, entry.failures]),
      [[ip, 3]],
    );

    // The same address is not blocked in another tenant.
    assert.equal((await guess(ELSEWHERE, "ip-1")).status, 200);

    const lifted = await admin("DELETE", `/api/v1/tenants/${IPS}/blocked-ips?ip=${encodeURIComponent(ip)}`);
    assert.equal(lifted.status, 204, JSON.stringify(lifted.body));
    assert.deepEqual(await blockedIps(IPS), []);
    // Its failures are forgotten: the next guesses are admitted and do not block it again at once.
    assert.equal((await guess(IPS, "ip-5")).status, 200);
    assert.equal((await guess(IPS, "ip-6")).status, 200);
    assert.deepEqual(await blockedIps(IPS), []);
  });
});
