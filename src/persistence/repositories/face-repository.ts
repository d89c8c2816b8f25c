// The face factor's rows of one tenant (docs/face-liveness.md): liveness challenges, enrolled
// templates (sealed), the results waiting for a login's Authenticate (`ber`) and the Liveness
// Report's rollup. Every statement names this repository's
// tenant. Runs on any RowSource: the request's unit of work or the login's plain statements
// (hence no array parameters).
import type { BlockConfig, LivenessConfig as StoredLivenessConfig } from "../entities/tenant.js";
import { type SqlFragment, sql } from "../sql-fragment.js";
import type { GuardedWrite, RowSource } from "./passkey-repository.js";
import { isUserId, jsonColumn } from "./user-rows.js";

/** The tenant's face settings, as stored. */
export interface FaceSettings {
  readonly useFaceRecognition: boolean;
  readonly useLiveness: boolean;
  readonly livenessConfig: StoredLivenessConfig | null;
  readonly blockConfig: BlockConfig;
}

export interface StoredTemplate {
  readonly id: string;
  readonly sealed: Uint8Array;
}

/** What issuing a challenge needs: the earlier step's user, if its nonce is live for this request. */
export interface FaceStepStart extends FaceSettings {
  readonly user: { readonly id: string; readonly usernameNormalized: string; readonly template?: StoredTemplate } | undefined;
  /** Challenges already issued to that user for this request. */
  readonly issued: number;
}

/**
 * What issuing a challenge for a pending login needs (`ber` on Authenticate): whether the login is
 * pending for this request, and whom it names — never told to the caller (an unknown username
 * gets a challenge all the same).
 */
export interface FaceLoginStart extends FaceSettings {
  /** The login's challenge, if it is of this request, live and not used yet; its user is null for an unknown username. */
  readonly login: { readonly userId: string | null } | undefined;
  /** Challenges already issued for that login. */
  readonly issued: number;
}

export type FaceChallengePurpose = "sign_in" | "enrol";

export interface NewFaceChallenge {
  /** SHA-256 of the challenge's value. */
  readonly hash: Buffer;
  /** Null: a pending login's unknown username. */
  readonly userId: string | null;
  readonly authReqId: string;
  /** The pending login the check precedes, if it was started for one. */
  readonly loginChallengeId?: string;
  readonly purpose: FaceChallengePurpose;
  readonly direction: string;
  readonly ttlSeconds: number;
}

/** A challenge as its use found it (undefined: none with that value, or already used). */
export interface UsedFaceChallenge {
  /** Null: a pending login's unknown username. */
  readonly userId: string | null;
  readonly authReqId: string;
  /** The pending login it was issued for, and whether that login is still pending (unused, unexpired). */
  readonly login?: { readonly challengeId: string; readonly pending: boolean };
  readonly purpose: FaceChallengePurpose;
  readonly direction: string;
  readonly live: boolean;
  readonly usernameNormalized: string;
  readonly userDisabled: boolean;
  readonly template?: StoredTemplate;
}

/** What a passed check of a pending login's challenge found: the match against the user's template. */
export type FaceVerdict = "face" | "liveness" | "mismatch";

export interface NewFaceResult {
  /** SHA-256 of the result's value. */
  readonly hash: Buffer;
  readonly loginChallengeId: string;
  readonly authReqId: string;
  readonly userId: string | null;
  readonly verdict: FaceVerdict;
}

/** A result as Authenticate used it. */
export interface UsedFaceResult {
  readonly userId: string | null;
  readonly verdict: FaceVerdict;
}

export interface LivenessOutcome {
  readonly passed: boolean;
  /** The failure's reason, for the report's breakdown. */
  readonly reason?: string;
  readonly durationMs: number;
}

export type ReportResolution = "day" | "hour" | "minute";

export interface RollupRow {
  readonly bucket: Date;
  readonly attempts: number;
  readonly passed: number;
  readonly failed: Record<string, number>;
  readonly durations: number[];
}

/** Logarithmic buckets of verification time: bucket i holds [2^(i/4), 2^((i+1)/4)) ms; the last is open. */
export const DURATION_BUCKETS = 64;

export function durationBucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(DURATION_BUCKETS - 1, Math.floor(Math.log2(ms) * 4));
}

interface SettingsRow {
  use_face_recognition: boolean;
  use_liveness: boolean;
  liveness_config: StoredLivenessConfig | string | null;
  block_config: BlockConfig | string;
}

