// One tenant's side of the Entra external authentication method (docs/entra-mfa.md): its Entra
// settings, the links of Entra accounts to its users, and the MFA flows in progress. Every
// statement names this repository's tenant.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { isUserId, jsonColumn } from "./user-rows.js";

export type EntraUserMatch = "link" | "username" | "email";

export interface EntraSettingsRecord {
  readonly enabled: boolean;
  readonly clientId: string;
  readonly allowedTenantIds: string[];
  readonly discoveryUrl: string;
  readonly userMatch: EntraUserMatch;
  readonly maxHintAgeSeconds: number;
}

/** The tenant's sign-in factor settings, as the factor engine reads them (src/domain/login/sign-in-policy.ts, FactorSettings). */
export interface TenantFactorsRecord {
  readonly loginOrder: string[];
  readonly is2fa: boolean;
  readonly passkeyEnabled: boolean;
  readonly useFaceRecognition: boolean;
  readonly useLiveness: boolean;
  /** The tenant's default language of its pages. */
  readonly defaultLocale: string;
}

export interface EntraUserLinkRecord {
  readonly entraTenantId: string;
  readonly objectId: string;
  readonly userId: string;
  readonly createdAt: Date;
}

/** The user an Entra account resolves to, and how. */
export interface EntraAccountUser {
  readonly userId: string;
  readonly usernameNormalized: string;
  readonly disabled: boolean;
  /** Found by its link (else by the configured claim match). */
  readonly linked: boolean;
}

export interface NewMfaFlow {
  readonly id: string;
  readonly browserHash: Buffer;
  readonly userId: string;
  readonly entraTenantId: string;
  readonly objectId: string;
  readonly subject: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly acr: string;
  readonly amrAllowed: readonly string[];
  readonly expiresAt: Date;
}

export interface MfaFlowRecord extends NewMfaFlow {
  readonly challenge: string | null;
}

interface SettingsRow {
  enabled: boolean;
  client_id: string;
  allowed_tenant_ids: string[] | string;
  discovery_url: string;
  user_match: EntraUserMatch;
  max_hint_age_seconds: number;
}

interface LinkRow {
  entra_tenant_id: string;
  object_id: string;
  user_id: string;
  created_at: Date | string;
}

interface FlowRow {
  id: string;
  browser_hash: Buffer;
  user_id: string;
  entra_tenant_id: string;
  object_id: string;
  subject: string;
  client_id: string;
  redirect_uri: string;
  state: string;
  nonce: string;
  acr: string;
  amr_allowed: string[] | string;
  challenge: string | null;
  expires_at: Date | string;
}

const FLOW_COLUMNS = sql`id, browser_hash, user_id, entra_tenant_id, object_id, subject, client_id, redirect_uri, state, nonce, acr, amr_allowed,
  challenge, expires_at`;

const settingsOf = (row: SettingsRow): EntraSettingsRecord => ({
  enabled: row.enabled,
  clientId: row.client_id,
  allowedTenantIds: jsonColumn(row.allowed_tenant_ids),
  discoveryUrl: row.discovery_url,
  userMatch: row.user_match,
  maxHintAgeSeconds: row.max_hint_age_seconds,
});

const linkOf = (row: LinkRow): EntraUserLinkRecord => ({
  entraTenantId: row.entra_tenant_id,
  objectId: row.object_id,
  userId: row.user_id,
  createdAt: new Date(row.created_at),
});

const flowOf = (row: FlowRow): MfaFlowRecord => ({
  id: row.id,
  browserHash: row.browser_hash,
  userId: row.user_id,
  entraTenantId: row.entra_tenant_id,
  objectId: row.object_id,
  subject: row.subject,
  clientId: row.client_id,
  redirectUri: row.redirect_uri,
  state: row.state,
  nonce: row.nonce,
  acr: row.acr,
  amrAllowed: jsonColumn(row.amr_allowed),
  challenge: row.challenge,
  expiresAt: new Date(row.expires_at),
});

const LINK_LIST_LIMIT = 1000;

