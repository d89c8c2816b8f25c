import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { AuthRequestEntity } from "./auth-flow.js";
import { UserEntity } from "./user.js";

/**
 * A liveness challenge (docs/face-liveness.md): issued to the user of an earlier factor step of one
 * authorization request — or to whoever a pending login names (`loginChallenge`, its user unknown
 * when the username is: `ber` on Authenticate) — stored as the SHA-256 of its value, used once
 * (`used_at`) before it expires. Used rows stay until their authorization request goes (the
 * foreign key's cascade), so that the challenges of a request can be counted against `max_attempts`.
 */
export const FaceChallengeEntity = defineEntity({
  name: "FaceChallenge",
  tableName: "face_challenge",
  filters: tenantFilters,
  // Counting a request's challenges (max_attempts).
  indexes: [
    { name: "face_challenge_tenant_request_index", properties: ["tenant", "authReq", "user"] },
    // Counting a pending login's challenges (max_attempts).
    { name: "face_challenge_tenant_login_index", properties: ["tenant", "loginChallengeId"] },
  ],
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    hash: p.blob().primary(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade").nullable(),
    authReq: p.manyToOne(AuthRequestEntity).mapToPk().deleteRule("cascade"),
    /** The pending login (auth_challenge id) the check precedes, when it was started for one. */
    loginChallengeId: p.string().length(64).nullable(),
    /** `sign_in` (a factor step) or `enrol` (the user's consented enrolment, after an earlier step). */
    purpose: p.string().length(8),
    /** The head turn asked for: `left` or `right` (the user's own). */
    direction: p.string().length(8),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/**
 * A passed liveness check of a pending login's challenge, waiting for that login's Authenticate
 * (`ber.face_result`): stored as the SHA-256 of its value, with the verdict of the match against
 * the user's template (`face`, `liveness` without one, `mismatch`), which only Authenticate
 * reveals, after the secret. Used once (`used_at`), before the login's challenge would expire.
 */
export const FaceResultEntity = defineEntity({
  name: "FaceResult",
  tableName: "face_result",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    hash: p.blob().primary(),
    loginChallengeId: p.string().length(64),
    authReq: p.manyToOne(AuthRequestEntity).mapToPk().deleteRule("cascade"),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade").nullable(),
    verdict: p.string().length(8),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/**
 * A user's enrolled face: the 128-d embedding sealed with the KEK (face-templates.ts, associated
 * data naming tenant, user and id). One per user; never returned by any API.
 */
export const FaceTemplateEntity = defineEntity({
  name: "FaceTemplate",
  tableName: "face_template",
  filters: tenantFilters,
  uniques: [{ name: "face_template_tenant_user_unique", properties: ["tenant", "user"] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: tenantColumn(),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule("cascade"),
    sealed: p.blob(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

/**
 * The Liveness Report's rollup (#104), maintained on write: one row per tenant, resolution and
 * bucket, so that a report reads exactly its buckets whatever the number of events behind them.
 */
export const LivenessRollupEntity = defineEntity({
  name: "LivenessRollup",
  tableName: "liveness_rollup",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    /** `day`, `hour` or `minute`. */
    resolution: p.string().length(8).primary(),
    bucket: p.datetime().primary(),
    attempts: p.integer().default(0),
    passed: p.integer().default(0),
    /** Failures by reason (`no_face`, `several_faces`, `challenge_not_met`, `mismatch`, `timeout`, `other`). */
    failed: p.json<Record<string, number>>().columnType("jsonb"),
    /** Verification times: counts per logarithmic bucket (liveness-report.ts). */
    durations: p.array().columnType("integer[]"),
  }),
});

export type FaceChallenge = InferEntity<typeof FaceChallengeEntity>;
export type FaceTemplate = InferEntity<typeof FaceTemplateEntity>;
export type FaceResult = InferEntity<typeof FaceResultEntity>;