const settingsOf = (row: SettingsRow): FaceSettings => ({
  useFaceRecognition: row.use_face_recognition,
  useLiveness: row.use_liveness,
  livenessConfig: row.liveness_config === null ? null : jsonColumn(row.liveness_config),
  blockConfig: jsonColumn(row.block_config),
});

const templateOf = (row: { template_id: string | null; sealed: Buffer | null }): StoredTemplate | undefined =>
  row.template_id !== null && row.sealed !== null ? { id: row.template_id, sealed: new Uint8Array(row.sealed) } : undefined;

export class FaceRepository {
  constructor(
    private readonly db: RowSource,
    private readonly tenantId: string,
  ) {}

  /** The tenant's face settings; undefined when there is no such tenant. */
  async settings(): Promise<FaceSettings | undefined> {
    const [row] = await this.db.rows<SettingsRow>(
      sql`select use_face_recognition, use_liveness, liveness_config, block_config from tenant where id = ${this.tenantId}`,
    );
    return row ? settingsOf(row) : undefined;
  }

  /**
   * The tenant's face settings and the user whose live login nonce of `authReqId` is `nonceHash`
   * (login_nonce_pkey), with their template and the challenges they were issued for the request.
   * Undefined when there is no such tenant.
   */
  async stepStart(nonceHash: Buffer, authReqId: string): Promise<FaceStepStart | undefined> {
    const [row] = await this.db.rows<
      SettingsRow & {
        user_id: string | null;
        username_normalized: string | null;
        template_id: string | null;
        sealed: Buffer | null;
        issued: string | number;
      }
    >(sql`select t.use_face_recognition, t.use_liveness, t.liveness_config, t.block_config, u.id as user_id, u.username_normalized,
        ft.id as template_id, ft.sealed,
        (select count(*) from face_challenge c where c.tenant_id = t.id and c.auth_req_id = ${authReqId} and c.user_id = u.id) as issued
      from tenant t
      left join login_nonce n on n.tenant_id = t.id and n.hash = ${nonceHash} and n.auth_req_id = ${authReqId} and n.expires_at > now()
      left join app_user u on u.tenant_id = t.id and u.id = n.user_id and not u.is_disabled
      left join face_template ft on ft.tenant_id = t.id and ft.user_id = u.id
      where t.id = ${this.tenantId}`);
    if (!row) return undefined;
    const template = templateOf(row);
    return {
      ...settingsOf(row),
      user:
        row.user_id === null || row.username_normalized === null
          ? undefined
          : { id: row.user_id, usernameNormalized: row.username_normalized, ...(template ? { template } : {}) },
      issued: Number(row.issued),
    };
  }

  /**
   * The tenant's face settings and the pending login `loginChallengeId` of `authReqId` (live, not
   * used yet), with the challenges issued for it. Undefined when there is no such tenant.
   */
  async loginStart(loginChallengeId: string, authReqId: string): Promise<FaceLoginStart | undefined> {
    const [row] = await this.db.rows<SettingsRow & { login_id: string | null; user_id: string | null; issued: string | number }>(
      sql`select t.use_face_recognition, t.use_liveness, t.liveness_config, t.block_config, ac.id as login_id, ac.user_id,
        (select count(*) from face_challenge c where c.tenant_id = t.id and c.login_challenge_id = ${loginChallengeId}) as issued
      from tenant t
      left join auth_challenge ac on ac.tenant_id = t.id and ac.id = ${loginChallengeId} and ac.purpose = 'login'
        and ac.auth_req_id = ${authReqId} and ac.expires_at > now()
      where t.id = ${this.tenantId}`,
    );
    if (!row) return undefined;
    return { ...settingsOf(row), login: row.login_id === null ? undefined : { userId: row.user_id }, issued: Number(row.issued) };
  }

  async storeChallenge(challenge: NewFaceChallenge): Promise<void> {
    await this.db.rows(sql`insert into face_challenge (tenant_id, hash, user_id, auth_req_id, login_challenge_id, purpose, direction, expires_at, used_at, created_at)
      values (${this.tenantId}, ${challenge.hash}, ${challenge.userId}::uuid, ${challenge.authReqId}, ${challenge.loginChallengeId ?? null}::varchar,
        ${challenge.purpose}, ${challenge.direction}, now() + make_interval(secs => ${challenge.ttlSeconds}), null, now())`);
  }

