// DPoP (RFC 9449) with oauth4webapi as the client, against the real server on both issuer
// families: the token endpoint asks for its nonce, then binds the access token to the proof's key
// (`cnf.jkt`, token_type DPoP); userinfo and the admin API accept the token only with a fresh
// proof of that key; a public client's refresh token works only with that key; a client that
// requires DPoP gets no token without a proof.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { authorizationParams, discoverAs, INSECURE, locationOf, loginFrom, oauth, registerClient } from "./oauth4webapi-support.js";
import { Browser, REDIRECT_URI, setUpTenant } from "./support.js";

const TENANT = "dpop";
let server: TestServer;
let serviceSecret: string;

const issuerOf = (family: "standard" | "alias") =>
  family === "alias" ? `${server.config.publicUrl}/oidc/${TENANT}` : `${server.config.publicUrl}/${TENANT}`;

before(async () => {
  server = await startTestServer();
  await setUpTenant(server, TENANT, { clientId: "spa", type: "public" });
  serviceSecret = (await registerClient(server, TENANT, "svc", { dpop_bound_access_tokens: true })) as string;
});
after(() => server.close());

/** Runs a request and its processing again once when the server asked for a DPoP nonce (RFC 9449 §8). */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return attempt();
  }
}

async function dpopHandle(client: oauth.Client) {
  return oauth.DPoP(client, await oauth.generateKeyPair("ES256"));
}

for (const family of ["standard", "alias"] as const) {
  describe(`DPoP on the ${family} issuer`, () => {
    const spa: oauth.Client = { client_id: "spa" };
    let as: oauth.AuthorizationServer;
    let dpop: oauth.DPoPHandle;
    let keyPair: CryptoKeyPair;
    let tokens: oauth.TokenEndpointResponse;

    before(async () => {
      as = await discoverAs(issuerOf(family));
      assert.ok(as.dpop_signing_alg_values_supported?.includes("ES256"));
      keyPair = await oauth.generateKeyPair("ES256");
      dpop = oauth.DPoP(spa, keyPair);
      const { params, verifier } = await authorizationParams("spa");
      const url = new URL(as.authorization_endpoint as string);
      url.search = new URLSearchParams(params).toString();
      const callback = await loginFrom(server, new Browser(), locationOf(await new Browser().get(url.toString())), TENANT);
      const callbackParams = oauth.validateAuthResponse(as, spa, callback, params.state as string);
      tokens = await withNonceRetry(async () =>
        oauth.processAuthorizationCodeResponse(
          as,
          spa,
          await oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), callbackParams, REDIRECT_URI, verifier, {
            ...INSECURE,
            DPoP: dpop,
          }),
          { expectedNonce: params.nonce as string, requireIdToken: true },
        ),
      );
    });

    it("the token endpoint asks for its nonce, then issues a DPoP token bound to the proof's key", async () => {
      assert.equal(tokens.token_type, "dpop");
      const claims = decodeJwt(tokens.access_token) as { cnf?: { jkt?: string } };
      assert.equal(claims.cnf?.jkt, await dpop.calculateThumbprint());
    });

    it("userinfo accepts the token with a proof of its key", async () => {
      const response = await oauth.userInfoRequest(as, spa, tokens.access_token, { ...INSECURE, DPoP: dpop });
      const claims = await oauth.processUserInfoResponse(as, spa, oauth.skipSubjectCheck, response);
      assert.equal(claims.tenant_id, TENANT);
    });

    it("userinfo ignores a nonce in the proof: only the token endpoint issues and checks them", async () => {
      const withStrangeNonce = oauth.DPoP(spa, keyPair, {
        [oauth.modifyAssertion]: (_header, payload) => {
          payload.nonce = "not-a-nonce-of-this-server";
        },
      });
      const response = await oauth.userInfoRequest(as, spa, tokens.access_token, { ...INSECURE, DPoP: withStrangeNonce });
      assert.equal(response.status, 200, await response.clone().text());
    });

    it("userinfo refuses the token as a plain bearer token, and with a proof of another key", async () => {
      const asBearer = await fetch(as.userinfo_endpoint as string, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(asBearer.status, 401);
      assert.equal(((await asBearer.json()) as { error: string }).error, "invalid_token");

      const stranger = await dpopHandle(spa);
      const otherKey = await oauth.userInfoRequest(as, spa, tokens.access_token, { ...INSECURE, DPoP: stranger });
      assert.equal(otherKey.status, 401);
      assert.match(otherKey.headers.get("www-authenticate") ?? "", /^DPoP error="invalid_dpop_proof"/);
    });

    it("a proof is used once: the same proof presented again is refused", async () => {
      let proof = "";
      const capture: typeof fetch = async (input, init) => {
        proof = new Headers(init?.headers).get("dpop") ?? "";
        return fetch(input, init);
      };
      const first = await oauth.userInfoRequest(as, spa, tokens.access_token, { ...INSECURE, DPoP: dpop, [oauth.customFetch]: capture });
      assert.equal(first.status, 200);
      const replay = await fetch(as.userinfo_endpoint as string, {
        headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof },
      });
      assert.equal(replay.status, 401);
    });

    it("the public client's refresh token works with the same key only, and the new access token is bound again", async () => {
      const stranger = await dpopHandle(spa);
      const refreshToken = tokens.refresh_token as string;
      const stolen = await withNonceRetry(async () =>
        oauth.processRefreshTokenResponse(
          as,
          spa,
          await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), refreshToken, { ...INSECURE, DPoP: stranger }),
        ),
      ).catch((error: oauth.ResponseBodyError) => error);
      assert.equal((stolen as oauth.ResponseBodyError).error, "invalid_grant");

      const withoutProof = await oauth
        .processRefreshTokenResponse(as, spa, await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), refreshToken, INSECURE))
        .catch((error: oauth.ResponseBodyError) => error);
      assert.equal((withoutProof as oauth.ResponseBodyError).error, "invalid_grant");

      const refreshed = await withNonceRetry(async () =>
        oauth.processRefreshTokenResponse(
          as,
          spa,
          await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), refreshToken, { ...INSECURE, DPoP: dpop }),
        ),
      );
      assert.equal(refreshed.token_type, "dpop");
      assert.equal((decodeJwt(refreshed.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, await dpop.calculateThumbprint());
      tokens = refreshed;
    });

    it("the admin API takes the bound token with the DPoP scheme and a proof, and refuses it as a bearer token", async () => {
      const url = new URL(`${server.config.publicUrl}/api/v1/auth/sessions`);
      const withProof = await oauth.protectedResourceRequest(tokens.access_token, "GET", url, new Headers(), null, {
        ...INSECURE,
        DPoP: dpop,
      });
      assert.equal(withProof.status, 200, await withProof.clone().text());
      const asBearer = await fetch(url, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(asBearer.status, 401);
    });
  });
}

