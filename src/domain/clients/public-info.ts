// What the hosted login page may learn about a client and its tenant: branding, links and the
// settings that shape the PIN keypad and pattern grid — never secrets, redirect URIs or throttling.
// The API layer picks the public fields (api/auth/public-info-converters.ts).
import { SignJWT } from "jose";
import type { Client } from "../../persistence/entities/client.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { TenantKeyStore } from "../tenants/tenant-key-store.js";
import { requireTenantRow } from "../tenants/tenant-admin.js";
import { getClient } from "./client-admin.js";

export interface ClientAndTenant {
  readonly client: Client;
  readonly tenant: Tenant;
}

export async function findClientAndTenant(repos: TenantRepositories, clientId: string): Promise<ClientAndTenant> {
  const tenant = await requireTenantRow(repos);
  return { tenant, client: await getClient(repos, clientId) };
}

/** Registration is open only where both the tenant and the client allow it. */
export function registrationOpen({ client, tenant }: ClientAndTenant): boolean {
  return client.registerEnable && tenant.registerEnable;
}

/** A compact JWS of `payload` from the tenant's current EdDSA key, verifiable with its JWKS. */
export async function signForTenant(
  keys: TenantKeyStore,
  tenantId: string,
  issuer: string,
  payload: Record<string, unknown>,
  type: string,
): Promise<string> {
  const key = await keys.currentKey(tenantId, "EdDSA");
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: type })
    .setIssuer(issuer)
    .setIssuedAt()
    .sign(key.privateKey);
}
