import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

/**
 * A user's passkey (a WebAuthn credential). Its credential id is unique within the tenant: the
 * same authenticator may hold credentials for users of several tenants (they are different
 * credentials), but one tenant never resolves another tenant's id.
 */
export const PasskeyCredentialEntity = defineEntity({
  name: "PasskeyCredential",
  tableName: "passkey_credential",
  filters: tenantFilters,
  uniques: [{ name: "passkey_credential_tenant_credential_unique", properties: ["tenant", "credentialId"] }],
  indexes: [{ name: "passkey_credential_tenant_user_index", properties: ["tenant", "user"] }],
  properties: (p) => ({
    /** The passkey's id in the API (`key_id`). */
    id: p.uuid().primary(),
    tenant: tenantColumn(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade"),
    /** The WebAuthn credential id, base64url. */
    credentialId: p.string().length(1024),
    /** The COSE public key. */
    publicKey: p.blob(),
    /** The signature counter last seen (0 for authenticators that do not count, e.g. synced passkeys). */
    counter: p.bigint("number").default(0),
    transports: p.json<string[]>().columnType("jsonb"),
    /** Whether the credential may be synced to other devices (backup eligible): `swk` rather than `hwk`. */
    backupEligible: p.boolean(),
    backedUp: p.boolean(),
    aaguid: p.string().length(36),
    name: p.string().length(128),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
  }),
});

/**
 * A WebAuthn challenge the server issued (registration or authentication): stored as the SHA-256
 * of its value, consumed by the verification that presents it (once, before it expires).
 */
export const PasskeyChallengeEntity = defineEntity({
  name: "PasskeyChallenge",
  tableName: "passkey_challenge",
  filters: tenantFilters,
  // For the housekeeping's sweep of expired challenges.
  indexes: [{ name: "passkey_challenge_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    hash: p.blob().primary(),
    purpose: p.string().length(16),
    /** Registration: the registering user; authentication: the user named first, if any. */
    userId: p.uuid().nullable(),
    authReqId: p.string().length(128).nullable(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type PasskeyCredential = InferEntity<typeof PasskeyCredentialEntity>;
export type PasskeyChallenge = InferEntity<typeof PasskeyChallengeEntity>;
