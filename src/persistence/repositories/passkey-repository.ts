// The passkeys of one tenant (PasskeyService): the users' WebAuthn credentials and the challenges
// of their ceremonies. Every statement names this repository's tenant; callers never pass one, so
// one tenant's credential id never resolves in another tenant. The statements run on whatever
// gives rows: the request's unit of work (management, registration) or the plain statements of
// the sign-in's hot path (plain-sql.ts), hence no array parameters and named columns only.
import type { BlockConfig } from "../entities/tenant.js";
import { THROTTLE_STATE_COLUMNS, type ThrottleState, throttleStateJoins } from "../login-throttle-state.js";
import { type SqlFragment, sql } from "../sql-fragment.js";
import { isUserId, jsonColumn } from "./user-rows.js";

/** Where the statements run: a UnitOfWork or PlainSql. */
export interface RowSource {
  rows<Row>(statement: SqlFragment): Promise<Row[]>;
}

export interface PasskeyRecord {
  readonly id: string;
  readonly userId: string;
  readonly credentialId: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: string[];
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly aaguid: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

/** A credential as the options of a ceremony name it (exclude or allow lists). */
export interface UserCredential {
  readonly credentialId: string;
  readonly transports: string[];
}

export type NewPasskey = Omit<PasskeyRecord, "createdAt" | "lastUsedAt" | "counter"> & { readonly counter: number };

export type PasskeyChallengePurpose = "register" | "authenticate";

export interface NewPasskeyChallenge {
  /** SHA-256 of the challenge's value. */
  readonly hash: Buffer;
  readonly purpose: PasskeyChallengePurpose;
  readonly userId: string | null;
  readonly authReqId: string | null;
  readonly ttlSeconds: number;
}

/** A challenge as its consumption found it; `live` is false once it has expired. */
export interface ConsumedPasskeyChallenge {
  readonly purpose: PasskeyChallengePurpose;
  readonly userId: string | null;
  readonly authReqId: string | null;
  readonly live: boolean;
}

/** What a passkey sign-in needs, read with the consumption of its challenge. */
export interface PasskeySignInState {
  readonly passkeyEnabled: boolean;
  readonly hasUsernameAndEmail: boolean;
  readonly blockConfig: BlockConfig;
  /** The login throttle's state of the passkey's user and the caller's address (all clear without a passkey). */
  readonly throttle: ThrottleState;
  /** Undefined when no challenge with that hash was there (or another purpose's). */
  readonly challenge: ConsumedPasskeyChallenge | undefined;
  /** Undefined when the tenant has no credential with that id. */
  readonly passkey: (PasskeyRecord & { readonly usernameNormalized: string; readonly userDisabled: boolean }) | undefined;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: string | number;
  transports: string[] | string;
  backup_eligible: boolean;
  backed_up: boolean;
  aaguid: string;
  name: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}

const PASSKEY_COLUMNS = sql`p.id, p.user_id, p.credential_id, p.public_key, p.counter, p.transports, p.backup_eligible, p.backed_up,
  p.aaguid, p.name, p.created_at, p.last_used_at`;

function recordOf(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: jsonColumn(row.transports),
    backupEligible: row.backup_eligible,
    backedUp: row.backed_up,
    aaguid: row.aaguid,
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  };
}

type SignInRow = ThrottleState & {
  passkey_enabled: boolean;
  has_username_and_email: boolean;
  block_config: BlockConfig;
  challenge_purpose: PasskeyChallengePurpose | null;
  challenge_user_id: string | null;
  challenge_auth_req_id: string | null;
  challenge_live: boolean | null;
  username_normalized: string | null;
  user_disabled: boolean | null;
} & ({ [K in keyof PasskeyRow]: PasskeyRow[K] } | { [K in keyof PasskeyRow]: null });

export class PasskeyRepository {
  constructor(
    private readonly db: RowSource,
    private readonly tenantId: string,
  ) {}

  /** Whether the tenant has passkeys enabled; undefined when there is no such tenant. */
  async passkeysEnabled(): Promise<boolean | undefined> {
    const [row] = await this.db.rows<{ passkey_enabled: boolean }>(sql`select passkey_enabled from tenant where id = ${this.tenantId}`);
    return row?.passkey_enabled;
  }

