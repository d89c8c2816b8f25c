import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

/** A browser session: created at Sign In, named by the `sid` of its tokens. */
export const SessionEntity = defineEntity({
  name: "Session",
  tableName: "user_session",
  filters: tenantFilters,
  indexes: [{ name: "user_session_user_index", properties: ["tenant", "user"] }],
  properties: (p) => ({
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade"),
    /** SHA-256 of the cookie's secret part: a database read does not yield a usable cookie. */
    secretHash: p.blob(),
    authTime: p.datetime(),
    amr: p.json<string[]>().columnType("jsonb"),
    /** Client ids this session signed in to (for back-channel logout and the sessions list). */
    clients: p.json<string[]>().columnType("jsonb"),
    /** The issuer each client signed in through: its back-channel logout token must name it. */
    clientIssuers: p.json<Record<string, string>>().columnType("jsonb").defaultRaw("'{}'::jsonb"),
    ip: p.string().length(45).default(""),
    userAgent: p.string().length(512).default(""),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastSeenAt: p.datetime(),
    endedAt: p.datetime().nullable(),
  }),
});

/**
 * Everything issued from one authorization (or one client-credentials grant): its refresh tokens
 * rotate within it, and revoking it kills them and the access tokens that name it (`fid`).
 */
export const TokenFamilyEntity = defineEntity({
  name: "TokenFamily",
  tableName: "token_family",
  filters: tenantFilters,
  indexes: [
    { name: "token_family_session_index", properties: ["tenant", "sessionId"] },
    { name: "token_family_user_index", properties: ["tenant", "userId"] },
  ],
  properties: (p) => ({
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    clientId: p.string().length(128),
    userId: p.uuid().nullable(),
    sessionId: p.string().length(64).nullable(),
    revokedAt: p.datetime().nullable(),
    /** The DPoP key (RFC 7638 thumbprint) a public client's refresh tokens of this family are bound to. */
    dpopJkt: p.string().length(64).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/** A single-use authorization code, stored as SHA-256. Kept after use to detect replays. */
export const AuthorizationCodeEntity = defineEntity({
  name: "AuthorizationCode",
  tableName: "authorization_code",
  filters: tenantFilters,
  indexes: [{ name: "authorization_code_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    hash: p.blob().primary(),
    tenant: tenantColumn(),
    familyId: p.string().length(64),
    clientId: p.string().length(128),
    userId: p.uuid(),
    sessionId: p.string().length(64),
    redirectUri: p.string().length(2048),
    codeChallenge: p.string().length(128).nullable(),
    nonce: p.string().length(512).nullable(),
    scope: p.string().length(2048),
    issuer: p.string().length(2048),
    authTime: p.datetime(),
    amr: p.json<string[]>().columnType("jsonb"),
    /** RFC 9449 §10: the thumbprint of the DPoP key the code may only be redeemed with (`dpop_jkt`). */
    dpopJkt: p.string().length(64).nullable(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  }),
});

/** A refresh token, stored as SHA-256; rotated on every use, reuse revokes its family. */
export const RefreshTokenEntity = defineEntity({
  name: "RefreshToken",
  tableName: "refresh_token",
  filters: tenantFilters,
  indexes: [
    { name: "refresh_token_family_index", properties: ["tenant", "familyId"] },
    { name: "refresh_token_user_index", properties: ["tenant", "userId"] },
  ],
  properties: (p) => ({
    hash: p.blob().primary(),
    tenant: tenantColumn(),
    familyId: p.string().length(64),
    clientId: p.string().length(128),
    userId: p.uuid(),
    sessionId: p.string().length(64).nullable(),
    scope: p.string().length(2048),
    issuer: p.string().length(2048),
    authTime: p.datetime(),
    amr: p.json<string[]>().columnType("jsonb"),
    expiresAt: p.datetime(),
    rotatedAt: p.datetime().nullable(),
    /**
     * The hash of the token this one was rotated to. While that successor is unused, a client
     * whose answer was lost may present this token again within the reuse grace (docs/oidc.md).
     */
    successorHash: p.blob().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/** Access tokens revoked before their expiry (RFC 7009), by `jti`, until they expire anyway. */
export const RevokedAccessTokenEntity = defineEntity({
  name: "RevokedAccessToken",
  tableName: "revoked_access_token",
  filters: tenantFilters,
  indexes: [{ name: "revoked_access_token_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    jti: p.string().primary().length(64),
    tenant: tenantColumn(),
    expiresAt: p.datetime(),
  }),
});

export type Session = InferEntity<typeof SessionEntity>;
export type TokenFamily = InferEntity<typeof TokenFamilyEntity>;
export type AuthorizationCode = InferEntity<typeof AuthorizationCodeEntity>;
export type RefreshToken = InferEntity<typeof RefreshTokenEntity>;
