// Which tenant, client and authorization request a hosted page is for, from its query: the
// pending request's (`auth_req_id`) when there is one, else `tenant_id` (default: the configured
// default tenant) and an optional `client_id` — the same rule as the auth API (ROUTES.md) — and
// what the page shows of them: the public settings, the branding, and the language.
import { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../persistence/unit-of-work.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import { publicTenantMessage } from "../api/auth/public-info-converters.js";
import { registrationOpen } from "../domain/clients/public-info.js";
import { getClient } from "../domain/clients/client-admin.js";
import { resolveAuthTarget } from "../domain/login/auth-target.js";
import { knowledgeAmrOf } from "../domain/login/factors.js";
import { decideSignIn, type SignInDecision } from "../domain/login/sign-in-policy.js";
import { type AuthRequestParams, authenticationRequestOf } from "../domain/oidc/authorization.js";
import { DomainError } from "../errors/domain-error.js";
import { chooseLocale, type Locale } from "../i18n/locales.js";
import type { Client } from "../persistence/entities/client.js";
import type { Tenant } from "../persistence/entities/tenant.js";
import { type Brand, brandColoursOf, brandOf, brandStylesheetUrl } from "./brand.js";
import type { HostedPageData, HostedPageName, PublicTenantInfo, SignInSteps } from "./page-data.js";
import type { ShellContext } from "./page-shell.js";

export type PageQuery = Readonly<Record<string, unknown>>;

/** A query parameter as a bounded string ("" when absent or not a string). */
export function queryText(query: PageQuery, name: string, maxLength = 512): string {
  const value = query[name];
  return typeof value === "string" ? value.slice(0, maxLength) : "";
}

export interface PageContextDeps {
  readonly defaultTenant: string;
  readonly issuerOf: (tenantId: string) => string;
}

/** A catch handler for lookups that may name nothing: `undefined` for a NotFound, else rethrows. */
export function undefinedIfNotFound(error: unknown): undefined {
  if (error instanceof DomainError && error.reason.endsWith("_NOT_FOUND")) return undefined;
  throw error;
}

/** A catch handler that turns the error into `undefined` when `ignore` is set, else rethrows. */
function ignoreIf(ignore: boolean | undefined): (error: unknown) => undefined {
  return (error) => {
    if (ignore) return undefined;
    throw error;
  };
}

/** The page's language: the request's `ui_locales`, else the browser's, else the tenant's default. */
export function pageLocale(query: PageQuery, acceptLanguage: string | undefined, tenant?: Tenant, uiLocales = ""): Locale {
  return chooseLocale({
    uiLocales: uiLocales || queryText(query, "ui_locales", 256),
    acceptLanguage,
    tenantDefault: tenant?.defaultLocale,
  });
}

/** A page's language and branding (its shell: page-shell.ts). */
export function pageContext(tenant: Tenant, client: Client | undefined, locale: Locale): ShellContext & { brand: Brand } {
  return {
    locale,
    brand: brandOf(tenant, client),
    brandStylesheet: brandStylesheetUrl(tenant.id, client?.clientId, brandColoursOf(tenant, client)),
  };
}

/** Throws the domain's NotFound errors for an unknown or expired request, tenant or client. */
export async function resolvePageData(
  em: EntityManager,
  deps: PageContextDeps,
  spec: { readonly page: HostedPageName; readonly clientOptional?: boolean },
  request: { readonly query: PageQuery; readonly acceptLanguage: string | undefined },
  params: Readonly<Record<string, string>>,
  messagesOf: (locale: Locale) => string,
): Promise<{ data: HostedPageData; context: ShellContext }> {
  const { query } = request;
  const authReqId = queryText(query, "auth_req_id", 128);
  const uow = new UnitOfWork(em);
  const target = await resolveAuthTarget(uow, { authReqId, tenantId: queryText(query, "tenant_id", 63) }, deps.defaultTenant);
  const clientId = queryText(query, "client_id", 128);
  const client =
    target.client ??
    (clientId ? await getClient(new TenantRepositories(uow, target.tenant.id), clientId).catch(ignoreIf(spec.clientOptional)) : undefined);
  const requested = target.authRequest?.params.ui_locales;
  const locale = pageLocale(query, request.acceptLanguage, target.tenant, typeof requested === "string" ? requested : "");
  const context = pageContext(target.tenant, client, locale);
  const open = client ? registrationOpen({ client, tenant: target.tenant }) : target.tenant.registerEnable;
  const data: HostedPageData = {
    page: spec.page,
    issuer: deps.issuerOf(target.tenant.id),
    tenant: publicTenantMessage(target) as PublicTenantInfo,
    client: client
      ? {
          clientId: client.clientId,
          name: client.name,
          clientUri: client.clientUri ?? "",
          registerEnable: open,
        }
      : null,
    authReqId: target.authRequest?.id ?? null,
    loginHint: typeof target.authRequest?.params.login_hint === "string" ? target.authRequest.params.login_hint || null : null,
    registrationOpen: open,
    params,
    locale,
    messages: messagesOf(locale),
    brand: context.brand,
    blockSeconds: target.tenant.blockConfig.block_seconds,
    protoVersion: target.tenant.protoVersion,
    signInSteps: target.authRequest ? signInStepsOf(target.tenant, target.authRequest.params as unknown as AuthRequestParams) : null,
  };
  return { data, context };
}

/**
 * The steps the login page walks through, decided by the sign-in policy as Sign In will decide them.
 * The page does not know yet whether the user enrolled a face: it plans as for one who did not, and
 * Sign In, which knows, sends the browser back at `step=face` when the face is needed.
 */
function signInStepsOf(tenant: Tenant, params: AuthRequestParams): SignInSteps {
  const request = authenticationRequestOf(params);
  const next = (decision: SignInDecision) => (decision.outcome === "incomplete" ? decision.next : []);
  const subject = { faceEnrolled: false };
  return {
    first: next(decideSignIn(tenant, request, [], subject)),
    afterKnowledge: next(decideSignIn(tenant, request, knowledgeAmrOf(tenant.loginOrder), subject)),
  };
}
