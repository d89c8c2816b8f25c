// The hosted account area (docs/hosted-ui.md, "Account"): first-party pages of this service that
// act as the person signed in in this browser — the Security page (their passkeys: list, add,
// rename, remove; their sessions) and the offer to add a passkey after a PIN/pattern sign-in —
// and the JSON calls those pages make. Who acts is the session cookie's person in the tenant the
// request names (account-session.ts); every state-changing call also carries the session's CSRF
// token and this service's Origin; adding or removing a passkey needs a recent sign-in
// (domain/oidc/reauthentication.ts). The passkey rules themselves are the domain's, shared with
// the API (#49–51, #99/#100): domain/passkeys.
import type { EntityManager } from "@mikro-orm/postgresql";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Authorization } from "../../domain/oidc/authorization.js";
import { requireRecentAuthentication } from "../../domain/oidc/reauthentication.js";
import { cookieName, listSessions } from "../../domain/oidc/sessions.js";
import { deleteOwnPasskey, listOwnPasskeys, renameOwnPasskey } from "../../domain/passkeys/passkey-admin.js";
import { NAME_MAX_LENGTH } from "../../domain/passkeys/passkey-names.js";
import { PASSKEY_OFFER_LATER_COOKIE, PASSKEY_OFFER_LATER_SECONDS } from "../../domain/passkeys/passkey-offer.js";
import type { PasskeyRegistration } from "../../domain/passkeys/passkey-registration.js";
import { invalidArgument } from "../../errors/domain-error.js";
import type { PasskeyRecord } from "../../persistence/repositories/passkey-repository.js";
import { asDomainError } from "../../rpc/interceptors/error-boundary.js";
import { httpStatusOf } from "../../sdk/http-status.js";
import { type AppPageSpec, appPageRoute, type HostedPagesDeps } from "../hosted-pages.js";
import { type PageQuery, queryText } from "../page-context.js";
import type { AccountPasskey, AccountPageData, HostedPageData } from "../page-data.js";
import { type AccountCaller, accountCaller, csrfTokenOf, sameOriginWithToken } from "./account-session.js";

export interface AccountRoutesDeps extends HostedPagesDeps {
  readonly publicUrl: string;
  readonly registration: PasskeyRegistration;
  readonly authorization: Authorization;
  /** Epoch milliseconds (tests age a session without waiting). */
  readonly clock: () => number;
}

/** A cookie of the request's Cookie header, or undefined. */
function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq !== -1 && pair.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function passkeyOf(passkey: PasskeyRecord): AccountPasskey {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    synced: passkey.backupEligible,
  };
}

const text = (body: Record<string, unknown>, name: string, max = 4096): string => {
  const value = body[name];
  return typeof value === "string" ? value.slice(0, max) : "";
};

function passkeyName(body: Record<string, unknown>): string {
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (name === "" || name.length > NAME_MAX_LENGTH) {
    throw invalidArgument([{ path: ["name"], message: `name must be 1 to ${NAME_MAX_LENGTH} characters`, type: "value_error" }]);
  }
  return name;
}

