import { Migration } from "@mikro-orm/migrations";

// Issue 22: instances keep, per access token, the verdict that it is live (its family not revoked,
// its session not ended, its jti not revoked, its user not disabled, with the user's fields that
// userinfo and the admin API read: src/domain/oidc/access-token-check.ts). Every write that can
// change such a verdict, whoever makes it, notifies the listening instances when it commits
// (src/persistence/change-feed.ts), with the trigger function of migration `cache_change_notify`:
// `<table>:<tenant_id>` on the channel svault_changes. Deleting a client or a tenant notifies
// through that migration's triggers.
//
// The WHEN clauses keep ordinary traffic silent: a new family, session or user (nobody holds a
// verdict about them yet), a refresh token's rotation, a session's last use, a DPoP binding or a
// SCIM profile write change none of the columns the verdict is made of, and send nothing.
// Removing a revoked jti (housekeeping, after its token expired) can only turn a refusal into
// a pass, and refusals are never kept, so it sends nothing either.
const USER_COLUMNS = ["id", "tenant_id", "username", "email", "is_verified", "locale", "roles", "created_at", "updated_at", "is_disabled"];
const changed = (columns: readonly string[]) =>
  `(${columns.map((column) => `old."${column}"`).join(", ")}) is distinct from (${columns.map((column) => `new."${column}"`).join(", ")})`;

const TRIGGERS = [
  ["token_family", "update", changed(["id", "tenant_id", "user_id", "session_id", "revoked_at"])],
  ["token_family", "delete", undefined],
  ["user_session", "update", changed(["id", "tenant_id", "ended_at"])],
  ["user_session", "delete", undefined],
  ["app_user", "update", changed(USER_COLUMNS)],
  ["app_user", "delete", undefined],
  ["revoked_access_token", "insert", undefined],
  ["revoked_access_token", "update", changed(["jti", "tenant_id"])],
] as const;

export class Migration20261206110000_access_token_liveness_notify extends Migration {
  override async up(): Promise<void> {
    for (const [table, event, when] of TRIGGERS) {
      this.addSql(`create trigger "${table}_${event}_notify_verdict" after ${event} on "${table}"
        for each row ${when ? `when (${when}) ` : ""}execute function svault_notify_change('tenant_id');`);
    }
  }

  override async down(): Promise<void> {
    for (const [table, event] of TRIGGERS) this.addSql(`drop trigger "${table}_${event}_notify_verdict" on "${table}";`);
  }
}
