// "The application": a small web app on its own port that signs people in through the service
// with openid-client (authorization code + PKCE), as a developer's app would. /login starts a
// sign-in; /callback finishes it and shows who signed in; /logout starts RP-initiated logout.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as oidc from "openid-client";

export interface SignedIn {
  readonly sub: string;
  readonly claims: oidc.IDToken;
  readonly idToken: string;
  readonly accessToken: string;
  readonly userinfo: oidc.UserInfoResponse;
}

export interface RelyingPartyApp {
  readonly origin: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  /** Discovers the issuer; call once the client is registered. */
  connect(issuer: string, clientId: string, clientSecret: string): Promise<void>;
  /** Every completed sign-in, oldest first. */
  readonly signIns: SignedIn[];
  close(): Promise<void>;
}

interface PendingLogin {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function startRelyingPartyApp(): Promise<RelyingPartyApp> {
  let config: oidc.Configuration | undefined;
  const pending = new Map<string, PendingLogin>();
  const signIns: SignedIn[] = [];
  let origin = "";

  const page = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><body>${body}</body></html>`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    if (!config) return page(res, 503, "not connected");
    if (url.pathname === "/login") {
      const verifier = oidc.randomPKCECodeVerifier();
      const login: PendingLogin = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
      const id = randomUUID();
      pending.set(id, login);
      const authorize = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${origin}/callback`,
        scope: "openid profile email offline_access",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state: login.state,
        nonce: login.nonce,
        ...Object.fromEntries(url.searchParams),
      });
      res.writeHead(302, { location: authorize.toString(), "set-cookie": `rp=${id}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end();
    }
    if (url.pathname === "/callback") {
      const id = /rp=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
      const login = pending.get(id);
      if (!login) return page(res, 400, "no login in progress");
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const claims = tokens.claims() as oidc.IDToken;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      signIns.push({ sub: claims.sub, claims, idToken: tokens.id_token as string, accessToken: tokens.access_token, userinfo });
      return page(
        res,
        200,
        `<h1 id="signed-in">Signed in as ${String(userinfo.preferred_username ?? claims.sub).replace(/[<>&]/g, "")}</h1>`,
      );
    }
    if (url.pathname === "/logout") {
      const last = signIns.at(-1);
      const target = oidc.buildEndSessionUrl(config, {
        post_logout_redirect_uri: `${origin}/bye`,
        state: "bye-state",
        ...(last && url.searchParams.get("hint") !== "no" ? { id_token_hint: last.idToken } : {}),
      });
      res.writeHead(302, { location: target.toString() });
      return res.end();
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === "/bye") return page(res, 200, `<h1 id="bye">Signed out (${url.searchParams.get("state") ?? ""})</h1>`);
    return page(res, 404, "not found");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => page(res, 500, `<pre id="error">${String(error).replace(/[<>&]/g, "")}</pre>`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    postLogoutRedirectUri: `${origin}/bye`,
    signIns,
    async connect(issuer, clientId, clientSecret) {
      config = await oidc.discovery(new URL(issuer), clientId, { client_secret: clientSecret }, oidc.ClientSecretBasic(clientSecret), {
        execute: [oidc.allowInsecureRequests],
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