  /**
   * Stores a passed check's result for its pending login, valid as long as that login's challenge,
   * and counts the check into the report's rollups (one statement). False (nothing written, nothing
   * counted) when the login is no longer pending.
   */
  async storeResult(result: NewFaceResult, outcome: LivenessOutcome): Promise<boolean> {
    const rows = await this.db.rows(sql`with login as (
        select ac.expires_at from auth_challenge ac
         where ac.tenant_id = ${this.tenantId} and ac.id = ${result.loginChallengeId} and ac.purpose = 'login' and ac.expires_at > now()),
      liveness_counted as (${this.rollupInsert(outcome, sql`exists (select from login)`)} returning 1)
      insert into face_result (tenant_id, hash, login_challenge_id, auth_req_id, user_id, verdict, expires_at, used_at, created_at)
      select ${this.tenantId}, ${result.hash}, ${result.loginChallengeId}, ${result.authReqId}, ${result.userId}::uuid, ${result.verdict},
        login.expires_at, null, now()
      from login
      returning 1`);
    return rows.length > 0;
  }

  /**
   * Uses the result `hash` of the pending login `loginChallengeId` (once, unexpired): undefined
   * when there is none — unknown, used, expired or another login's, which stays untouched.
   */
  async useResult(hash: Buffer, loginChallengeId: string): Promise<UsedFaceResult | undefined> {
    const [row] = await this.db.rows<{ user_id: string | null; verdict: FaceVerdict }>(sql`update face_result set used_at = now()
      where tenant_id = ${this.tenantId} and hash = ${hash} and login_challenge_id = ${loginChallengeId} and used_at is null
        and expires_at > now()
      returning user_id, verdict`);
    return row ? { userId: row.user_id, verdict: row.verdict } : undefined;
  }

  /**
   * Uses the challenge (once: a second use finds nothing), with the tenant's settings and its
   * user's template read in the same statement. `settings` is undefined without such a tenant.
   */
  async useChallenge(hash: Buffer): Promise<{ settings: FaceSettings; challenge: UsedFaceChallenge | undefined } | undefined> {
    const [row] = await this.db.rows<
      SettingsRow & {
        user_id: string | null;
        auth_req_id: string | null;
        purpose: FaceChallengePurpose | null;
        direction: string | null;
        live: boolean | null;
        username_normalized: string | null;
        is_disabled: boolean | null;
        template_id: string | null;
        sealed: Buffer | null;
        login_challenge_id: string | null;
        login_pending: boolean | null;
      }
    >(sql`with used as (
        update face_challenge set used_at = now()
         where tenant_id = ${this.tenantId} and hash = ${hash} and used_at is null
         returning user_id, auth_req_id, login_challenge_id, purpose, direction, expires_at > now() as live)
      select t.use_face_recognition, t.use_liveness, t.liveness_config, t.block_config,
        used.user_id, used.auth_req_id, used.purpose, used.direction, used.live, used.login_challenge_id, ac.id is not null as login_pending,
        coalesce(u.username_normalized, ac.username_normalized) as username_normalized, u.is_disabled, ft.id as template_id, ft.sealed
      from tenant t
      left join used on true
      left join app_user u on u.tenant_id = t.id and u.id = used.user_id
      left join face_template ft on ft.tenant_id = t.id and ft.user_id = used.user_id
      left join auth_challenge ac on ac.tenant_id = t.id and ac.id = used.login_challenge_id and ac.purpose = 'login' and ac.expires_at > now()
      where t.id = ${this.tenantId}`);
    if (!row) return undefined;
    const settings = settingsOf(row);
    if (
      (row.user_id === null && row.login_challenge_id === null) ||
      row.auth_req_id === null ||
      row.direction === null ||
      row.purpose === null ||
      row.username_normalized === null
    ) {
      return { settings, challenge: undefined };
    }
    const template = templateOf(row);
    return {
      settings,
      challenge: {
        userId: row.user_id,
        authReqId: row.auth_req_id,
        purpose: row.purpose,
        direction: row.direction,
        live: row.live === true,
        ...(row.login_challenge_id === null ? {} : { login: { challengeId: row.login_challenge_id, pending: row.login_pending === true } }),
        usernameNormalized: row.username_normalized,
        userDisabled: row.is_disabled === true,
        ...(template ? { template } : {}),
      },
    };
  }

  /** Whether the user has enrolled a face (face_template_tenant_user_unique). */
  async hasTemplate(userId: string): Promise<boolean> {
    if (!isUserId(userId)) return false;
    const rows = await this.db.rows(sql`select 1 from face_template where tenant_id = ${this.tenantId} and user_id = ${userId}::uuid`);
    return rows.length > 0;
  }

