// Refresh-token rotation as a client sees it (RFC 6749 §6, RFC 9700 §4.14.2, docs/oidc.md): the
// request is checked before anything is written (a refused scope burns nothing), the successor
// keeps the grant's scope, a client whose answer was lost may present its token again within the
// reuse grace (reuse beyond it: token-errors.test.ts), and a failure while storing leaves the
// presented token (or code) usable.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { hashSecret } from "../../src/crypto/secret-hash.js";
import { failWrites } from "../support/injected-fault.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  assertOAuthError,
  authorizeUrl,
  Browser,
  basicAuth,
  browserLogin,
  pkcePair,
  REDIRECT_URI,
  type RawAnswer,
  send,
  setUpTenant,
} from "./support.js";

const TENANT = "rot";
const FULL_SCOPE = "openid profile offline_access";

let server: TestServer;
let issuer: string;
let clientSecret: string;
const browser = new Browser();

before(async () => {
  server = await startTestServer();
  clientSecret = (await setUpTenant(server, TENANT, { clientId: "webapp" })).clientSecret as string;
  issuer = `${server.config.publicUrl}/${TENANT}`;
});
after(() => server.close());

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  id_token?: string;
  scope: string;
}

function token(form: Record<string, string>): Promise<RawAnswer> {
  return send(`${issuer}/token`, { form, headers: { authorization: basicAuth("webapp", clientSecret) } });
}

function refresh(refreshToken: string, scope?: string): Promise<RawAnswer> {
  return token({ grant_type: "refresh_token", refresh_token: refreshToken, ...(scope ? { scope } : {}) });
}

/** A code and its PKCE verifier (the browser signed in once; single sign-on after that). */
async function code(): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = await pkcePair();
  const url = authorizeUrl(issuer, {
    response_type: "code",
    client_id: "webapp",
    redirect_uri: REDIRECT_URI,
    scope: FULL_SCOPE,
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const callback = await browserLogin(server, browser, url, TENANT);
  return { code: callback.searchParams.get("code") as string, verifier };
}

function redeem(grant: { code: string; verifier: string }): Promise<RawAnswer> {
  return token({ grant_type: "authorization_code", code: grant.code, redirect_uri: REDIRECT_URI, code_verifier: grant.verifier });
}

/** The first tokens of a fresh authorization. */
async function freshTokens(): Promise<TokenAnswer> {
  const answer = await redeem(await code());
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as TokenAnswer;
}

async function refreshed(refreshToken: string, scope?: string): Promise<TokenAnswer> {
  const answer = await refresh(refreshToken, scope);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as TokenAnswer;
}

async function sql(statement: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await server.running.database.orm.em.getConnection().execute(statement, params, "all")) as Record<string, unknown>[];
}

/** Refresh tokens of the token's family that would still refresh (unrotated, unexpired, family not revoked). */
async function liveTokensInFamilyOf(refreshToken: string): Promise<number> {
  const [row] = await sql(
    `select count(*)::int as live from refresh_token r join token_family f on f.id = r.family_id
     where r.family_id = (select family_id from refresh_token where hash = ?)
       and r.rotated_at is null and r.expires_at > now() and f.revoked_at is null`,
    [hashSecret(refreshToken)],
  );
  return row?.live as number;
}

describe("checked before anything is written", () => {
  it("a wider scope is invalid_scope and burns nothing: the same token still refreshes", async () => {
    const tokens = await freshTokens();
    assertOAuthError(await refresh(tokens.refresh_token, `${FULL_SCOPE} email`), 400, "invalid_scope");
    const next = await refresh(tokens.refresh_token);
    assert.equal(next.status, 200, `the token survives a refused scope: ${JSON.stringify(next.body)}`);
  });

  it("a narrower scope is for that answer only: the successor keeps the grant's scope (RFC 6749 §6)", async () => {
    const tokens = await freshTokens();
    const narrowed = await refreshed(tokens.refresh_token, "openid");
    assert.equal(narrowed.scope, "openid");
    assert.equal(decodeJwt(narrowed.access_token).scope, "openid");
    assert.ok(narrowed.id_token, "openid was asked for");

    const widenedAgain = await refreshed(narrowed.refresh_token, "openid profile");
    assert.equal(widenedAgain.scope, "openid profile", "the successor may ask for more than the last answer, within the grant");
    const full = await refreshed(widenedAgain.refresh_token);
    assert.equal(full.scope, FULL_SCOPE, "without a scope, the grant's scope");
    assert.equal(decodeJwt(full.access_token).scope, FULL_SCOPE);
  });
});

