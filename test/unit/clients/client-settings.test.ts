// A client's settings without server or database: defaults (token lifetimes, grant types,
// scopes), the rules that tie the client type to its authentication method and grants, and the
// type that cannot change on update.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_ALLOWED_SCOPES,
  DEFAULT_FLOW,
  type ClientSettingsInput,
  resolveClientSettings,
} from "../../../src/domain/clients/client-settings.js";
import { DomainError } from "../../../src/errors/domain-error.js";

const input = (extra: Partial<ClientSettingsInput> = {}): ClientSettingsInput => ({
  name: "app",
  redirectUris: ["https://app.example/cb"],
  postLogoutRedirectUri: [],
  allowedScopes: [],
  registerEnable: false,
  isLock: false,
  requirePushedAuthorizationRequests: false,
  dpopBoundAccessTokens: false,
  ...extra,
});

function violatedPaths(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.violations.map((v) => v.path.join("."));
    throw error;
  }
  return [];
}

describe("client settings", () => {
  it("defaults: confidential, client_secret_post, the default flow's lifetimes and grants, the default scopes", () => {
    const settings = resolveClientSettings(input());
    assert.equal(settings.clientType, "confidential");
    assert.equal(settings.tokenEndpointAuthMethod, "client_secret_post");
    assert.deepEqual(settings.flow, { ...DEFAULT_FLOW, grant_types: [...DEFAULT_FLOW.grant_types] });
    assert.deepEqual(settings.allowedScopes, DEFAULT_ALLOWED_SCOPES);
    assert.equal(settings.singAlg, "EdDSA");
  });

  it("takes the token lifetimes given, each on its own", () => {
    const { flow } = resolveClientSettings(input({ flow: { grantTypes: ["authorization_code"], accessTokenTtlSeconds: 120 } }));
    assert.equal(flow.access_token_ttl_seconds, 120);
    assert.equal(flow.refresh_token_ttl_seconds, DEFAULT_FLOW.refresh_token_ttl_seconds);
    assert.deepEqual(flow.grant_types, ["authorization_code"]);
  });

  it("a public client authenticates with none and cannot use client_credentials", () => {
    assert.equal(
      resolveClientSettings(input({ clientType: "public", flow: { grantTypes: ["authorization_code"] } })).tokenEndpointAuthMethod,
      "none",
    );
    assert.deepEqual(
      violatedPaths(() => resolveClientSettings(input({ clientType: "public", flow: { grantTypes: ["client_credentials"] } }))),
      ["flow.grant_types"],
    );
    assert.deepEqual(
      violatedPaths(() => resolveClientSettings(input({ tokenEndpointAuthMethod: "none" }))),
      ["token_endpoint_auth_method"],
    );
  });

  it("the type cannot change on update; scopes are deduplicated", () => {
    assert.deepEqual(
      violatedPaths(() => resolveClientSettings(input({ clientType: "public" }), "confidential")),
      ["client_type"],
    );
    assert.deepEqual(resolveClientSettings(input({ allowedScopes: ["openid", "openid", "email"] })).allowedScopes, ["openid", "email"]);
  });
});
