// A stand-in for Microsoft Entra ID, the one part of the MFA flow that cannot run here: its own
// RSA keys, its OpenID configuration and JWKS served over HTTP on 127.0.0.1 (read by the
// service's real HttpEntraDirectory), and `id_token_hint`s signed the way Entra signs them —
// already expired, with `tid`, `oid` and a pairwise `sub`.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface HintOptions {
  /** Claims replacing or adding to the defaults. */
  readonly claims?: Record<string, unknown>;
  /** Sign with a key that is not in the JWKS. */
  readonly unknownKey?: boolean;
  /** Seconds since the epoch the hint is issued at. */
  readonly iat: number;
}

export interface EntraAccount {
  readonly tid: string;
  readonly oid: string;
  readonly sub: string;
  readonly preferredUsername: string;
}

export interface SimulatedEntra {
  /** `http://127.0.0.1:<port>/common/v2.0/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /** The Entra app's application (client) id. */
  readonly clientId: string;
  /** The Entra tenant our tenant onboarded. */
  readonly tid: string;
  /** The issuer of a tenant's tokens. */
  issuerOf(tid: string): string;
  account(preferredUsername: string): EntraAccount;
  hint(account: EntraAccount, options: HintOptions): Promise<string>;
  close(): Promise<void>;
}

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" } as JWK };
}

export async function startSimulatedEntra(): Promise<SimulatedEntra> {
  const known = await rsaKey("entra-key-1");
  const unknown = await rsaKey("entra-key-unpublished");
  let base = "";
  const server: Server = createServer((request, response) => {
    const send = (body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
    };
    if (request.url === "/common/v2.0/.well-known/openid-configuration") {
      return send({
        issuer: `${base}/{tenantid}/v2.0`,
        authorization_endpoint: `${base}/common/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/common/discovery/v2.0/keys`,
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (request.url === "/common/discovery/v2.0/keys") return send({ keys: [known.jwk] });
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = randomUUID();
  const tid = randomUUID();
  const issuerOf = (tenant: string) => `${base}/${tenant}/v2.0`;
  return {
    discoveryUrl: `${base}/common/v2.0/.well-known/openid-configuration`,
    clientId,
    tid,
    issuerOf,
    account: (preferredUsername) => ({ tid, oid: randomUUID(), sub: `pairwise-${randomUUID()}`, preferredUsername }),
    async hint(account, options) {
      const key = options.unknownKey ? unknown : known;
      const claims = {
        ver: "2.0",
        iss: issuerOf(account.tid),
        aud: clientId,
        sub: account.sub,
        oid: account.oid,
        tid: account.tid,
        preferred_username: account.preferredUsername,
        // Entra's token identifier: unique per token, so two hints are never the same token.
        uti: randomUUID(),
        iat: options.iat,
        nbf: options.iat,
        // Entra issues the hint already expired.
        exp: options.iat - 1,
        ...options.claims,
      };
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
