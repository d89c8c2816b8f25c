// The database side of a login (domain/login/opaque-login.ts): two statements per step, each
// reading or writing everything the step needs at that point (a login's cost is dominated by
// per-statement and per-request overhead, not by the work in Postgres — docs/performance.md).
// Every lookup is by primary key or unique index, and every statement names its tenant itself.
//
// A step's first statement (`LoginStore`) is given the step's `LoginTarget`: the tenant the
// request names, or — on the hosted pages, so in every OIDC login — the pending authorization
// request (`auth_req_id`), whose tenant and client that statement reads as well (`login_scope`:
// by the request's primary key, across tenants, since the id names its tenant), so that the
// request costs no statement of its own. An unknown or expired request makes the statement
// change nothing and answer no row. The statements after it are the `LoginRepository` of the
// tenant it answered.
//
//   Get Challenge   1. the target's tenant, its block_config, the throttle state of the guess,
//                      the user and credential                     → refuse, or OPAQUE KE2
//                   2. decide the guess on the latest counts and count it (and block at the
//                      limit); only if admitted, store the challenge → KE2, or refuse
//   Authenticate    1. the target's tenant; consume the challenge, with the tenant's login
//                      settings                                    → checks, KE3
//                   2. if the user is (still) enabled: forget the guesses, store the nonce
//                   — or, when this instance issued the challenge and still holds its state
//                   (pending-logins.ts): checks and KE3 first, then 1 and 2 as one statement
//
// The statements run on the plain statements of the hot path (plain-sql.ts), not on a request's
// unit of work: each is its own transaction, prepared once per connection, and the statements of
// logins in flight at the same moment share round trips (pipelined-connection.ts). A login's
// statements need no transaction around them: each step's writes are one statement.
//
// The writing statements commit asynchronously (async-commit.ts): what they write is the login's
// short-lived bookkeeping, and waiting for each WAL flush roughly doubled a writing statement's
// round trip and cost Postgres about a fifth more CPU per login (bench/results/auth.md).
import { ASYNC_COMMIT, ASYNC_COMMIT_COLUMN } from "../async-commit.js";
import type { BlockConfig } from "../entities/tenant.js";
import {
  COUNTED_GUESS,
  COUNTED_GUESS_COLUMNS,
  type CountedGuess,
  countGuess,
  forgetGuesses,
  GUESS_ADMITTED,
  liftEndedBlocks,
} from "../login-throttle-counts.js";
import { THROTTLE_STATE_COLUMNS, type ThrottleState, throttleStateJoins } from "../login-throttle-state.js";
import type { PlainSql } from "../plain-sql.js";
import { type SqlFragment, sql } from "../sql-fragment.js";
import { type ChallengeRow, consumeChallengeSql, insertChallengeSql, type NewChallenge } from "./challenge-repository.js";
import type { GuardedWrite } from "./passkey-repository.js";

/**
 * Whose login a step is: a tenant named by the request, or the tenant of a pending authorization
 * request (`auth_req_id`), which the step's first statement reads.
 */
export type LoginTarget = { readonly tenantId: string; readonly authReqId: null } | { readonly tenantId: null; readonly authReqId: string };

/** The tenant (and, for an authorization request, its client) that a step's first statement found for its target. */
export interface TargetTenant {
  readonly tenantId: string;
  /** The authorization request's client, for the audit trail; null without a request, or when the client no longer exists. */
  readonly clientId: string | null;
}

interface TargetTenantColumns {
  scope_tenant_id: string;
  scope_client_id: string | null;
}

const targetTenantOf = (row: TargetTenantColumns): TargetTenant => ({ tenantId: row.scope_tenant_id, clientId: row.scope_client_id });

/**
 * The CTE `login_scope` of a step's first statement: one row (tenant_id, client_id) for the target,
 * or none for an authorization request that is unknown or has expired — then every condition on
 * `SCOPE_TENANT` is false, and the statement writes nothing and answers no row.
 */
function loginScope(target: LoginTarget): SqlFragment {
  return target.authReqId === null
    ? sql`login_scope as (select ${target.tenantId}::varchar as tenant_id, null::varchar as client_id)`
    : sql`login_scope as (select ar.tenant_id, cl.client_id
      from auth_request ar /* cross-tenant: a request id names its tenant */
      left join client cl on cl.tenant_id = ar.tenant_id and cl.client_id = ar.client_id
      where ar.id = ${target.authReqId} and ar.expires_at > now())`;
}

