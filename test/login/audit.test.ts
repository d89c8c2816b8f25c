// The audit trail (login protocol §12): every attempt lands in auth_event with its kind, outcome
// and reason, the caller's address and user agent, and the client's log_data (bounded to 4 KiB).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  forgedKe3,
  getChallenge,
  ke3Of,
  loginStep1,
  proofOf,
  sdk,
  secretOf,
  sql,
  startLogin,
  USER_AGENT,
  userIdOf,
} from "./login-helpers.js";

const TENANT = "login-audit";
const SECRET = secretOf("482915");
const WRONG = secretOf("482916");
const AGENT = "audit-agent/2.0 (tests)";
const ODD_AGENT = 'odd "agent" {a,b} \\ NULL end';

interface EventRow {
  kind: string;
  outcome: string;
  reason: string;
  username: string;
  user_id: string | null;
  ip: string;
  user_agent: string;
  client_id: string | null;
  log_data: unknown;
}

let server: TestServer;
let userId: string;
let events: EventRow[];

before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT, {
    register_enable: true,
    has_username_and_email: false,
    block_config: { user_free_attempts: 5, user_block_after: 50, ip_block_after: 100000 },
  });
  await sdk(server, TENANT).register({
    username: "audrey",
    secret: SECRET,
    protoVersion: PROTO_VERSION_LIGHT,
    logData: { step: "register" },
  });
  userId = (await userIdOf(server, TENANT, "audrey")) as string;
  const agent = { headers: { "user-agent": AGENT } };

  // 1. A successful login.
  const ok = await loginStep1(server, TENANT, "audrey", SECRET);
  const ke3 = ke3Of(server, TENANT, "audrey", SECRET, ok) as string;
  assert.equal((await authenticate(server, TENANT, proofOf("audrey", ok, ke3, { log_data: { step: "login", n: 1 } }), agent)).status, 200);
  // 2. Its replay.
  assert.equal((await authenticate(server, TENANT, proofOf("audrey", ok, ke3, { log_data: { step: "replay" } }))).status, 401);
  // 3. A wrong secret.
  const wrong = await loginStep1(server, TENANT, "audrey", WRONG);
  assert.equal((await authenticate(server, TENANT, proofOf("audrey", wrong, forgedKe3(), { log_data: { step: "wrong" } }))).status, 401);
  // 4. An unknown user.
  const ghost = await loginStep1(server, TENANT, "ghost", SECRET);
  assert.equal((await authenticate(server, TENANT, proofOf("ghost", ghost, forgedKe3()))).status, 401);
  // 5. Another KE1 at Authenticate.
  const mismatch = await loginStep1(server, TENANT, "audrey", SECRET);
  const other = await startLogin(SECRET);
  const mismatchKe3 = ke3Of(server, TENANT, "audrey", SECRET, mismatch) as string;
  assert.equal((await authenticate(server, TENANT, proofOf("audrey", mismatch, mismatchKe3, { cipherKey: other.cipherKey }))).status, 401);
  // 6. Another username at Authenticate.
  const swapped = await loginStep1(server, TENANT, "audrey", SECRET);
  const swappedKe3 = ke3Of(server, TENANT, "audrey", SECRET, swapped) as string;
  assert.equal((await authenticate(server, TENANT, proofOf("mallory", swapped, swappedKe3))).status, 401);
  // 7. A successful login with more than 4 KiB of log_data.
  const big = await loginStep1(server, TENANT, "audrey", SECRET);
  const bigKe3 = ke3Of(server, TENANT, "audrey", SECRET, big) as string;
  const bigRes = await authenticate(server, TENANT, proofOf("audrey", big, bigKe3, { log_data: { blob: "x".repeat(4100) } }));
  assert.equal(bigRes.status, 200, JSON.stringify(bigRes.body));
  // 8. A throttled guess: the 6th of a username within its 5 free attempts.
  for (let i = 0; i < 5; i++)
    assert.equal((await getChallenge(server, TENANT, { username: "hammer", cipherKey: other.cipherKey })).status, 200);
  assert.equal((await getChallenge(server, TENANT, { username: "hammer", cipherKey: other.cipherKey })).status, 429);

  // 9. A wrong secret whose log_data holds NUL characters (which jsonb refuses), from a user agent
  // full of the characters that Postgres array literals quote — written in the same batch as the rest.
  const odd = await loginStep1(server, TENANT, "audrey", WRONG);
  const oddData = { note: "before\u0000after", "key\u0000": "v", literal: "\\u0000" };
  const oddAgent = { headers: { "user-agent": ODD_AGENT } };
  assert.equal((await authenticate(server, TENANT, proofOf("audrey", odd, forgedKe3(), { log_data: oddData }), oddAgent)).status, 401);

  await server.running.events.flush();
  events = await sql<EventRow>(
    server,
    "select kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data from auth_event where tenant_id = ? order by id",
    [TENANT],
  );
});
after(() => server.close());

