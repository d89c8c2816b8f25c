// Login must not reveal whether a user exists (login protocol §7): an unknown or disabled
// username gets a Get Challenge answer of the same shape, proto_version and size as a real user's,
// and Authenticate then fails exactly like a wrong secret.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PROTO_VERSION_DEFAULT, PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  authenticate,
  forgedKe3,
  INVALID_LOGIN,
  ke3Of,
  type LoginStep1,
  loginStep1,
  proofOf,
  RELAXED_BLOCKING,
  registerUser,
  secretOf,
  sdk,
  sql,
} from "./login-helpers.js";

const TENANT = "login-unknown";
const SECRET = secretOf("482915");
const WRONG = secretOf("482916");

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await registerUser(server, TENANT, "alice", SECRET);
  await registerUser(server, TENANT, "dora", SECRET);
  await registerUser(server, TENANT, "erin", SECRET);
});
after(() => server.close());

/** The observable shape of a Get Challenge answer: status, keys, sizes, proto_version. */
function shapeOf(step: LoginStep1) {
  const body = step.answer.body as Record<string, string>;
  return {
    status: step.answer.status,
    keys: Object.keys(body).sort(),
    protoVersion: body.proto_version,
    challengeDataLength: body.challenge_data?.length,
    dataKeys: Object.keys(step.data),
    v: step.data.v,
    kind: step.data.kind,
    challengeIdLength: step.data.challenge_id.length,
    ke2Length: step.data.login_response.length,
    cacheControl: step.answer.headers.get("cache-control"),
  };
}

describe("an unknown username", () => {
  it("gets a Get Challenge answer like a real user's: same shape, default proto_version, same size", async () => {
    // alice registered with the light suite; an unknown user is answered with the default one,
    // which is what every user registered with the default suite gets.
    const real = await loginStep1(server, TENANT, "alice", WRONG);
    const unknown = await loginStep1(server, TENANT, "nobody-here", WRONG);
    const realShape = shapeOf(real);
    assert.equal(realShape.protoVersion, PROTO_VERSION_LIGHT);
    assert.deepEqual(shapeOf(unknown), { ...realShape, protoVersion: PROTO_VERSION_DEFAULT });
    assert.deepEqual(realShape.keys, ["challenge_data", "proto_version"]);
    assert.deepEqual(realShape.dataKeys, ["v", "kind", "challenge_id", "login_response"]);

    // Asked again, the unknown username is answered the same way.
    const again = await loginStep1(server, TENANT, "nobody-here", SECRET);
    assert.deepEqual(shapeOf(again), shapeOf(unknown));
  });

  it("fails Authenticate with exactly the status and body of a wrong secret", async () => {
    const wrongSecret = await loginStep1(server, TENANT, "alice", WRONG);
    assert.equal(ke3Of(server, TENANT, "alice", WRONG, wrongSecret), undefined, "a wrong secret yields no KE3 on the client");
    const wrong = await authenticate(server, TENANT, proofOf("alice", wrongSecret, forgedKe3()));

    const unknownStep = await loginStep1(server, TENANT, "nobody-else", SECRET);
    const unknown = await authenticate(server, TENANT, proofOf("nobody-else", unknownStep, forgedKe3()));

    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, INVALID_LOGIN);
    assert.equal(unknown.status, wrong.status);
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(unknown.headers.get("content-type"), wrong.headers.get("content-type"));
  });

  it("is refused by the SDK with the same error as a wrong secret", async () => {
    const client = sdk(server, TENANT);
    const wrong = await client.login({ username: "alice", secret: WRONG }).then(
      () => assert.fail("a wrong secret logged in"),
      (error: unknown) => error,
    );
    assert.ok(wrong instanceof SvaultAuthError);
    // The unknown user's answer names the default suite: the client stretches with it (64 MiB).
    const unknown = await client.login({ username: "nobody-sdk", secret: SECRET }).then(
      () => assert.fail("an unknown user logged in"),
      (error: unknown) => error,
    );
    assert.ok(unknown instanceof SvaultAuthError);
    assert.deepEqual([unknown.status, unknown.detail], [wrong.status, wrong.detail]);
    assert.deepEqual([unknown.status, unknown.detail], [401, INVALID_LOGIN.detail]);
  });
});

describe("a disabled user", () => {
  it("gets the same Get Challenge answer as an unknown username, and no KE3 even with the right secret", async () => {
    await sql(server, "update app_user set is_disabled = true where tenant_id = ? and username_normalized = ?", [TENANT, "dora"]);
    const disabled = await loginStep1(server, TENANT, "dora", SECRET);
    const unknown = await loginStep1(server, TENANT, "nobody-at-all", SECRET);
    assert.deepEqual(shapeOf(disabled), shapeOf(unknown));
    assert.equal(shapeOf(disabled).protoVersion, PROTO_VERSION_DEFAULT, "not the light suite dora registered with");

    const res = await authenticate(server, TENANT, proofOf("dora", disabled, forgedKe3()));
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_LOGIN);
  });

  it("disabled between Get Challenge and Authenticate fails with a valid KE3, like a wrong secret", async () => {
    const step = await loginStep1(server, TENANT, "erin", SECRET);
    const ke3 = ke3Of(server, TENANT, "erin", SECRET, step);
    assert.ok(ke3, "the right secret yields a KE3 while erin is enabled");
    await sql(server, "update app_user set is_disabled = true where tenant_id = ? and username_normalized = ?", [TENANT, "erin"]);
    const res = await authenticate(server, TENANT, proofOf("erin", step, ke3));
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_LOGIN);
    const nonces = await sql(server, "select 1 from login_nonce where tenant_id = ?", [TENANT]);
    assert.equal(nonces.length, 0, "no nonce was issued");
  });
});
