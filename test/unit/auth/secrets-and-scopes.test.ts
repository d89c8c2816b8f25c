// Secrets and scopes without server or database: API keys and client secrets carry 256 random
// bits and are stored as hashes only; an API key parses back to its id and secret; the scopes of
// a credential are bounded by its owner's role, and an access token reaches the admin API only
// when it was issued for it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { issueApiKey, looksLikeApiKey, parseApiKey } from "../../../src/domain/auth/api-key-secret.js";
import { accessTokenScopes, effectiveScopes } from "../../../src/domain/auth/permissions.js";
import { newClientSecret } from "../../../src/domain/clients/client-secret.js";
import { hashSecret, secretMatches } from "../../../src/crypto/secret-hash.js";

describe("secret strength", () => {
  it("a client secret is 32 random bytes, base64url (43 characters), never repeated", () => {
    const secrets = new Set(Array.from({ length: 100 }, newClientSecret));
    assert.equal(secrets.size, 100);
    for (const secret of secrets) assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  });

  it("an API key parses back to its id and secret, whose hash alone is stored", () => {
    const issued = issueApiKey();
    assert.ok(looksLikeApiKey(issued.key));
    const parsed = parseApiKey(issued.key);
    assert.equal(parsed?.id, issued.id);
    assert.ok(parsed && secretMatches(parsed.secret, issued.secretHash));
    assert.ok(!issued.key.includes(issued.secretHash.toString("hex")));
    assert.ok((parsed?.secret.length ?? 0) >= 43, "at least 256 bits");
    assert.equal(parseApiKey(`${issued.key}x`)?.secret === parsed?.secret, false);
    assert.ok(!secretMatches("wrong", hashSecret(parsed?.secret ?? "")));
  });
});

describe("scopes of a credential", () => {
  it("are bounded by the owner's role", () => {
    assert.deepEqual([...effectiveScopes(["users:write", "profile"], "user")], ["profile"]);
    assert.ok(effectiveScopes(["users:write"], "tenant_admin").has("users:write"));
  });

  it("an access token holds admin scopes only when issued for the admin API", () => {
    assert.deepEqual(
      [...accessTokenScopes(["openid", "users:read"], false, "tenant_admin")].filter((s) => s !== "profile"),
      [],
    );
    assert.ok(accessTokenScopes(["openid", "users:read"], true, "tenant_admin").has("users:read"));
    assert.ok(!accessTokenScopes(["users:read"], true, "user").has("users:read"), "bounded by the role as well");
  });
});