/** The tenant of `login_scope`, for the first statement's conditions and writes. */
const SCOPE_TENANT = sql`(select tenant_id from login_scope)`;

/**
 * The tenant a first statement's conditions and writes name: a named tenant as a value, as every
 * other statement names it (then `login_scope` is only read once, and Postgres folds it into the
 * query: the statement costs what it did before there were targets); a request's, `SCOPE_TENANT`.
 */
const tenantOfTarget = (target: LoginTarget): string | SqlFragment => (target.authReqId === null ? target.tenantId : SCOPE_TENANT);

/** The columns of `TargetTenantColumns`, from `login_scope` as `s`. */
const SCOPE_COLUMNS = sql`s.tenant_id as scope_tenant_id, s.client_id as scope_client_id`;

/** A user's OPAQUE credential as stored: the registration record sealed with the KEK. */
export interface StoredCredential {
  readonly credentialId: string;
  readonly recordSealed: Buffer;
  readonly protoVersion: string;
}

/** What Get Challenge reads first: its tenant, the tenant's settings, the throttle state of the guess, the user. */
export interface GuessState {
  readonly scope: TargetTenant;
  readonly blockConfig: BlockConfig;
  readonly loginOrder: string[];
  readonly hasUsernameAndEmail: boolean;
  readonly throttle: ThrottleState;
  /** The user of that username, if any, with the credential when it has one. */
  readonly user: { readonly id: string; readonly isDisabled: boolean; readonly credential: StoredCredential | undefined } | undefined;
}

interface GuessStateRow extends ThrottleState, TargetTenantColumns {
  block_config: BlockConfig;
  login_order: string[];
  has_username_and_email: boolean;
  user_id: string | null;
  is_disabled: boolean | null;
  credential_id: string | null;
  record_sealed: Buffer | null;
  proto_version: string | null;
}

/** A guess to decide and count: of a username and an address, under the tenant's block settings. */
export interface GuessToCount {
  readonly config: BlockConfig;
  readonly username: string;
  readonly ip: string;
}

/** Authenticate's first statement: its tenant, the tenant's login settings and the challenge it consumed, if there was one. */
export interface ConsumedLoginChallenge {
  readonly scope: TargetTenant;
  readonly loginOrder: string[];
  readonly hasUsernameAndEmail: boolean;
  /** Whether or not it had expired; undefined when there was no such challenge. */
  readonly challenge: ChallengeRow | undefined;
}

type ConsumedChallengeRow = TargetTenantColumns & { login_order: string[]; has_username_and_email: boolean } & (
    | ChallengeRow
    | { [K in keyof ChallengeRow]: null }
  );

/** What a successful login writes: the user's guesses forgotten, and a single-use nonce for Sign In. */
export interface CompletedLoginWrite {
  readonly userId: string;
  readonly username: string;
  readonly ip: string;
  readonly nonceHash: Buffer;
  readonly authReqId: string | null;
  readonly amr: readonly string[];
  readonly nonceTtlSeconds: number;
}

/** The user a login completed for (it exists and is enabled). */
export interface CompletedLoginUser {
  readonly isVerified: boolean;
  readonly email: string | null;
}

interface CompletedUserRow {
  is_verified: boolean | null;
  email: string | null;
}

const userOf = (row: CompletedUserRow | undefined): CompletedLoginUser | undefined =>
  row && row.is_verified !== null ? { isVerified: row.is_verified, email: row.email } : undefined;

/** The login's statements, for the whole process. */
export class LoginStore {
  constructor(private readonly db: PlainSql) {}

  /** The first statement of each login step, for its target (a tenant, or an authorization request). */
  target(target: LoginTarget): LoginTargetStatements {
    return new LoginTargetStatements(this.db, target);
  }

  /** The login statements of one tenant: the first ones with it as target, and those after them. */
  tenant(tenantId: string): LoginRepository {
    return new LoginRepository(this.db, tenantId);
  }
}

/** The statement that opens each login step, for the step's target: each reads the target's tenant with the rest. */
export class LoginTargetStatements {
  /** The tenant of the statements' conditions and writes (`tenantOfTarget`). */
  private readonly tenant: string | SqlFragment;

