// Which tenant, client and authorization request a hosted page is for, from its query: the
// pending request's (`auth_req_id`) when there is one, else `tenant_id` (default: the configured
// default tenant) and an optional `client_id` — the same rule as the auth API (ROUTES.md).
import type { EntityManager } from "@mikro-orm/postgresql";
import { publicClientMessage, publicTenantMessage } from "../api/auth/public-info-converters.js";
import { type ClientAndTenant, registrationOpen } from "../domain/clients/public-info.js";
import { getClient } from "../domain/clients/client-admin.js";
import { resolveAuthTarget } from "../domain/login/auth-target.js";
import type { HostedPageData, HostedPageName, PublicClientInfo, PublicTenantInfo } from "./page-data.js";

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

/** What the page shows of the client: Get Client's public answer without what the page has no use for. */
function publicClientInfo(found: ClientAndTenant): PublicClientInfo {
  const {
    clientId = "",
    name = "",
    logoUri = "",
    opPolicyUrl = "",
    opTosUrl = "",
    opUserAgreementUrl = "",
    clientUri = "",
    registerEnable = false,
    tenantName = "",
  } = publicClientMessage(found);
  return { clientId, name, logoUri, opPolicyUrl, opTosUrl, opUserAgreementUrl, clientUri, registerEnable, tenantName };
}

/** A catch handler that turns the error into `undefined` when `ignore` is set, else rethrows. */
function ignoreIf(ignore: boolean | undefined): (error: unknown) => undefined {
  return (error) => {
    if (ignore) return undefined;
    throw error;
  };
}

/** Throws the domain's NotFound errors for an unknown or expired request, tenant or client. */
export async function resolvePageData(
  em: EntityManager,
  deps: PageContextDeps,
  spec: { readonly page: HostedPageName; readonly clientOptional?: boolean },
  query: PageQuery,
  params: Readonly<Record<string, string>> = {},
): Promise<HostedPageData> {
  const authReqId = queryText(query, "auth_req_id", 128);
  const target = await resolveAuthTarget(em, { authReqId, tenantId: queryText(query, "tenant_id", 63) }, deps.defaultTenant);
  const clientId = queryText(query, "client_id", 128);
  const client =
    target.client ?? (clientId ? await getClient(em, target.tenant.id, clientId).catch(ignoreIf(spec.clientOptional)) : undefined);
  const tenant: PublicTenantInfo = publicTenantMessage(target) as PublicTenantInfo;
  const found = client ? { client, tenant: target.tenant } : undefined;
  return {
    page: spec.page,
    issuer: deps.issuerOf(target.tenant.id),
    tenant,
    client: found ? publicClientInfo(found) : null,
    authReqId: target.authRequest?.id ?? null,
    loginHint: typeof target.authRequest?.params.login_hint === "string" ? target.authRequest.params.login_hint || null : null,
    registrationOpen: found ? registrationOpen(found) : target.tenant.registerEnable,
    params,
  };
}

/** The origin of a client's https logo, which the page's CSP must then allow; undefined otherwise. */
export function logoOrigin(data: HostedPageData): string | undefined {
  const uri = data.client?.logoUri;
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    return url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
