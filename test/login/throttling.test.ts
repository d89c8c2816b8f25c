// Throttling of login guesses (login protocol §8) with a small block_config: free attempts, then
// growing delays (429 with Retry-After), then a block listed in the blocker lists; unknown
// usernames are treated exactly like known ones; blocks are lifted by an administrator or end; a
// successful login resets the username's count; client addresses are blocked per tenant. Parallel
// bursts, spread over two instances of the service, get no guess past a limit or a delay.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { createTenant, rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { getChallenge, type RawAnswer, RELAXED_BLOCKING, registerUser, sdk, secretOf, sql, startLogin } from "./login-helpers.js";

const USERS = "login-throttle-users";
const IPS = "login-throttle-ips";
const ELSEWHERE = "login-throttle-elsewhere";
const EXPIRING = "login-throttle-expiring";
const EXPIRING_IP = "login-throttle-expiring-ip";
const BURST_USER = "login-throttle-burst-user";
const BURST_DELAY = "login-throttle-burst-delay";
const BURST_IP = "login-throttle-burst-ip";
const SECRET = secretOf("482915");
const WRONG = secretOf("482916");

const SLOW_DOWN = "Too many failed attempts: wait before trying again.";
const BLOCKED = "Too many failed attempts: this account or address is blocked. Try later or ask an administrator.";

let server: TestServer;
/** A second instance of the service on the same database: bursts are spread over both. */
let second: TestServer;
before(async () => {
  server = await startTestServer();
  second = await startTestServer({ instanceOf: server, env: { DATABASE_PIPELINES: "0" } });
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
  await createTenant(server, EXPIRING_IP, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 2, window_seconds: 900, block_seconds: 600 },
  });
  await createTenant(server, BURST_USER, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 100000, window_seconds: 900, block_seconds: 0 },
  });
  await createTenant(server, BURST_DELAY, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 1, user_block_after: 100, ip_block_after: 100000, window_seconds: 900, block_seconds: 0 },
  });
  await createTenant(server, BURST_IP, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 0 },
  });
  await registerUser(server, USERS, "victim", SECRET);
  await registerUser(server, USERS, "resetme", SECRET);
});
after(async () => {
  await second?.close();
  await server?.close();
});

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

/** svault_throttled_total of the login throttle's refusals, from the server's metrics. */
async function throttledCounts(): Promise<{ SLOW_DOWN: number; BLOCKED: number }> {
  const metric = server.running.metrics.registry.getSingleMetric("svault_throttled_total");
  assert.ok(metric, "the throttle's metric is registered");
  const { values } = await metric.get();
  const count = (reason: string) => values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { SLOW_DOWN: count("SLOW_DOWN"), BLOCKED: count("BLOCKED") };
}