  constructor(
    protected readonly db: PlainSql,
    private readonly target: LoginTarget,
  ) {
    this.tenant = tenantOfTarget(target);
  }

  /**
   * The target's tenant and client, on their own: for the steps that read nothing else first (a
   * refusal that must still name an unknown tenant or request first, the passkey and face steps).
   * Undefined when there is no such tenant, or the request is unknown or has expired.
   */
  async scope(): Promise<TargetTenant | undefined> {
    const [row] = await this.db.rows<TargetTenantColumns>(sql`with ${loginScope(this.target)}
    select ${SCOPE_COLUMNS} from login_scope s join tenant t on t.id = s.tenant_id`);
    return row && targetTenantOf(row);
  }

  /** Get Challenge, statement 1; undefined when the target names no tenant (see `LoginTarget`). */
  async guessState(username: string, ip: string): Promise<GuessState | undefined> {
    const [row] = await this.db.rows<GuessStateRow>(sql`with ${loginScope(this.target)}
    select ${SCOPE_COLUMNS}, t.block_config, t.login_order, t.has_username_and_email, ${THROTTLE_STATE_COLUMNS},
      u.id as user_id, u.is_disabled, c.credential_id, c.record_sealed, c.proto_version
    from login_scope s join tenant t on t.id = s.tenant_id
    ${throttleStateJoins(username, ip)}
    left join app_user u on u.tenant_id = t.id and u.username_normalized = ${username}
    left join user_credential c on c.user_id = u.id and c.tenant_id = t.id`);
    if (!row) return undefined;
    const credential: StoredCredential | undefined =
      row.credential_id !== null && row.record_sealed !== null && row.proto_version !== null
        ? { credentialId: row.credential_id, recordSealed: row.record_sealed, protoVersion: row.proto_version }
        : undefined;
    return {
      scope: targetTenantOf(row),
      blockConfig: row.block_config,
      loginOrder: row.login_order,
      hasUsernameAndEmail: row.has_username_and_email,
      throttle: row,
      user: row.user_id === null ? undefined : { id: row.user_id, isDisabled: row.is_disabled === true, credential },
    };
  }

  /**
   * Authenticate, statement 1: consumes the challenge, in the target's tenant. Undefined when the
   * target names no tenant; then nothing was consumed.
   */
  async consumeLoginChallenge(challengeId: string): Promise<ConsumedLoginChallenge | undefined> {
    const [row] = await this.db.rows<ConsumedChallengeRow>(sql`with ${ASYNC_COMMIT}, ${loginScope(this.target)},
    consumed as (${consumeChallengeSql(this.tenant, challengeId)})
    select ${SCOPE_COLUMNS}, t.login_order, t.has_username_and_email, consumed.*, ${ASYNC_COMMIT_COLUMN}
    from login_scope s join tenant t on t.id = s.tenant_id left join consumed on true`);
    if (!row) return undefined;
    return {
      scope: targetTenantOf(row),
      loginOrder: row.login_order,
      hasUsernameAndEmail: row.has_username_and_email,
      challenge: row.id === null ? undefined : row,
    };
  }

  /**
   * Authenticate in one statement (a challenge this instance holds, already checked), in the
   * target's tenant: whether the challenge was still there, unexpired, and is now consumed (else
   * nothing else was written), and the user when it exists and is enabled. Undefined when the
   * target names no tenant (an authorization request that is gone or has expired since Get
   * Challenge); then nothing was written, the challenge is not consumed.
   */
  async consumeAndCompleteLogin(
    success: CompletedLoginWrite,
    challengeId: string,
  ): Promise<{ scope: TargetTenant; consumed: boolean; user: CompletedLoginUser | undefined } | undefined> {
    const [row] = await this.db.rows<CompletedUserRow & TargetTenantColumns & { consumed: boolean }>(sql`with ${ASYNC_COMMIT},
    ${loginScope(this.target)},
    consumed as (
      delete from auth_challenge where id = ${challengeId} and tenant_id = ${this.tenant} and purpose = 'login'
      returning expires_at > now() as live),
    ${successCtes(this.tenant, success, sql`exists (select from consumed where live)`)}
    select ${SCOPE_COLUMNS}, exists (select from consumed where live) as consumed, enabled_user.is_verified, enabled_user.email,
      ${ASYNC_COMMIT_COLUMN}
    from login_scope s left join enabled_user on true`);
    return row && { scope: targetTenantOf(row), consumed: row.consumed, user: userOf(row) };
  }
}