describe("the auth_event table", () => {
  it("records every attempt in order, with its kind, outcome and reason", () => {
    const challenge = ["challenge", "success", "challenge_issued"];
    assert.deepEqual(
      events.map((e) => [e.kind, e.outcome, e.reason, e.username]),
      [
        ["register", "success", "", "audrey"],
        [...challenge, "audrey"],
        ["authenticate", "success", "authenticated", "audrey"],
        ["authenticate", "failure", "unknown_or_expired_challenge", "audrey"],
        [...challenge, "audrey"],
        ["authenticate", "failure", "wrong_secret", "audrey"],
        [...challenge, "ghost"],
        ["authenticate", "failure", "unknown_user", "ghost"],
        [...challenge, "audrey"],
        ["authenticate", "failure", "ke1_mismatch", "audrey"],
        [...challenge, "audrey"],
        ["authenticate", "failure", "username_mismatch", "mallory"],
        [...challenge, "audrey"],
        ["authenticate", "success", "authenticated", "audrey"],
        ...Array.from({ length: 5 }, () => [...challenge, "hammer"]),
        ["challenge", "failure", "throttled", "hammer"],
        [...challenge, "audrey"],
        ["authenticate", "failure", "wrong_secret", "audrey"],
      ],
    );
  });

  it("names the user where one is known, and never for an unknown username", () => {
    const named = (reason: string) => events.filter((e) => e.username === "audrey" && e.reason === reason);
    for (const reason of ["", "challenge_issued", "authenticated", "wrong_secret"]) {
      assert.ok(named(reason).length > 0, reason);
      for (const event of named(reason)) assert.equal(event.user_id, userId, `${event.kind} ${reason}`);
    }
    for (const event of events.filter((e) => ["ghost", "mallory", "hammer"].includes(e.username))) {
      assert.equal(event.user_id, null, `${event.kind} ${event.reason} ${event.username}`);
    }
  });

  it("records the caller's address and user agent", () => {
    const [ip] = events.map((e) => e.ip);
    assert.match(ip as string, /^(::ffff:)?127\.0\.0\.1$/);
    for (const event of events) assert.equal(event.ip, ip);
    const agents = events.map((e) => e.user_agent);
    const last = agents.length - 1;
    assert.equal(agents[2], AGENT, "the successful Authenticate's own user agent");
    assert.equal(agents[last], ODD_AGENT, "verbatim, quotes, braces, commas and backslash included");
    const others = agents.filter((_, i) => i !== 2 && i !== last);
    assert.deepEqual(
      others,
      others.map(() => USER_AGENT),
    );
    for (const event of events) assert.equal(event.client_id, null, "no authorization request, no client");
  });

  it("keeps the client's log_data from Register and Authenticate", () => {
    const logData = events.map((e) => e.log_data);
    assert.deepEqual(logData[0], { step: "register" });
    assert.deepEqual(logData[2], { step: "login", n: 1 });
    assert.deepEqual(logData[3], { step: "replay" });
    assert.deepEqual(logData[5], { step: "wrong" });
    assert.equal(logData[7], null, "none sent");
    for (const event of events.filter((e) => e.kind === "challenge")) assert.equal(event.log_data, null);
  });

  it("keeps log_data holding NUL characters, each replaced by U+FFFD (a literal backslash-u0000 stays as it is)", () => {
    assert.deepEqual(events.at(-1)?.log_data, { note: "before\ufffdafter", "key\ufffd": "v", literal: "\\u0000" });
  });

  it("replaces log_data larger than 4 KiB with {truncated: true}", () => {
    assert.deepEqual(events[13]?.log_data, { truncated: true });
  });
});
