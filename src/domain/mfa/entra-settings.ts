// A tenant's Entra settings and links, as the administrators set them (MfaAdminService).
import { Code, DomainError, notFound } from "../../errors/domain-error.js";
import type { EntraSettingsRecord, EntraUserLinkRecord, EntraUserMatch } from "../../persistence/repositories/entra-mfa-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { ENTRA_PUBLIC_DISCOVERY_URL } from "./entra-directory.js";

export const DEFAULT_ENTRA_SETTINGS: EntraSettingsRecord = {
  enabled: false,
  clientId: "",
  allowedTenantIds: [],
  discoveryUrl: ENTRA_PUBLIC_DISCOVERY_URL,
  userMatch: "link",
  maxHintAgeSeconds: 600,
};

export interface EntraSettingsInput {
  readonly enabled: boolean;
  readonly clientId: string;
  readonly allowedTenantIds: readonly string[];
  readonly discoveryUrl: string;
  readonly userMatch: string;
  readonly maxHintAgeSeconds: number;
}

const invalid = (message: string) => new DomainError(Code.InvalidArgument, "INVALID_ENTRA_SETTINGS", message);

/** Plain http only for the machine itself (a test's or a developer's stand-in for Entra). */
function isAcceptableDiscoveryUrl(value: string): boolean {
  const url = new URL(value);
  if (url.search || url.hash || !url.pathname.endsWith("/.well-known/openid-configuration")) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
}

export async function getEntraSettings(repositories: TenantRepositories): Promise<EntraSettingsRecord> {
  return (await repositories.entraMfa.settings()) ?? DEFAULT_ENTRA_SETTINGS;
}

export async function updateEntraSettings(repositories: TenantRepositories, input: EntraSettingsInput): Promise<EntraSettingsRecord> {
  const settings: EntraSettingsRecord = {
    enabled: input.enabled,
    clientId: input.clientId.trim(),
    allowedTenantIds: input.allowedTenantIds.map((tid) => tid.toLowerCase()),
    discoveryUrl: input.discoveryUrl || ENTRA_PUBLIC_DISCOVERY_URL,
    userMatch: (input.userMatch || "link") as EntraUserMatch,
    maxHintAgeSeconds: input.maxHintAgeSeconds || DEFAULT_ENTRA_SETTINGS.maxHintAgeSeconds,
  };
  if (!isAcceptableDiscoveryUrl(settings.discoveryUrl)) {
    throw invalid("discovery_url must be an https URL ending in /.well-known/openid-configuration, without query or fragment");
  }
  if (settings.maxHintAgeSeconds < 60) throw invalid("max_hint_age_seconds must be at least 60");
  if (settings.enabled && (!settings.clientId || settings.allowedTenantIds.length === 0)) {
    throw invalid("Enabling needs client_id and at least one allowed_tenant_ids entry");
  }
  return repositories.entraMfa.saveSettings(settings);
}

export async function createEntraUserLink(
  repositories: TenantRepositories,
  link: { entraTenantId: string; objectId: string; userId: string },
): Promise<EntraUserLinkRecord> {
  const made = await repositories.entraMfa.link(link.entraTenantId.toLowerCase(), link.objectId.toLowerCase(), link.userId);
  if (!made) throw notFound("USER_NOT_FOUND", `User ${link.userId} not found`);
  return made;
}

export async function deleteEntraUserLink(repositories: TenantRepositories, entraTenantId: string, objectId: string): Promise<void> {
  if (!(await repositories.entraMfa.unlink(entraTenantId.toLowerCase(), objectId.toLowerCase()))) {
    throw notFound("ENTRA_LINK_NOT_FOUND", "No such link");
  }
}
