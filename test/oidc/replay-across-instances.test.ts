// One-time JWTs stay one-time across instances of the service (docs/oidc.md): a client assertion
// or a DPoP proof used at one instance is refused at another, since the replay cache is the shared
// database; and a DPoP nonce one instance issued is accepted by the other (both derive it from the KEK).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { clientKeyPair, discoverAs, INSECURE, oauth, registerClient } from "./oauth4webapi-support.js";
import { send, setUpTenant } from "./support.js";

const TENANT = "twin";
let first: TestServer;
let second: TestServer;
let keys: Awaited<ReturnType<typeof clientKeyPair>>;
let secret: string;

before(async () => {
  first = await startTestServer();
  second = await startTestServer({ instanceOf: first });
  await setUpTenant(first, TENANT, { clientId: "unused" });
  keys = await clientKeyPair("ES256");
  await registerClient(first, TENANT, "signed", { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [keys.jwk] } });
  secret = (await registerClient(first, TENANT, "svc")) as string;
});
after(async () => {
  await second.close();
  await first.close();
});

/** The same issuer path on an instance's own listener (both instances share PUBLIC_URL). */
const at = (server: TestServer, path: string) => `${server.baseUrl}/${TENANT}${path}`;

describe("two instances of the service", () => {
  it("refuse at one a client assertion already used at the other", async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: keys.jwk.kid })
      .setIssuer("signed")
      .setSubject("signed")
      .setAudience(`${first.config.publicUrl}/${TENANT}`)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(keys.pair.privateKey);
    const form = {
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    };
    assert.equal((await send(at(first, "/token"), { form })).status, 200);
    const replayed = await send(at(second, "/token"), { form });
    assert.equal(replayed.status, 401);
    assert.equal((replayed.body as { error: string }).error, "invalid_client");
  });

  it("accept each other's DPoP nonces, and refuse at one a DPoP proof already used at the other", async () => {
    const as = await discoverAs(`${first.config.publicUrl}/${TENANT}`);
    const svc: oauth.Client = { client_id: "svc" };
    const dpop = oauth.DPoP(svc, await oauth.generateKeyPair("ES256"));
    const auth = oauth.ClientSecretBasic(secret);
    // The first answer of the first instance gives the nonce (use_dpop_nonce); the second instance takes it.
    const toFirst = {
      ...INSECURE,
      DPoP: dpop,
      [oauth.customFetch]: (url: string, init?: RequestInit) => fetch(url.replace(first.config.publicUrl, first.baseUrl), init),
    };
    const toSecond = {
      ...INSECURE,
      DPoP: dpop,
      [oauth.customFetch]: (url: string, init?: RequestInit) => fetch(url.replace(first.config.publicUrl, second.baseUrl), init),
    };
    const nonceAsked = await oauth.clientCredentialsGrantRequest(as, svc, auth, {}, toFirst);
    assert.equal(nonceAsked.status, 400);
    // oauth4webapi keeps the nonce of the answer for the next proof.
    await assert.rejects(oauth.processClientCredentialsResponse(as, svc, nonceAsked));
    let proof = "";
    const capturing = {
      ...toSecond,
      [oauth.customFetch]: (url: string, init?: RequestInit) => {
        proof = new Headers(init?.headers).get("dpop") ?? "";
        return toSecond[oauth.customFetch](url, init);
      },
    };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      svc,
      await oauth.clientCredentialsGrantRequest(as, svc, auth, {}, capturing),
    );
    assert.equal(tokens.token_type, "dpop", "the second instance took the first one's nonce");

    const replayed = await send(at(first, "/token"), {
      form: { grant_type: "client_credentials" },
      headers: { authorization: `Basic ${Buffer.from(`svc:${secret}`).toString("base64")}`, dpop: proof },
    });
    assert.equal(replayed.status, 400);
    assert.equal((replayed.body as { error: string }).error, "invalid_dpop_proof");
    assert.match((replayed.body as { error_description: string }).error_description, /used before/);
  });
});