/** Guesses until the block, backdating the last failure past each delay (no waiting). */
async function guessUntilBlocked(username: string) {
  const observed = [seen(await guess(USERS, username)), seen(await guess(USERS, username))];
  observed.push(seen(await guess(USERS, username)));
  await backdateLastFailure(USERS, username);
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
    const throttledBefore = await throttledCounts();
    const [known, unknown] = await Promise.all([guessUntilBlocked("victim"), guessUntilBlocked("ghost")]);
    const ok = { status: 200, retryAfter: null, detail: undefined };
    assert.deepEqual(known, [
      ok,
      ok,
      { status: 429, retryAfter: "1", detail: SLOW_DOWN }, // 2^(2−2) s after the 2nd failure
      ok, // once the delay is over
      { status: 429, retryAfter: "2", detail: SLOW_DOWN }, // 2^(3−2) s
      ok, // the 4th failure: blocked from now on
      { status: 429, retryAfter: null, detail: BLOCKED },
    ]);
    assert.deepEqual(unknown, known, "an unknown username is throttled exactly like a known one");
    // GET /metrics counts the refusals by kind: two delays and one block per username.
    const throttledAfter = await throttledCounts();
    assert.deepEqual([throttledAfter.SLOW_DOWN - throttledBefore.SLOW_DOWN, throttledAfter.BLOCKED - throttledBefore.BLOCKED], [4, 2]);
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

  it("of an address: refuses its guesses until it ends; then the address starts afresh, within its window too", async () => {
    assert.equal((await guess(EXPIRING_IP, "first")).status, 200);
    assert.equal((await guess(EXPIRING_IP, "second")).status, 200, "the 2nd failure: blocked from now on");
    assert.deepEqual(seen(await guess(EXPIRING_IP, "third")), { status: 429, retryAfter: null, detail: BLOCKED });
    assert.equal((await blockedIps(EXPIRING_IP)).length, 1);

    await sql(server, "update blocked_ip set blocked_until = now() - interval '1 second' where tenant_id = ?", [EXPIRING_IP]);
    assert.equal((await guess(EXPIRING_IP, "third")).status, 200, "admitted once the block has ended");
    assert.deepEqual(await blockedIps(EXPIRING_IP), [], "the ended block is lifted");
    const [counter] = await sql<{ failures: number }>(server, "select failures from login_throttle where tenant_id = ? and kind = 'ip'", [
      EXPIRING_IP,
    ]);
    assert.equal(counter?.failures, 1, "counted afresh");
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

/** `count` Get Challenges sent at once, alternately to both instances, the KE1s made beforehand: what each caller saw. */
async function burst(count: number, tenantId: string, usernameOf: (i: number) => string) {
  const ke1s = await Promise.all(Array.from({ length: count }, () => startLogin(WRONG)));
  const answers = await Promise.all(
    ke1s.map(({ cipherKey }, i) => getChallenge(i % 2 === 0 ? server : second, tenantId, { username: usernameOf(i), cipherKey })),
  );
  return answers.map(seen);
}

const tally = (answers: ReturnType<typeof seen>[]) => {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = `${a.status} ${a.detail ?? ""}`.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort());
};

/** A username with `failures` failures, the last an hour ago. */
const seedFailures = (tenantId: string, username: string, failures: number) =>
  sql(
    server,
    `insert into login_throttle (tenant_id, kind, subject, failures, window_start, last_failure_at)
     values (?, 'user', ?, ?, now(), now() - interval '1 hour')`,
    [tenantId, username, failures],
  );

describe("parallel bursts", () => {
  it("admit no guess of one username past user_block_after, however many arrive at once", async () => {
    // 9 failures, the last long ago: one guess is due, and it reaches the block.
    await seedFailures(BURST_USER, "target", 9);
    const answers = await burst(100, BURST_USER, () => "target");
    assert.deepEqual(tally(answers), { "200": 1, [`429 ${BLOCKED}`]: 99 });
    assert.equal(await userCounter(BURST_USER, "target"), 10, "the refused guesses are not counted");
    assert.deepEqual(
      (await blockedUsers(BURST_USER)).map((entry) => [entry.username, entry.failures]),
      [["target", 10]],
    );
    const challenges = await sql(server, "select id from auth_challenge where tenant_id = ?", [BURST_USER]);
    assert.equal(challenges.length, 1, "a challenge only for the admitted guess");
  });

  it("hold the delay: after the free attempts one guess per delay, the others 429 with Retry-After", async () => {
    // 9 failures, the last long ago: the next guess is due (its delay, 2^(9−1) s, has passed).
    await seedFailures(BURST_DELAY, "slow", 9);
    const answers = await burst(60, BURST_DELAY, () => "slow");
    assert.deepEqual(tally(answers), { "200": 1, [`429 ${SLOW_DOWN}`]: 59 });
    for (const answer of answers.filter((a) => a.status === 429)) {
      // The 10th failure asks for 2^(10−1) s, at most 300 s.
      assert.ok(Number(answer.retryAfter) > 290 && Number(answer.retryAfter) <= 300, `Retry-After ${answer.retryAfter}`);
    }
    assert.equal(await userCounter(BURST_DELAY, "slow"), 10);
  });

  it("admit exactly ip_block_after guesses from one address, whatever the usernames", async () => {
    const answers = await burst(150, BURST_IP, (i) => `spray-${i}`);
    assert.deepEqual(tally(answers), { "200": 50, [`429 ${BLOCKED}`]: 100 });
    assert.deepEqual(
      (await blockedIps(BURST_IP)).map((entry) => entry.failures),
      [50],
    );
    const [users] = await sql<{ n: number }>(
      server,
      "select count(*)::int as n from login_throttle where tenant_id = ? and kind = 'user'",
      [BURST_IP],
    );
    assert.equal(users?.n, 50, "only the admitted guesses count for their usernames");
  });
});