  /**
   * What the options of a username-first sign-in need: whether the tenant has passkeys enabled,
   * and the user with the credentials they hold (none for an unknown username). Undefined when
   * there is no such tenant.
   */
  async signInTarget(
    usernameNormalized: string,
  ): Promise<{ passkeyEnabled: boolean; userId: string | null; credentials: UserCredential[] } | undefined> {
    const rows = await this.db.rows<{
      passkey_enabled: boolean;
      user_id: string | null;
      credential_id: string | null;
      transports: string[] | string | null;
    }>(
      sql`select t.passkey_enabled, u.id as user_id, p.credential_id, p.transports
        from tenant t
        left join app_user u on u.tenant_id = t.id and u.username_normalized = ${usernameNormalized}
        left join passkey_credential p on p.tenant_id = t.id and p.user_id = u.id
        where t.id = ${this.tenantId}`,
    );
    const [first] = rows;
    if (!first) return undefined;
    const credentials = rows.flatMap((row) =>
      row.credential_id === null ? [] : [{ credentialId: row.credential_id, transports: jsonColumn(row.transports ?? []) }],
    );
    return { passkeyEnabled: first.passkey_enabled, userId: first.user_id, credentials };
  }

  /** The user's passkeys, oldest first. */
  async listOfUser(userId: string): Promise<PasskeyRecord[]> {
    if (!isUserId(userId)) return [];
    const rows = await this.db.rows<PasskeyRow>(
      sql`select ${PASSKEY_COLUMNS} from passkey_credential p where p.tenant_id = ${this.tenantId} and p.user_id = ${userId}
         order by p.created_at, p.id`,
    );
    return rows.map(recordOf);
  }

  /**
   * What the user can still sign in with, for the rule that a person may not remove the last
   * factor the tenant needs: their passkeys, whether they have a PIN/pattern (an OPAQUE
   * registration), and whether the tenant requires two factors. Undefined without such a tenant.
   */
  async factorsOfUser(userId: string): Promise<{ passkeys: number; hasSecret: boolean; is2fa: boolean } | undefined> {
    if (!isUserId(userId)) return undefined;
    const [row] = await this.db.rows<{ passkeys: string | number; has_secret: boolean; is_2fa: boolean }>(
      sql`select t.is_2fa,
          (select count(*) from passkey_credential p where p.tenant_id = t.id and p.user_id = ${userId}) as passkeys,
          exists (select from user_credential c where c.tenant_id = t.id and c.user_id = ${userId}) as has_secret
        from tenant t where t.id = ${this.tenantId}`,
    );
    return row && { passkeys: Number(row.passkeys), hasSecret: row.has_secret, is2fa: row.is_2fa };
  }

  /** Stores a new passkey; false when the tenant already has a credential with its id. */
  async insert(passkey: NewPasskey): Promise<boolean> {
    const rows = await this.db.rows<{ id: string }>(
      sql`insert into passkey_credential (id, tenant_id, user_id, credential_id, public_key, counter, transports, backup_eligible, backed_up,
           aaguid, name, created_at, last_used_at)
         values (${passkey.id}, ${this.tenantId}, ${passkey.userId}, ${passkey.credentialId}, ${Buffer.from(passkey.publicKey)}, ${passkey.counter},
           ${JSON.stringify(passkey.transports)}::jsonb, ${passkey.backupEligible}, ${passkey.backedUp}, ${passkey.aaguid}, ${passkey.name}, now(), null)
         on conflict (tenant_id, credential_id) do nothing
         returning id`,
    );
    return rows.length > 0;
  }

  /** Renames a passkey (of `userId`, when given); false when there is no such passkey. */
  async rename(passkeyId: string, name: string, userId?: string): Promise<boolean> {
    if (!isUserId(passkeyId)) return false;
    const rows = await this.db.rows<{ id: string }>(
      sql`update passkey_credential set name = ${name}
         where tenant_id = ${this.tenantId} and id = ${passkeyId} and ${ownedBy(userId)} returning id`,
    );
    return rows.length > 0;
  }

  /** Deletes a passkey (of `userId`, when given); false when there is no such passkey. */
  async delete(passkeyId: string, userId?: string): Promise<boolean> {
    if (!isUserId(passkeyId)) return false;
    const rows = await this.db.rows<{ id: string }>(
      sql`delete from passkey_credential where tenant_id = ${this.tenantId} and id = ${passkeyId} and ${ownedBy(userId)} returning id`,
    );
    return rows.length > 0;
  }

  async storeChallenge(challenge: NewPasskeyChallenge): Promise<void> {
    await this.db.rows(
      sql`insert into passkey_challenge (tenant_id, hash, purpose, user_id, auth_req_id, expires_at, created_at)
         values (${this.tenantId}, ${challenge.hash}, ${challenge.purpose}, ${challenge.userId}::uuid, ${challenge.authReqId}::varchar,
           now() + make_interval(secs => ${challenge.ttlSeconds}), now())
         returning purpose`,
    );
  }