export function accountRoutes(deps: AccountRoutesDeps) {
  const sessionCookieName = cookieName(deps.publicUrl);
  const publicOrigin = new URL(deps.publicUrl).origin;
  const secure = deps.publicUrl.startsWith("https:");

  /** The account pages' data for the signed-in person, or the "not signed in" page. */
  const signedIn =
    (withSessions: boolean): NonNullable<AppPageSpec["extend"]> =>
    async (request, em, data) => {
      const cookie = cookieOf(request, sessionCookieName);
      const caller = await accountCaller(em, data.tenant.tenantId, cookie);
      if (!caller || !cookie) {
        return { status: 401, message: { title: "account.signedOut", body: "account.signedOutBody" } };
      }
      const [passkeys, factors, sessions] = await Promise.all([
        listOwnPasskeys(caller.repos, { userId: caller.user.id }),
        caller.repos.passkeys.factorsOfUser(caller.user.id),
        withSessions ? listSessions(caller.repos.sessions, caller.user.id) : Promise.resolve([]),
      ]);
      const account: AccountPageData = {
        username: caller.user.username,
        csrfToken: csrfTokenOf(cookie),
        passkeys: passkeys.map(passkeyOf),
        sessions: sessions.map((session) => ({
          current: session.id === caller.session.id,
          authTime: session.authTime.toISOString(),
          lastSeenAt: session.lastSeenAt.toISOString(),
          userAgent: session.userAgent.slice(0, 200),
          applications: session.clients.length,
        })),
        hasSecret: factors?.hasSecret ?? false,
      };
      return { data: { ...data, account } satisfies HostedPageData };
    };

  const pages: Readonly<Record<string, AppPageSpec>> = {
    "/ui/account/security": { page: "security", title: "account.title", extend: signedIn(true) },
    "/ui/account/passkey-offer": { page: "passkey-offer", title: "offer.title", needsAuthRequest: true, extend: signedIn(false) },
  };

  /**
   * A JSON call of the account pages: the session's person, after the cross-site checks; domain
   * errors in the API's `{detail}` shape with their reason (the page words them itself).
   */
  const call =
    (work: (caller: AccountCaller, body: Record<string, unknown>, request: FastifyRequest) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header("cache-control", "no-store");
      const cookie = cookieOf(request, sessionCookieName);
      if (!cookie) return reply.code(401).send({ detail: "Not signed in", reason: "NOT_SIGNED_IN" });
      if (!sameOriginWithToken(request.headers, cookie, publicOrigin)) {
        request.log.warn({ url: request.url, origin: request.headers.origin }, "account call without this session's CSRF token or origin");
        return reply.code(403).send({ detail: "This request did not come from this service's own page", reason: "CSRF" });
      }
      const em: EntityManager = deps.database.orm.em.fork();
      const caller = await accountCaller(em, queryText(request.query as PageQuery, "tenant_id", 63), cookie);
      if (!caller) return reply.code(401).send({ detail: "Not signed in", reason: "NOT_SIGNED_IN" });
      try {
        return reply.send(await work(caller, (request.body ?? {}) as Record<string, unknown>, request));
      } catch (error) {
        const domain = asDomainError(error);
        if (!domain || httpStatusOf(domain.code) >= 500) throw error;
        return reply.code(httpStatusOf(domain.code)).send({ detail: domain.message, reason: domain.reason });
      }
    };

  const passkeysOf = async (caller: AccountCaller) => ({
    passkeys: (await listOwnPasskeys(caller.repos, { userId: caller.user.id })).map(passkeyOf),
  });

  return async (app: FastifyInstance): Promise<void> => {
    for (const [path, spec] of Object.entries(pages)) app.get(path, appPageRoute(deps, path, spec));

    app.post(
      "/ui/account/api/passkeys/options",
      call(async (caller, body) => {
        await requireRecentAuthentication(caller.repos.users, caller.session, text(body, "reauth_nonce", 128), deps.clock());
        // The registration challenge is bound to the user and single use: it carries the proof on to the verification.
        return { options: await deps.registration.options(caller.repos, caller.user.id) };
      }),
    );
    app.post(
      "/ui/account/api/passkeys",
      call(async (caller, body) => {
        const transports = Array.isArray(body.transports) ? body.transports.filter((t): t is string => typeof t === "string") : [];
        const added = await deps.registration.verify(caller.repos, caller.user.id, {
          id: text(body, "id"),
          rawId: text(body, "raw_id"),
          clientDataJson: text(body, "client_data_json", 16_384),
          attestationObject: text(body, "attestation_object", 65_536),
          transports: transports.slice(0, 8),
          authenticatorAttachment: text(body, "authenticator_attachment", 32),
          name: text(body, "name", NAME_MAX_LENGTH),
        });
        return { added: passkeyOf(added), ...(await passkeysOf(caller)) };
      }),
    );
    app.patch(
      "/ui/account/api/passkeys/:id",
      call(async (caller, body, request) => {
        await renameOwnPasskey(caller.repos, { userId: caller.user.id }, (request.params as { id: string }).id, passkeyName(body));
        return passkeysOf(caller);
      }),
    );
    app.delete(
      "/ui/account/api/passkeys/:id",
      call(async (caller, body, request) => {
        await requireRecentAuthentication(caller.repos.users, caller.session, text(body, "reauth_nonce", 128), deps.clock());
        await deleteOwnPasskey(caller.repos, { userId: caller.user.id }, (request.params as { id: string }).id);
        return passkeysOf(caller);
      }),
    );

    // The way on from the passkey offer: the code for the application (Authorization.resumeAfterOffer).
    app.get("/ui/account/continue", async (request, reply) => {
      const query = request.query as PageQuery;
      if (queryText(query, "later", 1) === "1") {
        reply.header(
          "set-cookie",
          `${PASSKEY_OFFER_LATER_COOKIE}=1; Path=/; Max-Age=${PASSKEY_OFFER_LATER_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
        );
      }
      const target = await deps.authorization.resumeAfterOffer(
        deps.database.orm.em.fork(),
        queryText(query, "auth_req_id", 128),
        cookieOf(request, sessionCookieName),
      );
      return reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer").redirect(target.location, 302);
    });
  };
}
