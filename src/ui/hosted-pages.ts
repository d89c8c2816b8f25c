// The hosted pages under /ui/ (hosted-UI issue): sign in, register, reset, e-mail verification,
// logout confirmation — drawn in the browser by src/ui/client from the data the server embeds —
// and the static error and signed-out pages. Authorize sends browsers to /ui/login.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Database } from "../persistence/database.js";
import { DomainError } from "../errors/domain-error.js";
import { escapeHtml } from "../mail/escape-html.js";
import { type PageContextDeps, type PageQuery, logoOrigin, queryText, resolvePageData } from "./page-context.js";
import type { HostedPageName } from "./page-data.js";
import { sendAppPage, sendMessagePage } from "./page-shell.js";
import type { UiAssets } from "./ui-assets.js";

export interface HostedPagesDeps extends PageContextDeps {
  readonly database: Database;
  readonly assets: UiAssets | undefined;
}

interface AppPageSpec {
  readonly page: HostedPageName;
  readonly title: string;
  /** Query parameters handed to the browser code as they are. */
  readonly params?: readonly string[];
  /** The page only makes sense inside a pending authorization request. */
  readonly needsAuthRequest?: boolean;
  /** An unknown `client_id` only loses the client's branding instead of failing the page. */
  readonly clientOptional?: boolean;
}

const APP_PAGES: Readonly<Record<string, AppPageSpec>> = {
  "/ui/login": { page: "login", title: "Sign in", needsAuthRequest: true },
  "/ui/register": { page: "register", title: "Create your account" },
  "/ui/reset-password": { page: "reset-password", title: "Reset your PIN or pattern", params: ["code"] },
  "/ui/verify-email": { page: "verify-email", title: "Confirm your e-mail address", params: ["code"] },
  "/ui/logout": {
    page: "logout",
    title: "Sign out",
    params: ["state", "post_logout_redirect_uri", "client_id"],
    clientOptional: true,
  },
};

export function hostedPages(deps: HostedPagesDeps) {
  const { assets } = deps;
  const message = (reply: FastifyReply, status: number, title: string, paragraphs: readonly string[]) =>
    sendMessagePage(reply, assets, { status, title }, paragraphs.map(escapeHtml));

  const appPage = (path: string, spec: AppPageSpec) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!assets) {
      return message(reply, 503, "Sign-in is unavailable", ["The sign-in pages have not been built on this server (npm run build:ui)."]);
    }
    const query = request.query as PageQuery;
    if (spec.needsAuthRequest && !queryText(query, "auth_req_id")) {
      return message(reply, 400, "Start from your application", [
        "This page signs you in to an application. Open the application and choose to sign in there.",
      ]);
    }
    const params = Object.fromEntries((spec.params ?? []).map((name) => [name, queryText(query, name, 4096)]));
    try {
      const data = await resolvePageData(deps.database.orm.em.fork(), deps, spec, query, params);
      const origin = logoOrigin(data);
      return sendAppPage(reply, assets, { status: 200, title: spec.title, imageOrigins: origin ? [origin] : [] }, data);
    } catch (error) {
      if (error instanceof DomainError && error.reason.endsWith("_NOT_FOUND")) {
        request.log.info({ path, reason: error.reason }, "hosted page for an unknown request, tenant or client");
        return message(reply, 404, "This page cannot be shown", [error.message, "Go back to the application and start again."]);
      }
      throw error;
    }
  };

  return async (app: FastifyInstance): Promise<void> => {
    for (const [path, spec] of Object.entries(APP_PAGES)) app.get(path, appPage(path, spec));
    app.get("/ui/error", async (request, reply) => {
      const query = request.query as PageQuery;
      const code = queryText(query, "error", 100);
      const description = queryText(query, "error_description", 500);
      return message(reply, 400, "This sign-in request cannot be completed", [
        description || "The application sent a request this service cannot accept.",
        ...(code ? [`Error code: ${code}`] : []),
        "Go back to the application and start again.",
      ]);
    });
    app.get("/ui/logged-out", async (_request, reply) =>
      message(reply, 200, "You are signed out", ["You can close this window, or go back to the application."]),
    );
  };
}
