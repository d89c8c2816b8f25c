// Use cases of client administration. Every query runs on an EntityManager scoped to the
// request's tenant.
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashSecret } from "../../crypto/secret-hash.js";
import { Code, DomainError, alreadyExists, notFound } from "../../errors/domain-error.js";
import { type Client, ClientEntity } from "../../persistence/entities/client.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { getTenant } from "../tenants/tenant-admin.js";
import { newClientSecret } from "./client-secret.js";
import { type ClientSettingsInput, resolveClientSettings } from "./client-settings.js";

/** A client and, right after creation or regeneration, its secret in clear (shown once). */
export interface ClientWithSecret {
  readonly client: Client;
  readonly secret?: string;
}

function clientNotFound(clientId: string): DomainError {
  return notFound("CLIENT_NOT_FOUND", `Client ${clientId} not found`);
}

export async function listClients(em: EntityManager, tenantId: string, skip: number, limit: number): Promise<Client[]> {
  return scopeToTenant(em, tenantId).find(ClientEntity, {}, { orderBy: { clientId: "asc" }, offset: skip, limit });
}

export async function getClient(em: EntityManager, tenantId: string, clientId: string): Promise<Client> {
  const client = await scopeToTenant(em, tenantId).findOne(ClientEntity, { clientId });
  if (!client) throw clientNotFound(clientId);
  return client;
}

export async function createClient(
  em: EntityManager,
  tenantId: string,
  clientId: string,
  input: ClientSettingsInput,
  importedSecret?: string,
): Promise<ClientWithSecret> {
  await getTenant(em, tenantId);
  const settings = resolveClientSettings(input);
  const secret = settings.clientType === "confidential" ? (importedSecret ?? newClientSecret()) : undefined;
  if (importedSecret && !secret) {
    throw new DomainError(Code.InvalidArgument, "PUBLIC_CLIENT_SECRET", "Public clients have no secret", {
      violations: [{ path: ["client_secret"], message: "Public clients have no secret", type: "value_error" }],
    });
  }
  const scoped = scopeToTenant(em, tenantId);
  if (await scoped.count(ClientEntity, { clientId })) throw alreadyExists("CLIENT_EXISTS", `Client ${clientId} already exists`);
  const client = scoped.create(ClientEntity, {
    id: randomUUID(),
    tenant: tenantId,
    clientId,
    ...settings,
    secretHash: secret ? hashSecret(secret) : null,
  });
  await scoped.flush();
  return { client, ...(secret ? { secret } : {}) };
}

export async function updateClient(em: EntityManager, tenantId: string, clientId: string, input: ClientSettingsInput): Promise<Client> {
  const client = await getClient(em, tenantId, clientId);
  Object.assign(client, resolveClientSettings(input, client.clientType as "public" | "confidential"));
  await em.flush();
  return client;
}

export async function deleteClient(em: EntityManager, tenantId: string, clientId: string): Promise<void> {
  if ((await scopeToTenant(em, tenantId).nativeDelete(ClientEntity, { clientId })) === 0) throw clientNotFound(clientId);
}

export async function regenerateClientSecret(em: EntityManager, tenantId: string, clientId: string): Promise<ClientWithSecret> {
  const client = await getClient(em, tenantId, clientId);
  if (client.clientType !== "confidential") {
    throw new DomainError(Code.FailedPrecondition, "PUBLIC_CLIENT", "Public clients have no secret");
  }
  const secret = newClientSecret();
  client.secretHash = hashSecret(secret);
  await em.flush();
  return { client, secret };
}