export class EntraMfaRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** The tenant's settings; undefined when never set. */
  async settings(): Promise<EntraSettingsRecord | undefined> {
    const row = await this.uow.first<SettingsRow>(
      sql`select enabled, client_id, allowed_tenant_ids, discovery_url, user_match, max_hint_age_seconds
        from entra_settings where tenant_id = ${this.tenantId}`,
    );
    return row && settingsOf(row);
  }

  /** What an MFA request needs of the tenant, in one statement: its Entra settings and its factor settings; undefined when never set. */
  async requestSettings(): Promise<{ entra: EntraSettingsRecord; factors: TenantFactorsRecord } | undefined> {
    const row = await this.uow.first<
      SettingsRow & {
        login_order: string[] | string;
        is_2fa: boolean;
        passkey_enabled: boolean;
        use_face_recognition: boolean;
        use_liveness: boolean;
        default_locale: string;
      }
    >(
      sql`select e.enabled, e.client_id, e.allowed_tenant_ids, e.discovery_url, e.user_match, e.max_hint_age_seconds,
          t.login_order, t.is_2fa, t.passkey_enabled, t.use_face_recognition, t.use_liveness, t.default_locale
        from entra_settings e join tenant t on t.id = e.tenant_id where e.tenant_id = ${this.tenantId}`,
    );
    return (
      row && {
        entra: settingsOf(row),
        factors: {
          loginOrder: jsonColumn(row.login_order),
          is2fa: row.is_2fa,
          passkeyEnabled: row.passkey_enabled,
          useFaceRecognition: row.use_face_recognition,
          useLiveness: row.use_liveness,
          defaultLocale: row.default_locale,
        },
      }
    );
  }

  async saveSettings(settings: EntraSettingsRecord): Promise<EntraSettingsRecord> {
    const row = await this.uow.first<SettingsRow>(
      sql`insert into entra_settings (tenant_id, enabled, client_id, allowed_tenant_ids, discovery_url, user_match, max_hint_age_seconds, updated_at)
        values (${this.tenantId}, ${settings.enabled}, ${settings.clientId}, ${JSON.stringify(settings.allowedTenantIds)}::jsonb,
          ${settings.discoveryUrl}, ${settings.userMatch}, ${settings.maxHintAgeSeconds}, now())
        on conflict (tenant_id) do update set enabled = excluded.enabled, client_id = excluded.client_id,
          allowed_tenant_ids = excluded.allowed_tenant_ids, discovery_url = excluded.discovery_url, user_match = excluded.user_match,
          max_hint_age_seconds = excluded.max_hint_age_seconds, updated_at = now()
        returning enabled, client_id, allowed_tenant_ids, discovery_url, user_match, max_hint_age_seconds`,
    );
    if (!row) throw new Error("the upsert of entra_settings returned no row");
    return settingsOf(row);
  }

  async links(userId?: string): Promise<EntraUserLinkRecord[]> {
    if (userId !== undefined && !isUserId(userId)) return [];
    const ofUser = userId === undefined ? sql`` : sql` and user_id = ${userId}`;
    const rows = await this.uow.rows<LinkRow>(
      sql`select entra_tenant_id, object_id, user_id, created_at from entra_user_link
        where tenant_id = ${this.tenantId}${ofUser} order by created_at desc, object_id limit ${LINK_LIST_LIMIT}`,
    );
    return rows.map(linkOf);
  }

  /** Links an Entra account to a user of the tenant (replacing its link to another); undefined when there is no such user. */
  async link(entraTenantId: string, objectId: string, userId: string): Promise<EntraUserLinkRecord | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<LinkRow>(
      sql`insert into entra_user_link (tenant_id, entra_tenant_id, object_id, user_id, created_at)
        select ${this.tenantId}, ${entraTenantId}::uuid, ${objectId}::uuid, u.id, now()
          from app_user u where u.tenant_id = ${this.tenantId} and u.id = ${userId}
        on conflict (tenant_id, entra_tenant_id, object_id) do update set user_id = excluded.user_id, created_at = now()
        returning entra_tenant_id, object_id, user_id, created_at`,
    );
    return row && linkOf(row);
  }

  /** Links an Entra account to a user unless it is linked already (to whomever). */
  async linkIfAbsent(entraTenantId: string, objectId: string, userId: string): Promise<void> {
    await this.uow.execute(
      sql`insert into entra_user_link (tenant_id, entra_tenant_id, object_id, user_id, created_at)
        values (${this.tenantId}, ${entraTenantId}::uuid, ${objectId}::uuid, ${userId}::uuid, now())
        on conflict (tenant_id, entra_tenant_id, object_id) do nothing`,
    );
  }

  /** False when there was no such link. */
  async unlink(entraTenantId: string, objectId: string): Promise<boolean> {
    const changed = await this.uow.execute(
      sql`delete from entra_user_link where tenant_id = ${this.tenantId} and entra_tenant_id = ${entraTenantId}::uuid
        and object_id = ${objectId}::uuid`,
    );
    return changed > 0;
  }

  /**
   * The user of an Entra account: by its link, else (when `match` names a field) the user whose
   * normalized username or e-mail is the first of `candidates` that matches one.
   */
  async findAccountUser(
    entraTenantId: string,
    objectId: string,
    match: { field: "username" | "email"; candidates: readonly string[] } | undefined,
  ): Promise<EntraAccountUser | undefined> {
    const column = match?.field === "email" ? sql`u.email_normalized` : sql`u.username_normalized`;
    const candidates = match?.candidates ?? [];
    const row = await this.uow.first<{ id: string; username_normalized: string; is_disabled: boolean; linked: boolean }>(
      sql`select * from (
          select u.id, u.username_normalized, u.is_disabled, true as linked, 0 as rank
            from entra_user_link l join app_user u on u.tenant_id = l.tenant_id and u.id = l.user_id
           where l.tenant_id = ${this.tenantId} and l.entra_tenant_id = ${entraTenantId}::uuid and l.object_id = ${objectId}::uuid
          union all
          select u.id, u.username_normalized, u.is_disabled, false as linked, c.position as rank
            from jsonb_array_elements_text(${JSON.stringify(candidates)}::jsonb) with ordinality as c(name, position)
            join app_user u on u.tenant_id = ${this.tenantId} and ${column} = c.name
        ) found order by rank limit 1`,
    );
    return row && { userId: row.id, usernameNormalized: row.username_normalized, disabled: row.is_disabled, linked: row.linked };
  }

  async insertFlow(flow: NewMfaFlow): Promise<void> {
    await this.uow.execute(
      sql`insert into mfa_flow (id, tenant_id, browser_hash, user_id, entra_tenant_id, object_id, subject, client_id, redirect_uri, state, nonce,
          acr, amr_allowed, challenge, expires_at, created_at)
        values (${flow.id}, ${this.tenantId}, ${flow.browserHash}, ${flow.userId}, ${flow.entraTenantId}::uuid, ${flow.objectId}::uuid,
          ${flow.subject}, ${flow.clientId}, ${flow.redirectUri}, ${flow.state}, ${flow.nonce}, ${flow.acr},
          ${JSON.stringify(flow.amrAllowed)}::jsonb, null, ${flow.expiresAt}, now())`,
    );
  }

  async flow(id: string): Promise<MfaFlowRecord | undefined> {
    const row = await this.uow.first<FlowRow>(sql`select ${FLOW_COLUMNS} from mfa_flow where tenant_id = ${this.tenantId} and id = ${id}`);
    return row && flowOf(row);
  }

  /** Keeps the challenge the form was shown with (each showing replaces the last). */
  async setChallenge(id: string, challenge: string): Promise<void> {
    await this.uow.execute(sql`update mfa_flow set challenge = ${challenge} where tenant_id = ${this.tenantId} and id = ${id}`);
  }

  /** Removes the flow and returns it: the one answer it gets. Undefined when already answered (or never there). */
  async takeFlow(id: string): Promise<MfaFlowRecord | undefined> {
    const row = await this.uow.first<FlowRow>(
      sql`delete from mfa_flow where tenant_id = ${this.tenantId} and id = ${id} returning ${FLOW_COLUMNS}`,
    );
    return row && flowOf(row);
  }
}
