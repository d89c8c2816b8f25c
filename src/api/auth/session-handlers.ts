// The session part of svault.auth.v1.AuthService: Sign In, logout (RP-initiated and API), and
// the caller's sessions.
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import type { Authorization } from "../../domain/oidc/authorization.js";
import type { Logout } from "../../domain/oidc/logout.js";
import { cookieName, listSessions, SESSION_IDLE_SECONDS } from "../../domain/oidc/sessions.js";
import { PASSKEY_OFFER_LATER_COOKIE } from "../../domain/passkeys/passkey-offer.js";
import { notFound } from "../../errors/domain-error.js";
import { entityManager, principal, repositories, unitOfWork } from "../../rpc/context.js";
import { getCookie, noStore, redirect, setCookie } from "../../rpc/http-response.js";
import { callerInfo } from "./caller-info.js";
import { sessionMessage } from "./session-converters.js";

export interface SessionHandlerDeps {
  readonly authorization: Authorization;
  readonly logout: Logout;
  readonly publicUrl: string;
}

type SessionMethods = "signIn" | "oidcLogout" | "logout" | "revokeSession" | "revokeAllSession" | "listSessions";

export function sessionHandlers(deps: SessionHandlerDeps): Pick<ServiceImpl<typeof AuthService>, SessionMethods> {
  const name = cookieName(deps.publicUrl);
  const secure = deps.publicUrl.startsWith("https:");
  const setSessionCookie = (ctx: HandlerContext, value: string, maxAgeSeconds: number) =>
    setCookie(ctx, name, value, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAgeSeconds });

  return {
    async signIn(request, ctx) {
      noStore(ctx);
      const result = await deps.authorization.signIn(
        entityManager(ctx),
        {
          nonce: request.oidNonce,
          authReqId: request.authReqId,
          ...callerInfo(ctx),
          offerPasskey: request.offerPasskey && getCookie(ctx, PASSKEY_OFFER_LATER_COOKIE) === undefined,
        },
        getCookie(ctx, name),
      );
      if (result.cookie) setSessionCookie(ctx, result.cookie, SESSION_IDLE_SECONDS);
      redirect(ctx, result.location, 302);
      return {};
    },
    async oidcLogout(request, ctx) {
      noStore(ctx);
      const target = await deps.logout.rpInitiated(
        unitOfWork(ctx),
        {
          idTokenHint: request.idTokenHint,
          state: request.state,
          postLogoutRedirectUri: request.postLogoutRedirectUri,
          clientId: request.clientId,
        },
        getCookie(ctx, name),
        ctx.requestMethod === "POST",
      );
      if (!target.sessionKept) setSessionCookie(ctx, "", 0);
      // 303 after the form POST of #6, so that the browser follows with a GET.
      redirect(ctx, target.location, ctx.requestMethod === "POST" ? 303 : 302);
      return {};
    },
    async logout(_request, ctx) {
      const caller = principal(ctx);
      if (caller.sessionId) await deps.logout.end(repositories(ctx, caller.tenantId), { ids: [caller.sessionId] });
      return {};
    },
    async revokeSession(request, ctx) {
      const caller = principal(ctx);
      const repos = repositories(ctx, caller.tenantId);
      const own = (await listSessions(repos.sessions, caller.userId)).some((s) => s.id === request.sessionId);
      if (!own) throw notFound("SESSION_NOT_FOUND", `Session ${request.sessionId} not found`);
      await deps.logout.end(repos, { ids: [request.sessionId] });
      return { sessionId: request.sessionId };
    },
    async revokeAllSession(_request, ctx) {
      const caller = principal(ctx);
      await deps.logout.end(repositories(ctx, caller.tenantId), { userId: caller.userId });
      return {};
    },
    async listSessions(_request, ctx) {
      const caller = principal(ctx);
      const sessions = await listSessions(repositories(ctx, caller.tenantId).sessions, caller.userId);
      return { sessions: sessions.map((session) => sessionMessage(session, caller.sessionId)), total: sessions.length };
    },
  };
}
