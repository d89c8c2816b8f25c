// Who may register, and what registration requires (login protocol §5, §6): the tenant's and the
// client's register_enable, the authorization request naming the tenant, e-mail addresses where
// the tenant keeps them, and unique usernames and e-mails under concurrent registrations.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { createTenant, violationLocs } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  countUsers,
  createClient,
  getChallenge,
  insertAuthRequest,
  prepareRegistration,
  RELAXED_BLOCKING,
  register,
  registrationBody,
  sdk,
  secretOf,
  sql,
  startLogin,
  userIdOf,
} from "./login-helpers.js";

const OPEN = "login-reg-open";
const CLOSED = "login-reg-closed";
const MAIL = "login-reg-mail";
const SECRET = secretOf("482915");
const OTHER_SECRET = secretOf("730148", [2, 4, 6, 1]);

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createTenant(server, OPEN, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await createTenant(server, CLOSED, { register_enable: false, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await createTenant(server, MAIL, { register_enable: true, has_username_and_email: true, block_config: RELAXED_BLOCKING });
  await createClient(server, OPEN, "closed-app", { register_enable: false });
  await createClient(server, OPEN, "open-app", { register_enable: true });
  await createClient(server, CLOSED, "eager-app", { register_enable: true });
});
after(() => server.close());

/** The SvaultAuthError a call rejects with. */
async function refusal(promise: Promise<unknown>): Promise<SvaultAuthError> {
  const error = await promise.then(
    () => assert.fail("the call succeeded"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SvaultAuthError, String(error));
  return error;
}

const registerVia = (tenantId: string, username: string, options: { authReqId?: string; email?: string; secret?: string } = {}) =>
  sdk(server, tenantId, options.authReqId ? { authReqId: options.authReqId } : {}).register({
    username,
    email: options.email,
    secret: options.secret ?? SECRET,
    protoVersion: PROTO_VERSION_LIGHT,
  });

describe("registration is allowed only where it is open", () => {
  it("refuses a tenant without register_enable with 403 and a detail, and creates no user", async () => {
    const error = await refusal(registerVia(CLOSED, "newcomer"));
    assert.equal(error.status, 403);
    assert.equal(error.detail, "Registration is not open here");
    assert.equal(await countUsers(server, CLOSED), 0);
  });

  it("answers Register itself with 403 {detail} on the wire", async () => {
    const prepared = await prepareRegistration(server, CLOSED, "wire-newcomer", SECRET);
    const res = await register(server, CLOSED, registrationBody("wire-newcomer", prepared.commitment));
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, { detail: "Registration is not open here" });
    assert.equal(await countUsers(server, CLOSED), 0);
  });

  it("refuses an authorization request of a client without register_enable with 403, in an open tenant", async () => {
    const authReqId = await insertAuthRequest(server, OPEN, "closed-app");
    const error = await refusal(registerVia(OPEN, "via-closed-app", { authReqId }));
    assert.equal(error.status, 403);
    assert.equal(typeof error.detail, "string");
    assert.equal(await userIdOf(server, OPEN, "via-closed-app"), undefined);
  });

  it("refuses a closed tenant even when the client's register_enable is set", async () => {
    const authReqId = await insertAuthRequest(server, CLOSED, "eager-app");
    assert.equal((await refusal(registerVia(CLOSED, "via-eager-app", { authReqId }))).status, 403);
    assert.equal(await countUsers(server, CLOSED), 0);
  });

  it("registers through an authorization request of a client with register_enable, in its tenant", async () => {
    const authReqId = await insertAuthRequest(server, OPEN, "open-app");
    await registerVia(OPEN, "via-open-app", { authReqId });
    assert.ok(await userIdOf(server, OPEN, "via-open-app"));
    const login = await sdk(server, OPEN, { authReqId }).login({ username: "via-open-app", secret: SECRET });
    assert.ok(login.nonce);
  });

  it("answers 404 for an unknown or expired auth_req_id, at Get Challenge and at Register", async () => {
    const unknown = await refusal(registerVia(OPEN, "via-nowhere", { authReqId: "no-such-request" }));
    assert.equal(unknown.status, 404);
    assert.equal(typeof unknown.detail, "string");

    const prepared = await prepareRegistration(server, OPEN, "via-nowhere", SECRET);
    const res = await register(server, undefined, registrationBody("via-nowhere", prepared.commitment), { authReqId: "no-such-request" });
    assert.equal(res.status, 404);
    assert.equal(typeof (res.body as { detail: unknown }).detail, "string");

    const expired = await insertAuthRequest(server, OPEN, "open-app");
    await sql(server, "update auth_request set expires_at = now() - interval '1 second' where id = ?", [expired]);
    const { cipherKey } = await startLogin(SECRET);
    assert.equal((await getChallenge(server, undefined, { username: "via-nowhere", cipherKey }, { authReqId: expired })).status, 404);
    assert.equal(await userIdOf(server, OPEN, "via-nowhere"), undefined);
  });
});

describe("a tenant that keeps e-mail addresses", () => {
  it("requires an e-mail address: 422 at body.email, and no user", async () => {
    const prepared = await prepareRegistration(server, MAIL, "no-mail", SECRET);
    const res = await register(server, MAIL, registrationBody("no-mail", prepared.commitment));
    assert.deepEqual(violationLocs(res), [["body", "email"]]);
    assert.equal(await userIdOf(server, MAIL, "no-mail"), undefined);
    const viaSdk = await refusal(registerVia(MAIL, "no-mail"));
    assert.equal(viaSdk.status, 422);
    assert.deepEqual(
      viaSdk.violations.map((v) => v.loc),
      [["body", "email"]],
    );
  });
});

describe("concurrent registrations", () => {
  it("of the same username: exactly one wins, the other gets 409", async () => {
    const outcomes = await Promise.allSettled([
      registerVia(OPEN, "Contested", { secret: SECRET }),
      registerVia(OPEN, "contested", { secret: OTHER_SECRET }),
    ]);
    const statuses = outcomes.map((o) => (o.status === "fulfilled" ? 200 : (o.reason as SvaultAuthError).status));
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const loser = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    assert.equal((loser.reason as SvaultAuthError).detail, "This username is already taken");
    const rows = await sql(server, "select id from app_user where tenant_id = ? and username_normalized = 'contested'", [OPEN]);
    assert.equal(rows.length, 1);
    // The winner's secret is the one stored.
    const winner = statuses[0] === 200 ? SECRET : OTHER_SECRET;
    assert.ok((await sdk(server, OPEN).login({ username: "contested", secret: winner })).nonce);
  });

  it("of the same e-mail address: exactly one wins, the other gets 409", async () => {
    const outcomes = await Promise.allSettled([
      registerVia(MAIL, "mail-one", { email: "Shared@Example.com" }),
      registerVia(MAIL, "mail-two", { email: "shared@example.com" }),
    ]);
    const statuses = outcomes.map((o) => (o.status === "fulfilled" ? 200 : (o.reason as SvaultAuthError).status));
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const loser = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    assert.equal((loser.reason as SvaultAuthError).detail, "This e-mail address is already registered");
    const rows = await sql(
      server,
      "select username_normalized from app_user where tenant_id = ? and email_normalized = 'shared@example.com'",
      [MAIL],
    );
    assert.equal(rows.length, 1);
    assert.equal(await countUsers(server, MAIL), 1);
    const [credentials] = await sql<{ n: string }>(server, "select count(*) as n from user_credential where tenant_id = ?", [MAIL]);
    assert.equal(Number(credentials?.n), 1, "the loser left no credential behind");
  });

  it("with both Register calls in flight at once (prepared first): one 200, one 409, for a username and for an e-mail", async () => {
    const [a, b] = await Promise.all([
      prepareRegistration(server, OPEN, "Racer", SECRET),
      prepareRegistration(server, OPEN, "racer", OTHER_SECRET),
    ]);
    const sameName = await Promise.all([
      register(server, OPEN, registrationBody("Racer", a.commitment)),
      register(server, OPEN, registrationBody("racer", b.commitment)),
    ]);
    assert.deepEqual(sameName.map((res) => res.status).sort(), [200, 409]);
    assert.deepEqual(sameName.find((res) => res.status === 409)?.body, { detail: "This username is already taken" });

    const [c, d] = await Promise.all([
      prepareRegistration(server, MAIL, "racer-one", SECRET),
      prepareRegistration(server, MAIL, "racer-two", OTHER_SECRET),
    ]);
    const sameMail = await Promise.all([
      register(server, MAIL, registrationBody("racer-one", c.commitment, { email: "race@example.com" })),
      register(server, MAIL, registrationBody("racer-two", d.commitment, { email: "RACE@example.com" })),
    ]);
    assert.deepEqual(sameMail.map((res) => res.status).sort(), [200, 409]);
    assert.deepEqual(sameMail.find((res) => res.status === 409)?.body, { detail: "This e-mail address is already registered" });
    const rows = await sql(server, "select 1 from app_user where tenant_id = ? and email_normalized = 'race@example.com'", [MAIL]);
    assert.equal(rows.length, 1);
  });
});
