// The hosted pages under /ui/ (hosted-UI issue): sign in, register, reset, e-mail verification,
// logout confirmation — drawn in the browser by src/ui/client from the data the server embeds —
// and the static error and signed-out pages, each in the person's language and the tenant's
// branding. Authorize sends browsers to /ui/login.
import { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../persistence/unit-of-work.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Code, DomainError } from "../errors/domain-error.js";
import { asDomainError } from "../rpc/interceptors/error-boundary.js";
import { getClient } from "../domain/clients/client-admin.js";
import { getTenant } from "../domain/tenants/tenant-admin.js";
import { translatorFor } from "../i18n/catalogues.js";
import type { Locale } from "../i18n/locales.js";
import type { MessageKey } from "../i18n/translator.js";
import type { Database } from "../persistence/database.js";
import type { Client } from "../persistence/entities/client.js";
import type { Tenant } from "../persistence/entities/tenant.js";
import { brandStylesheetRoute } from "./brand-stylesheet-route.js";
import { factorsOf } from "./factors.js";
import {
  type PageContextDeps,
  type PageQuery,
  pageContext,
  pageLocale,
  queryText,
  resolvePageData,
  undefinedIfNotFound,
} from "./page-context.js";
import type { HostedPageData, HostedPageName } from "./page-data.js";
import { type MessagePage, plainContext, type ShellContext, sendAppPage, sendMessagePage } from "./page-shell.js";
import { UI_ASSET_PREFIX, type UiAssets } from "./ui-assets.js";

export interface HostedPagesDeps extends PageContextDeps {
  readonly database: Database;
  readonly assets: UiAssets | undefined;
}

export interface AppPageSpec {
  readonly page: HostedPageName;
  /** The page's title before its script runs (the document's `<title>` and heading). */
  readonly title: MessageKey;
  /** Query parameters handed to the browser code as they are. */
  readonly params?: readonly string[];
  /** The page only makes sense inside a pending authorization request. */
  readonly needsAuthRequest?: boolean;
  /** An unknown `client_id` only loses the client's branding instead of failing the page. */
  readonly clientOptional?: boolean;
  /** Adds to the page's data (the account pages: the signed-in person's), or answers a message page instead. */
  readonly extend?: (
    request: FastifyRequest,
    em: EntityManager,
    data: HostedPageData,
  ) => Promise<{ data: HostedPageData } | { status: number; message: MessagePage }>;
  /** The page may use the camera (Permissions-Policy): only the login page, for its face step. */
  readonly camera?: boolean;
}

const APP_PAGES: Readonly<Record<string, AppPageSpec>> = {
  // `step`: the factor step Sign In sent the browser back for (e.g. `passkey` on a 2FA tenant,
  // `face`); the face step and the enrolment after a sign-in use the camera.
  "/ui/login": { page: "login", title: "login.title", params: ["step"], needsAuthRequest: true, camera: true },
  "/ui/register": { page: "register", title: "register.title" },
  "/ui/reset-password": { page: "reset-password", title: "secret.reset", params: ["code"] },
  "/ui/verify-email": { page: "verify-email", title: "verify.title", params: ["code"] },
  "/ui/logout": {
    page: "logout",
    title: "logout.signOut",
    params: ["state", "post_logout_redirect_uri", "client_id"],
    clientOptional: true,
  },
};

/** A link back to the client's own site, when it has an http(s) one. */
function backTo(client: Client | undefined): MessagePage["back"] {
  const url = client?.clientUri;
  return url && /^https?:\/\//.test(url) ? { name: client.name, url } : undefined;
}

const acceptLanguage = (request: FastifyRequest) => request.headers["accept-language"];
const browserContext = (request: FastifyRequest): ShellContext =>
  plainContext(pageLocale(request.query as PageQuery, acceptLanguage(request)));
const messagesOf = (assets: UiAssets | undefined) => (locale: Locale) => `${UI_ASSET_PREFIX}${assets?.manifest.messages[locale] ?? ""}`;