describe("a client that requires DPoP", () => {
  it("gets no token without a proof, and a DPoP-bound one with it", async () => {
    const as = await discoverAs(issuerOf("standard"));
    const svc: oauth.Client = { client_id: "svc" };
    const auth = oauth.ClientSecretBasic(serviceSecret);
    const refused = await oauth
      .processClientCredentialsResponse(as, svc, await oauth.clientCredentialsGrantRequest(as, svc, auth, {}, INSECURE))
      .catch((error: oauth.ResponseBodyError) => error);
    assert.equal((refused as oauth.ResponseBodyError).error, "invalid_request");

    const dpop = await dpopHandle(svc);
    const issued = await withNonceRetry(async () =>
      oauth.processClientCredentialsResponse(
        as,
        svc,
        await oauth.clientCredentialsGrantRequest(as, svc, auth, {}, { ...INSECURE, DPoP: dpop }),
      ),
    );
    assert.equal(issued.token_type, "dpop");
  });

  it("a proof without the server's nonce is answered with use_dpop_nonce and a DPoP-Nonce header", async () => {
    const as = await discoverAs(issuerOf("standard"));
    const svc: oauth.Client = { client_id: "svc" };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      svc,
      oauth.ClientSecretBasic(serviceSecret),
      {},
      {
        ...INSECURE,
        DPoP: await dpopHandle(svc),
      },
    );
    assert.equal(response.status, 400);
    assert.ok(response.headers.get("dpop-nonce"));
    assert.equal(((await response.json()) as { error: string }).error, "use_dpop_nonce");
  });
});
