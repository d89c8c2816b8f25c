// Ending sessions: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and the
// back-channel notification of the clients that signed in through the session (OpenID Connect
// Back-Channel Logout 1.0). A redirect to the client only ever happens for a valid
// `id_token_hint` and an exactly registered `post_logout_redirect_uri`: never an open redirect.
import { randomToken } from "../../crypto/random-token.js";
import { SignJWT } from "jose";
import type { Logger } from "../../logging/logger.js";
import type { Session } from "../../persistence/entities/oidc.js";
import { CrossTenantSessionLookup } from "../../persistence/repositories/session-repository.js";
import { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { UnitOfWork } from "../../persistence/unit-of-work.js";
import type { TenantKeyStore } from "../tenants/tenant-key-store.js";
import { type Redirect, redirectWith } from "./authorization.js";
import type { Issuers } from "./issuers.js";
import { endSessions, sessionOfCookie } from "./sessions.js";
import { signingAlgOf, type Tokens } from "./tokens.js";

export interface LogoutDeps {
  readonly tokens: Tokens;
  readonly issuers: Issuers;
  readonly keys: TenantKeyStore;
  readonly logger: Logger;
  /** Sends a back-channel logout token; injectable for tests. */
  readonly post?: (url: string, body: URLSearchParams) => Promise<void>;
  /** Told of each notification running in the background, so that a shutdown can wait for it. */
  readonly trackBackground?: (work: Promise<unknown>) => void;
  /** A unit of work of its own, for the notifications that run after the request's has committed. */
  readonly detachedUnitOfWork: () => UnitOfWork;
}

/** What a back-channel logout token says about an ended session. */
export type EndedSession = Pick<Session, "id" | "user" | "clients" | "clientIssuers">;

const BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout";

async function postForm(url: string, body: URLSearchParams): Promise<void> {
  const response = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(5_000), redirect: "manual" });
  if (!response.ok) throw new Error(`back-channel logout answered ${response.status}`);
}

export class Logout {
  constructor(private readonly deps: LogoutDeps) {}

  async rpInitiated(
    uow: UnitOfWork,
    input: { idTokenHint: string; state: string; postLogoutRedirectUri: string; clientId: string },
    sessionCookie: string | undefined,
    /** The person confirmed on the logout page (the form POST, which only a same-site page can make with the cookie). */
    confirmed: boolean,
  ): Promise<Redirect & { sessionKept?: boolean }> {
    const loggedOut = (tenantId?: string) => {
      const url = new URL(this.deps.issuers.endpoints(this.deps.issuers.of(tenantId ?? "_")).loggedOutPage);
      if (tenantId) url.searchParams.set("tenant_id", tenantId);
      return { location: url.toString() };
    };
    const hint = input.idTokenHint ? await this.deps.tokens.verifyIdTokenHint(input.idTokenHint) : undefined;
    if (!hint) {
      // No valid hint: end the browser's own session (its cookie names it), but redirect nowhere.
      const [sessionId] = (sessionCookie ?? "").split(".");
      const tenantId = sessionId ? await new CrossTenantSessionLookup(uow).tenantOf(sessionId) : undefined;
      if (!tenantId) return loggedOut(tenantId);
      const repos = new TenantRepositories(uow, tenantId);
      const browser = await sessionOfCookie(repos.sessions, sessionCookie);
      if (!browser) return loggedOut(tenantId);
      // Without a valid hint anyone could link here: ask the person first (RP-Initiated Logout §2).
      if (!confirmed) return { location: this.confirmationPage(tenantId, input), sessionKept: true };
      await this.end(repos, { ids: [browser.id] });
      return loggedOut(tenantId);
    }
    const tenantId = hint.issuer.tenantId;
    const repos = new TenantRepositories(uow, tenantId);
    const audience = Array.isArray(hint.claims.aud) ? hint.claims.aud[0] : hint.claims.aud;
    if (input.clientId && input.clientId !== audience) return loggedOut(tenantId);

    const ids = new Set<string>();
    if (typeof hint.claims.sid === "string") ids.add(hint.claims.sid);
    const browser = await sessionOfCookie(repos.sessions, sessionCookie);
    if (browser) ids.add(browser.id);
    await this.end(repos, { ids: [...ids] });

    const client = audience ? await repos.clients.find(audience) : undefined;
    if (client && input.postLogoutRedirectUri && client.postLogoutRedirectUri.includes(input.postLogoutRedirectUri)) {
      return redirectWith(input.postLogoutRedirectUri, { state: input.state });
    }
    return loggedOut(tenantId);
  }

  private confirmationPage(tenantId: string, input: { state: string; postLogoutRedirectUri: string; clientId: string }): string {
    const url = new URL(this.deps.issuers.endpoints(this.deps.issuers.of(tenantId)).logoutPage);
    url.searchParams.set("tenant_id", tenantId);
    for (const [name, value] of [
      ["client_id", input.clientId],
      ["post_logout_redirect_uri", input.postLogoutRedirectUri],
      ["state", input.state],
    ] as const) {
      if (value) url.searchParams.set(name, value);
    }
    return url.toString();
  }

  /** Ends sessions, revokes their tokens, and notifies their clients over the back channel. */
  async end(repos: TenantRepositories, which: { ids?: string[]; userId?: string }): Promise<Session[]> {
    if (which.ids && which.ids.length === 0) return [];
    const ended = await endSessions(repos.sessions, which);
    this.announce(repos.tenantId, ended);
    return ended;
  }

  /**
   * Notifies the clients of sessions that ended otherwise (their user was deleted) over the back
   * channel. Call it once the ending is committed. It runs in the background: a slow or failing
   * client must not delay or fail what ended the sessions.
   */
  announce(tenantId: string, sessions: readonly EndedSession[]): void {
    if (sessions.length === 0) return;
    const work = this.notify(new TenantRepositories(this.deps.detachedUnitOfWork(), tenantId), sessions).catch((error: unknown) =>
      this.deps.logger.warn({ err: error, tenantId }, "back-channel logout notification failed"),
    );
    this.deps.trackBackground?.(work);
  }

  private async notify(repos: TenantRepositories, sessions: readonly EndedSession[]): Promise<void> {
    const { tenantId } = repos;
    const clientIds = [...new Set(sessions.flatMap((s) => s.clients))];
    if (clientIds.length === 0) return;
    const clients = await repos.clients.withLogoutUri(clientIds);
    const standardIssuer = this.deps.issuers.of(tenantId).issuer;
    const post = this.deps.post ?? postForm;
    for (const session of sessions) {
      for (const client of clients.filter((c) => session.clients.includes(c.clientId))) {
        const alg = signingAlgOf(client);
        try {
          const key = await this.deps.keys.currentKey(tenantId, alg);
          const token = await new SignJWT({ sid: session.id, events: { [BACKCHANNEL_EVENT]: {} } })
            .setProtectedHeader({ alg, kid: key.kid, typ: "logout+jwt" })
            .setIssuer(session.clientIssuers[client.clientId] ?? standardIssuer)
            .setSubject(session.user)
            .setAudience(client.clientId)
            .setIssuedAt()
            .setExpirationTime("2m")
            .setJti(randomToken(16))
            .sign(key.privateKey);
          if (client.clientLogoutUri) await post(client.clientLogoutUri, new URLSearchParams({ logout_token: token }));
        } catch (error) {
          this.deps.logger.warn({ err: error, clientId: client.clientId, tenantId }, "back-channel logout failed");
        }
      }
    }
  }
}
