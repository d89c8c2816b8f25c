// A relying party's back-channel logout endpoint on 127.0.0.1, and the checks a relying party
// makes on the logout tokens it receives (OpenID Connect Back-Channel Logout 1.0 §2.6).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from "jose";

const BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout";

export class BackChannelReceiver {
  /**
   * `settled`: resolves once the service's back-channel notifications are done (its
   * `TestServer.settled`); each one's POST has been received by then, as the service waits for
   * the answer.
   */
  constructor(private readonly settled: () => Promise<void>) {}

  readonly received: { path: string; contentType: string; body: URLSearchParams }[] = [];
  private readonly http: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      this.received.push({
        path: request.url ?? "",
        contentType: request.headers["content-type"] ?? "",
        body: new URLSearchParams(body),
      });
      response.writeHead(200, { "cache-control": "no-store" }).end();
    });
  });

  /** Listens on a free port; answers the endpoint's URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/backchannel`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  /** The logout tokens received for `sid`, once the notifications the service has started are done. */
  async tokensFor(sid: string): Promise<string[]> {
    await this.settled();
    return this.received.map((r) => r.body.get("logout_token") ?? "").filter((t) => t && decodeJwt(t).sid === sid);
  }
}

/**
 * Verifies a logout token as a relying party `clientId` of `issuer` must, against that issuer's
 * JWKS: signature, `iss`, `aud`, `typ`, the back-channel event, `jti`, `iat` and no `nonce`.
 * Answers its claims for the caller's checks of `sid` and `sub`.
 */
export async function verifyLogoutToken(token: string, issuer: string, clientId: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience: clientId,
    typ: "logout+jwt",
    algorithms: ["EdDSA", "RS256"],
  });
  assert.equal(protectedHeader.typ, "logout+jwt");
  assert.deepEqual(payload.events, { [BACKCHANNEL_EVENT]: {} });
  assert.equal(payload.aud, clientId);
  assert.ok(typeof payload.jti === "string" && payload.jti.length > 0, "jti");
  assert.ok(typeof payload.iat === "number", "iat");
  assert.equal(payload.nonce, undefined, "a logout token has no nonce");
  return payload;
}
