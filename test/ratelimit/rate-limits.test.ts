// Rate limits outside the login (docs/operations.md, "Rate limits"), as clients see them: bursts
// over real HTTP (and Connect, gRPC) spread over two instances of the service on one database,
// with small limits and a clock that the test moves on instead of waiting. Each caller presents
// its own client address (X-Forwarded-For behind one trusted proxy), so that the tests do not
// share counters and an unrelated address shows that legitimate traffic goes on.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import * as opaque from "@serenity-kit/opaque";
import { TenantService } from "../../gen/svault/tenant/v1/tenant_service_pb.js";
import { issueApiKey, parseApiKey } from "../../src/domain/auth/api-key-secret.js";
import { registerCipherKey } from "../../src/sdk/challenge-data.js";
import { createTenant, grpcClient, rest, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertOAuthError, basicAuth, type RawAnswer, send } from "../oidc/support.js";

const TENANT = "rate-limits";
const LIMITS = {
  RATE_LIMIT_CLIENT_FAILURES: "5/60",
  RATE_LIMIT_KEY_FAILURES: "5/60",
  RATE_LIMIT_ADDRESS_FAILURES: "12/60",
  RATE_LIMIT_REGISTRATION_CHALLENGES: "10/60",
  RATE_LIMIT_RESET_REQUESTS: "3/300",
  TRUST_PROXY_HOPS: "1",
};

/** The time both instances' rate limits go by: it stands still unless the test moves it on. */
const start = Date.now();
let clockOffsetMs = 0;
const clock = () => start + clockOffsetMs;

