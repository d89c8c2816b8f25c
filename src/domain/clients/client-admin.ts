// Use cases of client administration, on the repositories of the request's tenant.
import { hashSecret } from "../../crypto/secret-hash.js";
import { Code, DomainError, alreadyExists, notFound } from "../../errors/domain-error.js";
import type { Client } from "../../persistence/entities/client.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { requireTenantRow } from "../tenants/tenant-admin.js";
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

export function listClients(repos: TenantRepositories, skip: number, limit: number): Promise<Client[]> {
  return repos.clients.list(skip, limit);
}

export async function getClient(repos: TenantRepositories, clientId: string): Promise<Client> {
  const client = await repos.clients.find(clientId);
  if (!client) throw clientNotFound(clientId);
  return client;
}

function publicClientSecret(): DomainError {
  return new DomainError(Code.InvalidArgument, "PUBLIC_CLIENT_SECRET", "Public clients have no secret", {
    violations: [{ path: ["client_secret"], message: "Public clients have no secret", type: "value_error" }],
  });
}

export async function createClient(
  repos: TenantRepositories,
  clientId: string,
  input: ClientSettingsInput,
  importedSecret?: string,
): Promise<ClientWithSecret> {
  await requireTenantRow(repos);
  const settings = resolveClientSettings(input);
  const secret = settings.clientType === "confidential" ? (importedSecret ?? newClientSecret()) : undefined;
  if (importedSecret && !secret) throw publicClientSecret();
  if (await repos.clients.exists(clientId)) throw alreadyExists("CLIENT_EXISTS", `Client ${clientId} already exists`);
  const client = await repos.clients.add(clientId, { ...settings, secretHash: secret ? hashSecret(secret) : null });
  return { client, ...(secret ? { secret } : {}) };
}

/** Replaces the settings; `newSecret`, when given, replaces a confidential client's secret too. */
export async function updateClient(
  repos: TenantRepositories,
  clientId: string,
  input: ClientSettingsInput,
  newSecret?: string,
): Promise<Client> {
  const client = await getClient(repos, clientId);
  const settings = resolveClientSettings(input, client.clientType === "public" ? "public" : "confidential");
  if (newSecret !== undefined && settings.clientType !== "confidential") throw publicClientSecret();
  await repos.clients.update(client, { ...settings, ...(newSecret === undefined ? {} : { secretHash: hashSecret(newSecret) }) });
  return client;
}

export async function deleteClient(repos: TenantRepositories, clientId: string): Promise<void> {
  if (!(await repos.clients.delete(clientId))) throw clientNotFound(clientId);
}

export async function regenerateClientSecret(repos: TenantRepositories, clientId: string): Promise<ClientWithSecret> {
  const client = await getClient(repos, clientId);
  if (client.clientType !== "confidential") {
    throw new DomainError(Code.FailedPrecondition, "PUBLIC_CLIENT", "Public clients have no secret");
  }
  const secret = newClientSecret();
  await repos.clients.update(client, { secretHash: hashSecret(secret) });
  return { client, secret };
}