  /**
   * Removes the challenge with that hash and answers it, whatever its purpose or age, so that
   * whoever presents it uses it up: it is single use even under concurrent attempts.
   */
  async consumeChallenge(hash: Buffer): Promise<ConsumedPasskeyChallenge | undefined> {
    const [row] = await this.db.rows<{
      purpose: PasskeyChallengePurpose;
      user_id: string | null;
      auth_req_id: string | null;
      live: boolean;
    }>(
      sql`delete from passkey_challenge where tenant_id = ${this.tenantId} and hash = ${hash}
         returning purpose, user_id, auth_req_id, expires_at > now() as live`,
    );
    return row && { purpose: row.purpose, userId: row.user_id, authReqId: row.auth_req_id, live: row.live };
  }

  /**
   * A passkey sign-in's first statement: consumes the challenge (`consumeChallenge`) and reads the
   * tenant's settings, the credential with its user, and the login throttle's state of that user
   * and of the caller's address `ip`. Undefined when the tenant does not exist.
   */
  async consumeForSignIn(challengeHash: Buffer, credentialId: string, ip: string): Promise<PasskeySignInState | undefined> {
    const [row] = await this.db.rows<SignInRow>(
      sql`with consumed as (
          delete from passkey_challenge where tenant_id = ${this.tenantId} and hash = ${challengeHash}
          returning purpose, user_id, auth_req_id, expires_at > now() as live)
        select t.passkey_enabled, t.has_username_and_email, t.block_config,
          c.purpose as challenge_purpose, c.user_id as challenge_user_id, c.auth_req_id as challenge_auth_req_id, c.live as challenge_live,
          u.username_normalized, u.is_disabled as user_disabled, ${PASSKEY_COLUMNS}, ${THROTTLE_STATE_COLUMNS}
        from tenant t
        left join consumed c on true
        left join passkey_credential p on p.tenant_id = t.id and p.credential_id = ${credentialId}
        left join app_user u on u.tenant_id = t.id and u.id = p.user_id
        ${throttleStateJoins(sql`u.username_normalized`, ip)}
        where t.id = ${this.tenantId}`,
    );
    if (!row) return undefined;
    return {
      passkeyEnabled: row.passkey_enabled,
      hasUsernameAndEmail: row.has_username_and_email,
      blockConfig: jsonColumn(row.block_config),
      throttle: {
        user_blocked: row.user_blocked,
        user_blocked_until: row.user_blocked_until,
        ip_blocked: row.ip_blocked,
        ip_blocked_until: row.ip_blocked_until,
        user_failures: row.user_failures,
        user_last_failure_at: row.user_last_failure_at,
      },
      challenge:
        row.challenge_purpose === null
          ? undefined
          : {
              purpose: row.challenge_purpose,
              userId: row.challenge_user_id,
              authReqId: row.challenge_auth_req_id,
              live: row.challenge_live === true,
            },
      passkey:
        row.id === null || row.username_normalized === null
          ? undefined
          : { ...recordOf(row), usernameNormalized: row.username_normalized, userDisabled: row.user_disabled === true },
    };
  }

  /**
   * Records a verified use, as a step of the statement that completes the sign-in (the login's
   * nonce is stored only if `done` holds): the new counter — kept only if it still moves forward,
   * so that of two uses of one counter value (a cloned credential, even with a valid signature)
   * only one passes — the backup state, the time.
   */
  recordUseStep(passkeyId: string, newCounter: number, backedUp: boolean): GuardedWrite {
    return {
      cte: sql`passkey_used as (
        update passkey_credential set counter = ${newCounter}, backed_up = ${backedUp}, last_used_at = now()
         where tenant_id = ${this.tenantId} and id = ${passkeyId} and (counter < ${newCounter} or (${newCounter} = 0 and counter = 0))
         returning id)`,
      done: sql`exists (select from passkey_used)`,
    };
  }

  /**
   * Records a verified use on its own, for a ceremony that ends no login (the Entra MFA form): the
   * statement of `recordUseStep`. False when the counter did not move forward.
   */
  async recordUse(passkeyId: string, newCounter: number, backedUp: boolean): Promise<boolean> {
    const step = this.recordUseStep(passkeyId, newCounter, backedUp);
    const [row] = await this.db.rows<{ done: boolean }>(sql`with ${step.cte} select ${step.done} as done`);
    return row?.done === true;
  }
}

/** A write (a CTE) that another statement runs first, going on only if `done` holds. */
export interface GuardedWrite {
  readonly cte: SqlFragment;
  readonly done: SqlFragment;
}

function ownedBy(userId: string | undefined): SqlFragment {
  if (userId === undefined) return sql`true`;
  return isUserId(userId) ? sql`user_id = ${userId}` : sql`false`;
}
