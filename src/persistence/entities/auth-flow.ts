import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";

/**
 * Server-side state of step 1 of a login or registration, so that any instance can finish it.
 * Single use: consumed by a DELETE … RETURNING, whatever the outcome.
 */
export const AuthChallengeEntity = defineEntity({
  name: "AuthChallenge",
  tableName: "auth_challenge",
  filters: tenantFilters,
  indexes: [{ name: "auth_challenge_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    /** `login`, `register`, `change` (aux challenge) or `reset`. */
    purpose: p.string().length(16),
    usernameNormalized: p.string().length(128),
    userId: p.uuid().nullable(),
    /** SHA-256 of the `login:<KE1>` sent in step 1. */
    ke1Hash: p.blob().fieldName("ke1_hash").nullable(),
    /** OPAQUE server login state (sealed with the KEK). */
    serverStateSealed: p.blob().nullable(),
    /** The credential identifier drawn for a registration. */
    credentialId: p.string().length(64).nullable(),
    authReqId: p.string().length(128).nullable(),
    protoVersion: p.string().length(128),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/** The single-use proof of a finished login, exchanged at Sign In. Stored as SHA-256. */
export const LoginNonceEntity = defineEntity({
  name: "LoginNonce",
  tableName: "login_nonce",
  filters: tenantFilters,
  // Sign In reads and consumes the nonces of one request (every factor step of its login) together.
  indexes: [{ name: "login_nonce_auth_request_index", properties: ["tenant", "authReqId"] }],
  properties: (p) => ({
    hash: p.blob().primary(),
    tenant: tenantColumn(),
    userId: p.uuid(),
    authReqId: p.string().length(128).nullable(),
    /** How the user proved themselves (`pin`, `pattern`, `pwd`… as OIDC `amr` values). */
    amr: p.json<string[]>().columnType("jsonb"),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/** Failed-login counters of usernames (kind `user`) and client addresses (kind `ip`). */
export const LoginThrottleEntity = defineEntity({
  name: "LoginThrottle",
  tableName: "login_throttle",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    kind: p.string().primary().length(8),
    subject: p.string().primary().length(128),
    failures: p.integer(),
    windowStart: p.datetime(),
    lastFailureAt: p.datetime(),
    /**
     * Whether the last guess decided on this row was admitted: the statement that counts a guess
     * reads its own decision back from it (persistence/login-throttle-counts.ts).
     */
    lastAdmitted: p.boolean().default(true),
  }),
});

/** E-mail verification and reset codes, stored as SHA-256; single use and attempt-limited. */
export const OneTimeCodeEntity = defineEntity({
  name: "OneTimeCode",
  tableName: "one_time_code",
  filters: tenantFilters,
  indexes: [{ name: "one_time_code_user_purpose_index", properties: ["tenant", "userId", "purpose"] }],
  properties: (p) => ({
    hash: p.blob().primary(),
    tenant: tenantColumn(),
    userId: p.uuid(),
    /** `verify_email` or `reset_password`. */
    purpose: p.string().length(16),
    /** For `verify_email`: the address being verified. */
    email: p.string().length(254).nullable(),
    attempts: p.integer().default(0),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/** One authentication attempt, for audit and analytics. */
export const AuthEventEntity = defineEntity({
  name: "AuthEvent",
  tableName: "auth_event",
  filters: tenantFilters,
  indexes: [{ name: "auth_event_tenant_at_index", properties: ["tenant", "at"] }],
  properties: (p) => ({
    id: p.bigint("string").primary().autoincrement(),
    tenant: tenantColumn(),
    at: p.datetime(),
    /** `challenge`, `authenticate`, `register`, `change`, `reset_request`, `reset`, `verify_email`, `mfa` (docs/entra-mfa.md). */
    kind: p.string().length(24),
    outcome: p.string().length(8),
    reason: p.string().length(64).default(""),
    username: p.string().length(128).default(""),
    userId: p.uuid().nullable(),
    ip: p.string().length(45).default(""),
    userAgent: p.string().length(512).default(""),
    clientId: p.string().length(128).nullable(),
    logData: p.json<Record<string, unknown>>().columnType("jsonb").nullable(),
  }),
});

/** A pending OIDC authorization request (Authorize → login page → Sign In). */
export const AuthRequestEntity = defineEntity({
  name: "AuthRequest",
  tableName: "auth_request",
  filters: tenantFilters,
  indexes: [{ name: "auth_request_expires_at_index", properties: ["expiresAt"] }],
  properties: (p) => ({
    id: p.string().primary().length(64),
    tenant: tenantColumn(),
    clientId: p.string().length(128),
    /** Everything else of the request (redirect URI, scope, state, nonce, PKCE, prompt…). */
    params: p.json<Record<string, unknown>>().columnType("jsonb"),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type AuthChallenge = InferEntity<typeof AuthChallengeEntity>;
export type LoginNonce = InferEntity<typeof LoginNonceEntity>;
export type LoginThrottle = InferEntity<typeof LoginThrottleEntity>;
export type OneTimeCode = InferEntity<typeof OneTimeCodeEntity>;
export type AuthEvent = InferEntity<typeof AuthEventEntity>;
export type AuthRequest = InferEntity<typeof AuthRequestEntity>;
