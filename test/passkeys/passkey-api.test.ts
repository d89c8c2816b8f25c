// The passkey operations' answers that need no authenticator: the related origins document, the
// administrators' view, what a deleted user leaves behind, and the refusals of bad requests.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { PasskeyCredentialEntity } from "../../src/persistence/entities/passkey.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { sql } from "../login/login-helpers.js";
import { createTenant, rest, seedUserWithKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ publicHost: "localhost" });
  await createTenant(server, "acme", { passkey_enabled: true });
  await createTenant(server, "plain", { passkey_enabled: false });
  await createTenant(server, "strict", { passkey_enabled: true, is_2fa: true });
  const client = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: "acme",
    client_id: "notes",
    name: "Notes",
    redirect_uris: ["https://notes.example/callback", "com.example.notes:/cb"],
  });
  assert.equal(client.status, 201, JSON.stringify(client.body));
});
after(() => server?.close());

/** A passkey stored for the user, as Verify Registration stores one. */
async function storedPasskey(tenantId: string, userId: string): Promise<string> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), tenantId);
  const id = randomUUID();
  em.create(PasskeyCredentialEntity, {
    id,
    tenant: tenantId,
    user: userId,
    credentialId: randomUUID(),
    publicKey: Buffer.alloc(77),
    counter: 0,
    transports: ["internal"],
    backupEligible: true,
    backedUp: true,
    aaguid: "00000000-0000-0000-0000-000000000000",
    name: "Passkey",
  });
  await em.flush();
  return id;
}

describe("passkey operations", () => {
  it("serves the related origins document: PUBLIC_URL's origin and the clients' web origins", async () => {
    const res = await fetch(`${server.baseUrl}/.well-known/webauthn`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { origins: [server.config.publicUrl, "https://notes.example"].sort() });
  });

  it("lets an administrator list and delete a user's passkeys, and no one else's", async () => {
    const { userId } = await seedUserWithKey(server, "acme", [], ["profile"]);
    const keyId = await storedPasskey("acme", userId);
    const listed = await rest(server, server.adminKey, "GET", `/api/v1/tenants/acme/users/${userId}/passkeys`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body as { passkeys: { key_id: string; user_id: string; backup_eligible: boolean }[] }).passkeys.map((p) => [
        p.key_id,
        p.user_id,
      ]),
      [[keyId, userId]],
    );
    const other = await seedUserWithKey(server, "acme", [], ["profile"]);
    const wrongUser = await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/acme/users/${other.userId}/passkeys/${keyId}`);
    assert.equal(wrongUser.status, 404);
    const deleted = await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/acme/users/${userId}/passkeys/${keyId}`);
    assert.equal(deleted.status, 204);
    const unknownUser = await rest(server, server.adminKey, "GET", `/api/v1/tenants/acme/users/${randomUUID()}/passkeys`);
    assert.equal(unknownUser.status, 404);
  });

  it("refuses to let a person remove the last passkey they need to sign in, and says why; an administrator may", async () => {
    const ownDelete = (key: string, keyId: string) => rest(server, key, "DELETE", `/api/v1/users/me/passkeys/${keyId}`);
    // A 2FA tenant: the PIN/pattern alone does not sign in, so the last passkey stays.
    const strict = await seedUserWithKey(server, "strict", [], ["profile"]);
    const [first, last] = [await storedPasskey("strict", strict.userId), await storedPasskey("strict", strict.userId)];
    assert.equal((await ownDelete(strict.key, first)).status, 204);
    const refused = await ownDelete(strict.key, last);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(
      (refused.body as { detail: string }).detail,
      /^This is your last passkey, and signing in here needs one besides your PIN or pattern/,
    );
    assert.deepEqual(await sql(server, "select id from passkey_credential where user_id = ?", [strict.userId]), [{ id: last }]);
    assert.equal(
      (await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/strict/users/${strict.userId}/passkeys/${last}`)).status,
      204,
    );

    // A 1FA tenant: the last passkey of an account without a PIN/pattern stays; with one, it may go.
    const passkeyOnly = await seedUserWithKey(server, "acme", [], ["profile"]);
    const only = await storedPasskey("acme", passkeyOnly.userId);
    const alone = await ownDelete(passkeyOnly.key, only);
    assert.equal(alone.status, 400);
    assert.match((alone.body as { detail: string }).detail, /your account has no PIN or pattern to sign in with/);
    await sql(
      server,
      "insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at) values (?, 'acme', 'c', '\\x00', 'v1', now())",
      [passkeyOnly.userId],
    );
    assert.equal((await ownDelete(passkeyOnly.key, only)).status, 204);
  });

  it("deleting a user deletes their passkeys", async () => {
    const { userId } = await seedUserWithKey(server, "acme", [], ["profile"]);
    await storedPasskey("acme", userId);
    const deleted = await rest(server, server.adminKey, "DELETE", `/api/v1/tenants/acme/users/${userId}`);
    assert.ok(deleted.status < 300, JSON.stringify(deleted.body));
    assert.deepEqual(await sql(server, "select id from passkey_credential where user_id = ?", [userId]), []);
  });

  it("refuses passkeys where the tenant has not enabled them", async () => {
    const { key } = await seedUserWithKey(server, "plain", [], ["profile"]);
    const register = await rest(server, key, "POST", "/api/v1/passkeys/register/options");
    assert.equal(register.status, 400);
    assert.deepEqual(register.body, { detail: "Passkeys are not enabled for this tenant" });
    const signIn = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/options?tenant_id=plain", { username: "" });
    assert.equal(signIn.status, 400);
  });

  it("answers options that require a discoverable credential and user verification", async () => {
    const { key } = await seedUserWithKey(server, "acme", [], ["profile"]);
    const res = await rest(server, key, "POST", "/api/v1/passkeys/register/options");
    assert.equal(res.status, 200);
    const options = res.body as { rp: { id: string }; authenticatorSelection: Record<string, unknown>; challenge: string };
    assert.equal(options.rp.id, "localhost");
    assert.equal(options.authenticatorSelection.residentKey, "required");
    assert.equal(options.authenticatorSelection.userVerification, "required");
    assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/);
    const signIn = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/options?tenant_id=acme", { username: "" });
    assert.equal(signIn.status, 200);
    assert.equal((signIn.body as { rpId: string; userVerification: string }).userVerification, "required");
  });

  it("refuses malformed and unknown answers, changing nothing", async () => {
    const assertion = { id: "x", raw_id: "x", authenticator_data: "x", signature: "x", username: "", tenant_id: "acme" };
    const malformed = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/verify", { ...assertion, client_data_json: "%%%" });
    assert.equal(malformed.status, 422, JSON.stringify(malformed.body));
    const clientData = Buffer.from(
      JSON.stringify({ type: "webauthn.get", challenge: "never-issued", origin: server.config.publicUrl }),
    ).toString("base64url");
    const unknown = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/verify", { ...assertion, client_data_json: clientData });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, { detail: "The passkey was not accepted" });
    const noTenant = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/verify", {
      ...assertion,
      tenant_id: "nowhere",
      client_data_json: clientData,
    });
    assert.equal(noTenant.status, 404);
    const queryTenant = await rest(server, undefined, "POST", "/api/v1/passkeys/auth/verify?tenant_id=nowhere", {
      ...assertion,
      client_data_json: clientData,
    });
    assert.equal(queryTenant.status, 404, "the query's tenant_id names the tenant, as on the other login steps");
  });
});