let first: TestServer;
let second: TestServer;
let clientSecret: string;
before(async () => {
  first = await startTestServer({ env: LIMITS, clock });
  second = await startTestServer({ instanceOf: first, env: { ...LIMITS, DATABASE_PIPELINES: "0" }, clock });
  await createTenant(first, TENANT, { register_enable: true, has_username_and_email: false });
  const created = await rest(first, first.adminKey, "POST", "/api/v1/clients", {
    tenant_id: TENANT,
    client_id: "backend",
    name: "backend",
    redirect_uris: ["http://localhost:4000/callback"],
    flow: { grant_types: ["client_credentials"] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  clientSecret = (created.body as { client_secret: string }).client_secret;
});
after(async () => {
  await second?.close();
  await first?.close();
});

let addresses = 0;
/** A client address no other test uses (TEST-NET-3). */
const newAddress = () => `203.0.113.${++addresses}`;
const instance = (i: number) => (i % 2 === 0 ? first : second);

/** `count` requests at once, alternately at both instances. */
const burst = (count: number, request: (at: TestServer, i: number) => Promise<RawAnswer>) =>
  Promise.all(Array.from({ length: count }, (_, i) => request(instance(i), i)));

const statuses = (answers: readonly RawAnswer[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

/** A 429's Retry-After: present, within the window. */
function assertRetryAfter(res: RawAnswer, windowSeconds: number): void {
  const value = Number(res.headers.get("retry-after"));
  assert.ok(Number.isInteger(value) && value >= 1 && value <= windowSeconds, `Retry-After ${res.headers.get("retry-after")}`);
}

const token = (at: TestServer, address: string, secret: string, clientId = "backend") =>
  send(`${at.config.publicUrl}/${TENANT}/token`, {
    form: { grant_type: "client_credentials" },
    headers: { authorization: basicAuth(clientId, secret), "x-forwarded-for": address },
  });

const admin = (at: TestServer, address: string, credentials: Record<string, string>) =>
  send(`${at.baseUrl}/api/v1/tenants/${TENANT}`, { headers: { ...credentials, "x-forwarded-for": address } });

const userinfo = (at: TestServer, address: string, accessToken: string) =>
  send(`${at.config.publicUrl}/${TENANT}/userinfo`, { headers: { authorization: `Bearer ${accessToken}`, "x-forwarded-for": address } });

const wrongSecretOf = (key: string) => `svk_${parseApiKey(key)?.id}_${"A".repeat(43)}`;
const garbageToken = (i: number) => `eyJhbGciOiJFZERTQSJ9.garbage-${i}.c2lnbmF0dXJl`;

async function registrationChallenge(at: TestServer, address: string): Promise<RawAnswer> {
  await opaque.ready;
  const { registrationRequest } = opaque.client.startRegistration({ password: "pinpat/v1|PIN:135790" });
  return send(`${at.baseUrl}/api/v1/auth/challenge?tenant_id=${TENANT}`, {
    method: "POST",
    body: JSON.stringify({ username: "newcomer", cipherKey: registerCipherKey(registrationRequest) }),
    headers: { "content-type": "application/json", "x-forwarded-for": address },
  });
}

const resetRequest = (at: TestServer, address: string) =>
  send(`${at.baseUrl}/api/v1/auth/reset-password?tenant_id=${TENANT}`, {
    method: "POST",
    body: JSON.stringify({ username: "someone", email: "someone@example.com" }),
    headers: { "content-type": "application/json", "x-forwarded-for": address },
  });

const counters = async (subject: string) =>
  (await first.running.database.orm.em
    .getConnection()
    .execute("select kind, hits from rate_limit where subject = ? order by kind", [subject])) as { kind: string; hits: number }[];

describe("failed client authentications", () => {
  it("are answered invalid_client up to the client's limit, then 429 slow_down with Retry-After, at both instances", async () => {
    const answers = await burst(30, (at) => token(at, newAddress(), "not-the-secret"));
    assert.deepEqual(statuses(answers), { 401: 5, 429: 25 });
    for (const res of answers) {
      if (res.status === 401) assertOAuthError(res, 401, "invalid_client");
      else {
        assertOAuthError(res, 429, "slow_down");
        assertRetryAfter(res, 60);
      }
    }
    assert.deepEqual(await counters("backend"), [{ kind: "client_failures", hits: 30 }]);
  });

  it("never lock out the holder of the real secret, and successes are not counted", async () => {
    const address = newAddress();
    const answers = await burst(40, (at) => token(at, address, clientSecret));
    assert.deepEqual(statuses(answers), { 200: 40 });
    assert.deepEqual(await counters(address), [], "nothing counted for successes");
  });
});

describe("failed authentications from one address", () => {
  it("count across clients, API keys and access tokens; past the limit the address is refused outright, others go on", async () => {
    const attacker = newAddress();
    const failures = [
      (at: TestServer, i: number) => token(at, attacker, "wrong", `unknown-client-${i}`),
      // A well-formed API key that was never issued.
      (at: TestServer) => admin(at, attacker, { "x-api-key": issueApiKey().key }),
      (at: TestServer, i: number) => admin(at, attacker, { authorization: `Bearer ${garbageToken(i)}` }),
    ];
    const answers = await burst(30, (at, i) => (failures[i % 3] as (typeof failures)[number])(at, i));
    assert.deepEqual(statuses(answers), { 401: 12, 429: 18 });
    for (const res of answers.filter((a) => a.status === 429)) assertRetryAfter(res, 60);
    // One more failure at each instance: both have now counted the address past its limit.
    for (const at of [first, second]) assert.equal((await token(at, attacker, "wrong", "unknown-client")).status, 429);

    // Refused outright: the right client secret, a valid API key — at both instances.
    for (const at of [first, second]) {
      assertOAuthError(await token(at, attacker, clientSecret), 429, "slow_down");
      const res = await admin(at, attacker, { "x-api-key": at.adminKey });
      assert.equal(res.status, 429);
      assert.deepEqual(res.body, { detail: "Too many failed authentications from this address." });
      assertRetryAfter(res, 60);
    }
    // Another address is not affected.
    const bystander = newAddress();
    for (const at of [first, second]) {
      assert.equal((await token(at, bystander, clientSecret)).status, 200);
      assert.equal((await admin(at, bystander, { "x-api-key": at.adminKey })).status, 200);
    }
  });

  it("with garbage bearer tokens at the admin API: 401 up to the limit, then 429 {detail} with Retry-After", async () => {
    const attacker = newAddress();
    const answers = await burst(30, (at, i) => admin(at, attacker, { authorization: `Bearer ${garbageToken(i)}` }));
    assert.deepEqual(statuses(answers), { 401: 12, 429: 18 });
    for (const res of answers.filter((a) => a.status === 429)) {
      assert.deepEqual(res.body, { detail: "Too many failed authentications from this address." });
      assertRetryAfter(res, 60);
    }
  });

  it("with garbage bearer tokens at userinfo: invalid_token up to the limit, then 429 slow_down", async () => {
    const attacker = newAddress();
    const answers = await burst(30, (at, i) => userinfo(at, attacker, garbageToken(i)));
    assert.deepEqual(statuses(answers), { 401: 12, 429: 18 });
    for (const res of answers) {
      if (res.status === 401) assertOAuthError(res, 401, "invalid_token");
      else assertOAuthError(res, 429, "slow_down");
    }
  });
});

describe("failed authentications with one API key id", () => {
  it("are answered 401 up to the key's limit, then 429 on every protocol; the real key still works", async () => {
    const wrong = wrongSecretOf(first.adminKey);
    const answers = await burst(20, (at) => admin(at, newAddress(), { "x-api-key": wrong }));
    assert.deepEqual(statuses(answers), { 401: 5, 429: 15 });
    for (const res of answers.filter((a) => a.status === 429)) {
      assert.deepEqual(res.body, { detail: "Too many failed authentications with this API key." });
      assertRetryAfter(res, 60);
    }
    // Sent as a bearer token (as SCIM clients do), and over Connect and gRPC.
    assert.equal((await admin(second, newAddress(), { authorization: `Bearer ${wrong}` })).status, 429);
    const connect = await send(`${first.baseUrl}/svault.tenant.v1.TenantService/GetTenant`, {
      method: "POST",
      body: JSON.stringify({ tenantId: TENANT }),
      headers: { "content-type": "application/json", "x-api-key": wrong, "x-forwarded-for": newAddress() },
    });
    assert.equal(connect.status, 429);
    assert.equal((connect.body as { code: string }).code, "resource_exhausted");
    assertRetryAfter(connect, 60);
    const grpc = await grpcClient(second, TenantService)
      .getTenant({ tenantId: TENANT }, withKey(wrong))
      .then(
        () => assert.fail("a wrong key was accepted"),
        (error: unknown) => ConnectError.from(error),
      );
    assert.equal(grpc.code, Code.ResourceExhausted);
    assert.match(grpc.metadata.get("retry-after") ?? "", /^\d+$/);

    // Whoever holds the real key is not locked out.
    for (const at of [first, second]) assert.equal((await admin(at, newAddress(), { "x-api-key": at.adminKey })).status, 200);
  });
});

describe("registration challenges", () => {
  it("are limited per address: exactly the limit issued, the rest 429 with Retry-After; others go on", async () => {
    const address = newAddress();
    const answers = await burst(25, (at) => registrationChallenge(at, address));
    assert.deepEqual(statuses(answers), { 200: 10, 429: 15 });
    for (const res of answers.filter((a) => a.status === 429)) {
      assert.deepEqual(res.body, { detail: "Too many registration challenges from this address." });
      assertRetryAfter(res, 60);
    }
    const [stored] = (await first.running.database.orm.em
      .getConnection()
      .execute("select count(*)::int as n from auth_challenge where tenant_id = ? and purpose = 'register'", [TENANT])) as { n: number }[];
    assert.equal(stored?.n, 10, "a challenge stored only for the admitted requests");
    assert.equal((await registrationChallenge(second, newAddress())).status, 200);
  });
});

describe("reset-password requests", () => {
  it("are limited per address, against mail bombing", async () => {
    const address = newAddress();
    const answers = await burst(8, (at) => resetRequest(at, address));
    assert.deepEqual(statuses(answers), { 200: 3, 429: 5 });
    for (const res of answers.filter((a) => a.status === 429)) {
      assert.deepEqual(res.body, { detail: "Too many reset requests from this address." });
      assertRetryAfter(res, 300);
    }
    assert.equal((await resetRequest(first, newAddress())).status, 200);
  });
});

describe("a window", () => {
  it("ends: the refused address and client are admitted again, and their counts start afresh", async () => {
    const attacker = newAddress();
    await burst(14, (at, i) => token(at, attacker, "wrong", `unknown-client-${i}`));
    for (const at of [first, second]) assert.equal((await token(at, attacker, "wrong", "unknown-client")).status, 429);
    for (const at of [first, second]) assert.equal((await token(at, attacker, clientSecret)).status, 429, "refused outright");

    clockOffsetMs += 61_000;
    for (const at of [first, second]) assert.equal((await token(at, attacker, clientSecret)).status, 200, "the window has ended");
    assertOAuthError(await token(first, attacker, "wrong"), 401, "invalid_client");
    assert.deepEqual(await counters(attacker), [{ kind: "address_failures", hits: 1 }], "counted afresh");
    assert.deepEqual(await counters("backend"), [{ kind: "client_failures", hits: 1 }], "the client's count started afresh as well");
  });
});