  /** The user's template, to compare a new face with (enrolment replaces it). */
  async templateOf(userId: string): Promise<StoredTemplate | undefined> {
    if (!isUserId(userId)) return undefined;
    const [row] = await this.db.rows<{ template_id: string; sealed: Buffer }>(
      sql`select id as template_id, sealed from face_template where tenant_id = ${this.tenantId} and user_id = ${userId}::uuid`,
    );
    return row ? templateOf(row) : undefined;
  }

  /** Stores the user's template unless they have one (never replaced here); whether it was stored. */
  async saveTemplate(template: { id: string; userId: string; sealed: Buffer }): Promise<boolean> {
    const rows = await this.db.rows(sql`insert into face_template (id, tenant_id, user_id, sealed, created_at)
      values (${template.id}::uuid, ${this.tenantId}, ${template.userId}::uuid, ${template.sealed}, now())
      on conflict (tenant_id, user_id) do nothing returning id`);
    return rows.length > 0;
  }

  /** Deletes the user's template; whether there was one. */
  async deleteTemplateOf(userId: string): Promise<boolean> {
    if (!isUserId(userId)) return false;
    const rows = await this.db.rows(
      sql`delete from face_template where tenant_id = ${this.tenantId} and user_id = ${userId}::uuid returning id`,
    );
    return rows.length > 0;
  }

  /** Deletes every template of the tenant (the factor was turned off); how many. */
  async deleteAllTemplates(): Promise<number> {
    const rows = await this.db.rows(sql`delete from face_template where tenant_id = ${this.tenantId} returning id`);
    return rows.length;
  }

  /** Counts a verification into the report's three rollups (one statement). */
  async recordOutcome(outcome: LivenessOutcome): Promise<void> {
    await this.db.rows(this.rollupInsert(outcome));
  }

  /** The same, as the guarded write another statement runs first (the nonce's). */
  recordOutcomeStep(outcome: LivenessOutcome): GuardedWrite {
    return { cte: sql`liveness_counted as (${this.rollupInsert(outcome)} returning 1)`, done: sql`true` };
  }

  /** The rollup rows of `resolution` with start ≤ bucket < end (liveness_rollup_pkey). */
  async rollup(resolution: ReportResolution, start: Date, end: Date): Promise<RollupRow[]> {
    const rows = await this.db.rows<{
      bucket: Date | string;
      attempts: number;
      passed: number;
      failed: Record<string, number> | string;
      durations: number[] | string;
    }>(sql`select bucket, attempts, passed, failed, durations from liveness_rollup
      where tenant_id = ${this.tenantId} and resolution = ${resolution} and bucket >= ${start.toISOString()}::timestamptz
        and bucket < ${end.toISOString()}::timestamptz
      order by bucket`);
    return rows.map((row) => ({
      bucket: new Date(row.bucket),
      attempts: Number(row.attempts),
      passed: Number(row.passed),
      failed: jsonColumn(row.failed),
      durations: typeof row.durations === "string" ? row.durations.replace(/[{}]/g, "").split(",").map(Number) : row.durations.map(Number),
    }));
  }

  /** The rollup's upsert of one check; only if `when` holds (a condition of the same statement). */
  private rollupInsert(outcome: LivenessOutcome, when: SqlFragment = sql`true`): SqlFragment {
    const reason = outcome.passed ? null : (outcome.reason ?? "other");
    const slot = durationBucketOf(outcome.durationMs) + 1; // Postgres arrays count from 1
    return sql`insert into liveness_rollup (tenant_id, resolution, bucket, attempts, passed, failed, durations)
      select ${this.tenantId}, r.resolution, date_trunc(r.resolution, now() at time zone 'UTC') at time zone 'UTC', 1, ${outcome.passed ? 1 : 0}::int,
        case when ${reason}::text is null then '{}'::jsonb else jsonb_build_object(${reason}::text, 1) end,
        (select array_agg(case when i = ${slot}::int then 1 else 0 end order by i) from generate_series(1, ${DURATION_BUCKETS}::int) i)
      from (values ('day'), ('hour'), ('minute')) as r(resolution)
      where ${when}
      on conflict (tenant_id, resolution, bucket) do update set
        attempts = liveness_rollup.attempts + 1,
        passed = liveness_rollup.passed + excluded.passed,
        failed = case when ${reason}::text is null then liveness_rollup.failed
          else liveness_rollup.failed || jsonb_build_object(${reason}::text, coalesce((liveness_rollup.failed ->> ${reason}::text)::int, 0) + 1) end,
        durations[${slot}::int] = liveness_rollup.durations[${slot}::int] + 1`;
  }
}
