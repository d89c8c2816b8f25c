// Passkeys in headless Chromium with its virtual authenticator, against the real service: an
// application (openid-client) sends the browser to sign in, the page signs in with a passkey
// (username-first and usernameless), and the application gets tokens. What a hostile or broken
// authenticator sends is refused, recorded, and counted in the login throttle; one tenant's
// passkey is useless in another tenant.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { sql } from "../login/login-helpers.js";
import { createTenant, rest, type SeededUser, seedUserWithKey } from "../support/fixtures.js";
import { type HostedUiFixture, startAtApplication, startHostedUiFixture } from "../ui/hosted-ui-fixture.js";
import * as grpc from "@grpc/grpc-js";
import { PasskeyService } from "../../gen/svault/passkey/v1/passkey_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { createCredential, getAssertion, registerPasskey, type SignInOptions, signInWithPasskey } from "./passkey-ceremonies.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "./virtual-authenticator.js";

const TENANT = "alpha";
const OTHER_TENANT = "beta";
const PASSKEY_TENANT = { display_name: "Alpha", passkey_enabled: true, use_pin: true, use_pattern: false, login_order: ["PIN"] };

interface Person {
  readonly user: SeededUser;
  readonly username: string;
  readonly page: Page;
  readonly authenticator: VirtualAuthenticator;
}