describe("reuse and the reuse grace", () => {
  it("a client whose answer was lost presents its token again and goes on; the answer it never got is dead", async () => {
    const first = await freshTokens();
    const lost = await refreshed(first.refresh_token); // the client never sees this answer
    const again = await refreshed(first.refresh_token);
    assert.notEqual(again.refresh_token, lost.refresh_token);
    const next = await refreshed(again.refresh_token);
    assert.equal(await liveTokensInFamilyOf(next.refresh_token), 1, "one live token in the family");

    // The lost answer's token was retired when the new one was issued: presenting it is reuse.
    assertOAuthError(await refresh(lost.refresh_token), 400, "invalid_grant", "the superseded successor");
    assertOAuthError(await refresh(next.refresh_token), 400, "invalid_grant", "the family is revoked");
  });

  it("after the grace, a rotated token is reuse even while its successor is unused", async () => {
    const first = await freshTokens();
    const second = await refreshed(first.refresh_token);
    // The database's clock moves on: the rotation happened longer ago than the grace.
    await sql("update refresh_token set rotated_at = rotated_at - make_interval(secs => ?) where hash = ?", [
      server.config.refreshTokenReuseGraceSeconds + 1,
      hashSecret(first.refresh_token),
    ]);
    assertOAuthError(await refresh(first.refresh_token), 400, "invalid_grant", "reuse after the grace");
    assertOAuthError(await refresh(second.refresh_token), 400, "invalid_grant", "the family is revoked");
  });

  it("one token presented many times at once never leaves two live successors", async () => {
    const first = await freshTokens();
    const answers = await Promise.all(Array.from({ length: 6 }, () => refresh(first.refresh_token)));
    const answered = answers.filter((a) => a.status === 200).map((a) => (a.body as TokenAnswer).refresh_token);
    for (const a of answers) assert.ok(a.status === 200 || a.status === 400, `${a.status} ${JSON.stringify(a.body)}`);
    assert.ok(answered.length >= 1, "at least one presentation wins");
    assert.ok((await liveTokensInFamilyOf(first.refresh_token)) <= 1, "at most one live token in the family");
  });
});

describe("all or nothing", () => {
  it("a failure while storing the successor leaves the presented token valid", async () => {
    const tokens = await freshTokens();
    const fault = await failWrites(server.db.url, "refresh_token", "insert");
    try {
      const failed = await refresh(tokens.refresh_token);
      assert.ok(failed.status >= 500, `the injected fault fails the request: ${failed.status} ${JSON.stringify(failed.body)}`);
    } finally {
      await fault.remove();
    }
    const retried = await refreshed(tokens.refresh_token);
    await refreshed(retried.refresh_token);
  });

  it("a failure while storing the first refresh token leaves the code redeemable", async () => {
    const grant = await code();
    const fault = await failWrites(server.db.url, "refresh_token", "insert");
    try {
      const failed = await redeem(grant);
      assert.ok(failed.status >= 500, `the injected fault fails the request: ${failed.status} ${JSON.stringify(failed.body)}`);
    } finally {
      await fault.remove();
    }
    const retried = await redeem(grant);
    assert.equal(retried.status, 200, `the code was not spent: ${JSON.stringify(retried.body)}`);
    await refreshed((retried.body as TokenAnswer).refresh_token);
  });
});