/** The tenant and client a static page names in its query, when they exist: for its branding. */
async function namedContext(em: EntityManager, request: FastifyRequest): Promise<{ context: ShellContext; client?: Client }> {
  const query = request.query as PageQuery;
  const tenantId = queryText(query, "tenant_id", 63);
  const tenant: Tenant | undefined = tenantId
    ? await getTenant(new TenantRepositories(new UnitOfWork(em), tenantId)).catch(undefinedIfNotFound)
    : undefined;
  if (!tenant) return { context: browserContext(request) };
  const clientId = queryText(query, "client_id", 128);
  const client = clientId
    ? await getClient(new TenantRepositories(new UnitOfWork(em), tenant.id), clientId).catch(undefinedIfNotFound)
    : undefined;
  return { context: pageContext(tenant, client, pageLocale(query, acceptLanguage(request), tenant)), client };
}

/**
 * The route of an app page: its context resolved from the query (404 for an unknown request,
 * tenant or client; 503 without the database), then `spec.extend` (the account pages add the
 * signed-in person's data, or answer a message page instead), then the page.
 */
export function appPageRoute(deps: HostedPagesDeps, path: string, spec: AppPageSpec) {
  const { assets } = deps;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!assets) {
      return sendMessagePage(reply, assets, 503, browserContext(request), {
        title: "static.unavailable",
        body: "static.unavailableBody",
        details: { reason: "The sign-in pages have not been built on this server (npm run build:ui)." },
      });
    }
    const query = request.query as PageQuery;
    if (spec.needsAuthRequest && !queryText(query, "auth_req_id")) {
      return sendMessagePage(reply, assets, 400, browserContext(request), {
        title: "static.startFromApp",
        body: "static.startFromAppBody",
      });
    }
    const params = Object.fromEntries((spec.params ?? []).map((name) => [name, queryText(query, name, 4096)]));
    const em = deps.database.orm.em.fork();
    let page: { data: HostedPageData; context: ShellContext };
    try {
      page = await resolvePageData(em, deps, spec, { query, acceptLanguage: acceptLanguage(request) }, params, messagesOf(assets));
      if (spec.extend) {
        const extended = await spec.extend(request, em, page.data);
        if ("message" in extended) return sendMessagePage(reply, assets, extended.status, page.context, extended.message);
        page = { ...page, data: extended.data };
      }
    } catch (error) {
      if (error instanceof DomainError && error.reason.endsWith("_NOT_FOUND")) {
        request.log.info({ path, reason: error.reason }, "hosted page for an unknown request, tenant or client");
        const { context } = await namedContext(em, request);
        return sendMessagePage(reply, assets, 404, context, {
          title: "static.notFound",
          body: "static.notFoundBody",
          details: { reason: error.message },
        });
      }
      const unavailable = asDomainError(error);
      if (unavailable?.code === Code.Unavailable) {
        request.log.warn({ err: error, path }, "hosted page: the database is unavailable");
        if (unavailable.retryAfterSeconds) reply.header("retry-after", String(unavailable.retryAfterSeconds));
        return sendMessagePage(reply, assets, 503, browserContext(request), {
          title: "static.unavailable",
          body: "static.unavailableBody",
          details: { reason: "The service cannot reach its database at the moment. Nothing was changed." },
        });
      }
      throw error;
    }
    const title = translatorFor(page.context.locale).t(spec.title, { factors: factorsOf(page.data.tenant) });
    return sendAppPage(reply, assets, { status: 200, title, context: page.context, camera: spec.camera === true }, page.data);
  };
}

export function hostedPages(deps: HostedPagesDeps) {
  const { assets } = deps;
  return async (app: FastifyInstance): Promise<void> => {
    for (const [path, spec] of Object.entries(APP_PAGES)) app.get(path, appPageRoute(deps, path, spec));
    app.get("/ui/error", async (request, reply) => {
      const query = request.query as PageQuery;
      const { context, client } = await namedContext(deps.database.orm.em.fork(), request);
      return sendMessagePage(reply, assets, 400, context, {
        title: "static.error",
        body: "static.errorBody",
        back: backTo(client),
        details: { error: queryText(query, "error", 100), error_description: queryText(query, "error_description", 500) },
      });
    });
    app.get("/ui/logged-out", async (request, reply) => {
      const { context } = await namedContext(deps.database.orm.em.fork(), request);
      return sendMessagePage(reply, assets, 200, context, { title: "static.loggedOut", body: "static.loggedOutBody" });
    });
    app.get("/ui/brand.css", brandStylesheetRoute(deps.database));
  };
}