/** The login statements of one tenant (a step's statements after its first, which named the tenant). */
export class LoginRepository extends LoginTargetStatements {
  constructor(
    db: PlainSql,
    private readonly tenantId: string,
  ) {
    super(db, { tenantId, authReqId: null });
  }

  /** Lifts the ended blocks of a username and an address, and forgets the counts that led to them. */
  async liftEndedBlocks(username: string, ip: string): Promise<void> {
    await this.db.rows(liftEndedBlocks(this.tenantId, username, ip));
  }

  /**
   * Get Challenge, statement 2: decides and counts the guess, and stores its challenge only if the
   * guess was admitted. The decision (login-throttle.ts, `guessRefusal`).
   */
  async countGuessAndStoreChallenge(guess: GuessToCount, challenge: NewChallenge): Promise<CountedGuess> {
    return oneRow(
      await this.db.rows<CountedGuess>(sql`with ${ASYNC_COMMIT}, ${countGuess(this.tenantId, guess.config, guess.username, guess.ip)},
    stored as (${insertChallengeSql(this.tenantId, challenge, GUESS_ADMITTED)})
    select ${COUNTED_GUESS_COLUMNS}, ${ASYNC_COMMIT_COLUMN} from ${COUNTED_GUESS}`),
    );
  }

  /** Counts a guess that issues no challenge (a KE1 OPAQUE refused, another factor's failure): the decision. */
  async countGuess(guess: GuessToCount): Promise<CountedGuess> {
    return oneRow(
      await this.db.rows<CountedGuess>(sql`with ${ASYNC_COMMIT}, ${countGuess(this.tenantId, guess.config, guess.username, guess.ip)}
    select ${COUNTED_GUESS_COLUMNS}, ${ASYNC_COMMIT_COLUMN} from ${COUNTED_GUESS}`),
    );
  }

  /** Authenticate, statement 2: the user, when it exists and is enabled (else nothing is written). */
  async completeLogin(success: CompletedLoginWrite): Promise<CompletedLoginUser | undefined> {
    const [row] = await this.db.rows<CompletedUserRow>(sql`with ${ASYNC_COMMIT}, ${successCtes(this.tenantId, success, sql`true`)}
    select is_verified, email, ${ASYNC_COMMIT_COLUMN} from enabled_user`);
    return userOf(row);
  }

  /**
   * Completes a login after another factor's own write (`step`), only if that write went through:
   * whether it did, and the user when it exists and is enabled.
   */
  async completeLoginAfter(
    success: CompletedLoginWrite,
    step: GuardedWrite,
  ): Promise<{ recorded: boolean; user: CompletedLoginUser | undefined }> {
    const [row] = await this.db.rows<
      CompletedUserRow & { recorded: boolean }
    >(sql`with ${ASYNC_COMMIT}, ${step.cte}, ${successCtes(this.tenantId, success, step.done)}
    select ${step.done} as recorded, enabled_user.is_verified, enabled_user.email, ${ASYNC_COMMIT_COLUMN}
    from (values (1)) as one left join enabled_user on true`);
    return { recorded: row?.recorded === true, user: userOf(row) };
  }
}

/**
 * Only if `condition` holds and the user is enabled, in `tenant` (an id, or the SQL expression of
 * a first statement's tenant): forget the guesses and store the nonce.
 */
function successCtes(tenant: string | SqlFragment, s: CompletedLoginWrite, condition: SqlFragment): SqlFragment {
  return sql`enabled_user as (
      select is_verified, email from app_user where id = ${s.userId} and tenant_id = ${tenant} and not is_disabled and ${condition}),
    ${forgetGuesses(tenant, s.username, s.ip, sql`enabled_user`)},
    nonce as (
      insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
      select ${s.nonceHash}::bytea, ${tenant}::varchar, ${s.userId}::uuid, ${s.authReqId}::varchar, ${JSON.stringify(s.amr)}::jsonb,
        now() + make_interval(secs => ${s.nonceTtlSeconds}), now()
      from enabled_user)`;
}

/** The one row a counting statement always answers. */
function oneRow(rows: CountedGuess[]): CountedGuess {
  const [row] = rows;
  if (!row) throw new Error("the counting statement answered no row");
  return row;
}