describe("passkeys in the browser", () => {
  let fixture: HostedUiFixture;

  before(async () => {
    fixture = await startHostedUiFixture({ tenantId: TENANT, tenant: PASSKEY_TENANT, publicHost: "localhost" });
    await createTenant(fixture.server, OTHER_TENANT, { ...PASSKEY_TENANT, display_name: "Beta" });
  });
  after(async () => fixture?.close());

  /** A user of the tenant with an API key (`profile`), and a browser on the service's origin with an authenticator. */
  async function person(options: { synced?: boolean } = {}): Promise<Person> {
    const user = await seedUserWithKey(fixture.server, TENANT, [], ["profile"]);
    const found = await rest(fixture.server, user.key, "GET", "/api/v1/users/me");
    const username = (found.body as { username: string }).username;
    const { page } = await fixture.newPage();
    await page.goto(`${fixture.server.config.publicUrl}/health`);
    const authenticator = await addVirtualAuthenticator(page, options);
    return { user, username, page, authenticator };
  }

  async function withPasskey(options: { synced?: boolean } = {}): Promise<Person> {
    const someone = await person(options);
    const registered = await registerPasskey(someone.page, someone.user.key);
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    return someone;
  }

  /** From the application's login through the passkey to its callback; the sign-in the application recorded. */
  async function signInAtApplication(someone: Person, options: Omit<SignInOptions, "query"> = {}) {
    await startAtApplication(fixture, someone.page);
    const authReqId = new URL(someone.page.url()).searchParams.get("auth_req_id");
    assert.ok(authReqId);
    // The ceremony as an application's own page runs it: off the hosted page, whose autofill would sign in by itself (test/ui/passkey-sign-in.test.ts).
    await someone.page.goto(`${fixture.server.config.publicUrl}/health`);
    const answer = await signInWithPasskey(someone.page, { ...options, query: `auth_req_id=${authReqId}` });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { nonce } = answer.body as { nonce: string; need_verify: boolean };
    await someone.page.goto(`${fixture.server.config.publicUrl}/api/v1/auth/signin?oid_nonce=${nonce}&auth_req_id=${authReqId}`);
    await someone.page.waitForURL((url) => url.pathname === "/callback");
    const signIn = fixture.app.signIns.at(-1);
    assert.equal(signIn?.userinfo.preferred_username, someone.username);
    return signIn;
  }

  const passkeysOf = async (someone: Person) =>
    (await rest(fixture.server, someone.user.key, "GET", "/api/v1/users/me/passkeys")).body as {
      passkeys: { key_id: string; name: string; backup_eligible: boolean; last_used_at: string | null; credential_id: string }[];
    };

  const eventsOf = async (username: string) => {
    await fixture.server.running.events.flush();
    return sql<{ outcome: string; reason: string; log_data: Record<string, unknown> | null }>(
      fixture.server,
      "select outcome, reason, log_data from auth_event where tenant_id = ? and username = ? and kind = 'authenticate' order by id",
      [TENANT, username],
    );
  };

  const failuresOf = async (username: string) =>
    (
      await sql<{ failures: number }>(
        fixture.server,
        "select failures from login_throttle where tenant_id = ? and kind = 'user' and subject = ?",
        [TENANT, username],
      )
    )[0]?.failures ?? 0;

  it("registers a passkey and signs in with it, username-first, from the application to its callback", async () => {
    const someone = await withPasskey();
    const { passkeys } = await passkeysOf(someone);
    assert.equal(passkeys.length, 1);
    assert.equal(passkeys[0]?.name, "Passkey", "the virtual authenticator names no model");
    assert.equal(passkeys[0]?.backup_eligible, false);
    assert.equal(passkeys[0]?.last_used_at, null);

    const signIn = await signInAtApplication(someone, { username: someone.username });
    assert.deepEqual(signIn?.claims.amr, ["hwk", "user"]);
    assert.notEqual((await passkeysOf(someone)).passkeys[0]?.last_used_at, null);
    assert.equal((await eventsOf(someone.username)).at(-1)?.reason, "authenticated");
  });

  it("signs in without a username (a discoverable, synced passkey: swk)", async () => {
    const someone = await withPasskey({ synced: true });
    assert.equal((await passkeysOf(someone)).passkeys[0]?.backup_eligible, true);
    const signIn = await signInAtApplication(someone);
    assert.deepEqual(signIn?.claims.amr, ["swk", "user"]);
  });

  it("registers each authenticator once: the user's passkeys are excluded", async () => {
    const someone = await withPasskey();
    const again = await registerPasskey(someone.page, someone.user.key);
    assert.equal(again.status, 0);
    assert.equal(again.body, "InvalidStateError", "the browser refuses: the authenticator already holds one of the excluded credentials");
    assert.equal((await passkeysOf(someone)).passkeys.length, 1);
  });

  it("refuses an assertion without user verification (passwordless needs it), and counts it", async () => {
    const someone = await withPasskey();
    await someone.authenticator.setUserVerified(false);
    const browserRefuses = await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}`, username: someone.username });
    assert.deepEqual(browserRefuses, { status: 0, body: "NotAllowedError" }, "the options require user verification");

    const before = await failuresOf(someone.username);
    const tampered = await signInWithPasskey(someone.page, {
      query: `tenant_id=${TENANT}`,
      username: someone.username,
      userVerification: "discouraged",
    });
    assert.equal(tampered.status, 401, JSON.stringify(tampered.body));
    assert.equal((await eventsOf(someone.username)).at(-1)?.reason, "passkey_not_verified");
    assert.equal(await failuresOf(someone.username), before + 1, "a failed passkey attempt counts in the login throttle");

    await someone.authenticator.setUserVerified(true);
    assert.equal((await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}`, username: someone.username })).status, 200);
    assert.equal(await failuresOf(someone.username), 0, "a successful sign-in forgets the failures");
  });

  it("refuses a signature that does not verify", async () => {
    const someone = await withPasskey();
    await someone.authenticator.setBogusSignature(true);
    const answer = await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}`, username: someone.username });
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    assert.equal((answer.body as { detail: string }).detail, "The passkey was not accepted");
    assert.equal((await eventsOf(someone.username)).at(-1)?.reason, "wrong_signature");
  });

  it("refuses a signature counter that went back (a cloned authenticator) and records it", async () => {
    const someone = await withPasskey();
    const query = `tenant_id=${TENANT}`;
    for (let i = 0; i < 2; i++) assert.equal((await signInWithPasskey(someone.page, { query })).status, 200);
    const [credential] = await someone.authenticator.credentials();
    assert.ok(credential);
    assert.ok(credential.signCount >= 3);
    await someone.authenticator.setSignCount(credential.credentialId, 1);

    const answer = await signInWithPasskey(someone.page, { query });
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    const event = (await eventsOf(someone.username)).at(-1);
    assert.equal(event?.reason, "counter_regression");
    assert.equal(event?.log_data?.passkey_id, (await passkeysOf(someone)).passkeys[0]?.key_id);
  });

  it("renames and deletes a passkey; a deleted passkey no longer signs in", async () => {
    const someone = await withPasskey();
    const [passkey] = (await passkeysOf(someone)).passkeys;
    assert.ok(passkey);
    const renamed = await rest(fixture.server, someone.user.key, "PATCH", `/api/v1/users/me/passkeys/${passkey.key_id}`, {
      name: "Work laptop",
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body, null);
    assert.equal((await passkeysOf(someone)).passkeys[0]?.name, "Work laptop");

    // Its only passkey may go because the account also has a PIN (else: LAST_REQUIRED_FACTOR, passkey-api.test.ts).
    await sql(
      fixture.server,
      "insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at) values (?, ?, 'c', '\\x00', 'v1', now())",
      [someone.user.userId, TENANT],
    );
    const deleted = await rest(fixture.server, someone.user.key, "DELETE", `/api/v1/users/me/passkeys/${passkey.key_id}`);
    assert.equal(deleted.status, 204);
    assert.deepEqual((await passkeysOf(someone)).passkeys, []);
    const answer = await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}` });
    assert.equal(answer.status, 401, "the authenticator still holds it; the service no longer knows it");
    assert.equal((await eventsOf("")).at(-1)?.reason, "unknown_passkey");
    const again = await rest(fixture.server, someone.user.key, "DELETE", `/api/v1/users/me/passkeys/${passkey.key_id}`);
    assert.equal(again.status, 404);
  });

  it("a passkey of one tenant is useless in another", async () => {
    const someone = await withPasskey();
    const answer = await signInWithPasskey(someone.page, { query: `tenant_id=${OTHER_TENANT}` });
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    // The other tenant has no such user: its options list nothing, the browser offers the passkey it holds, the service refuses it.
    const sameUsername = await signInWithPasskey(someone.page, { query: `tenant_id=${OTHER_TENANT}`, username: someone.username });
    assert.equal(sameUsername.status, 401, JSON.stringify(sameUsername.body));
    assert.equal((await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}` })).status, 200, "still good at home");
  });

  it("a passkey of one user does not finish another user's username-first sign-in", async () => {
    const someone = await withPasskey();
    const other = await person();
    // The options list only the other user's credentials (none); the browser offers the passkey it holds; the service refuses it.
    const answer = await signInWithPasskey(someone.page, { query: `tenant_id=${TENANT}`, username: other.username });
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    assert.equal((await eventsOf(someone.username)).at(-1)?.reason, "passkey_of_another_user");
  });

  it("works over gRPC (a real grpc-js client): register, list, rename, sign in", async () => {
    const someone = await person();
    const passkeys = createGrpcJsClient(PasskeyService, `127.0.0.1:${fixture.server.grpcPort}`);
    const users = createGrpcJsClient(UserService, `127.0.0.1:${fixture.server.grpcPort}`);
    try {
      const metadata = new grpc.Metadata();
      metadata.set("x-api-key", someone.user.key);
      const creation = await passkeys.rpc.registerOptions({}, metadata);
      const created = await createCredential(someone.page, creation.options);
      await passkeys.rpc.verifyRegistration(
        {
          id: created.id,
          rawId: created.rawId,
          clientDataJson: created.response.clientDataJSON,
          attestationObject: created.response.attestationObject,
          transports: created.response.transports ?? [],
          name: "Phone",
        },
        metadata,
      );
      const listed = await users.rpc.listUserPasskeys({}, metadata);
      assert.deepEqual(
        listed.passkeys.map((p) => p.name),
        ["Phone"],
      );
      const keyId = listed.passkeys[0]?.keyId ?? "";
      await users.rpc.updateUserPasskey({ keyId, name: "Old phone" }, metadata);
      assert.equal((await users.rpc.listUserPasskeys({}, metadata)).passkeys[0]?.name, "Old phone");

      const request = await passkeys.rpc.authOptions({ tenantId: TENANT, account: { username: someone.username } });
      const asserted = await getAssertion(someone.page, request.options);
      const verified = await passkeys.rpc.verifyAuth({
        assertion: {
          id: asserted.id,
          rawId: asserted.rawId,
          clientDataJson: asserted.response.clientDataJSON,
          authenticatorData: asserted.response.authenticatorData,
          signature: asserted.response.signature,
          userHandle: asserted.response.userHandle ?? "",
          tenantId: TENANT,
        },
      });
      assert.match(verified.nonce, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(verified.needVerify, false);

      const replayed = passkeys.rpc.verifyAuth({
        assertion: {
          id: asserted.id,
          rawId: asserted.rawId,
          clientDataJson: asserted.response.clientDataJSON,
          authenticatorData: asserted.response.authenticatorData,
          signature: asserted.response.signature,
          tenantId: TENANT,
        },
      });
      await assert.rejects(
        replayed,
        (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED,
        "the challenge is single use",
      );
    } finally {
      passkeys.close();
      users.close();
    }
  });
});
