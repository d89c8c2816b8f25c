// The names of this version's migrations, in the order they apply, without their classes: start-up
// (database.ts, `migrate`) and readiness (migration-state.ts) compare them with the database's
// schema_migrations and load the migration library and classes (migrator.ts) only when one is
// pending — an instance whose schema is current never needs them, and they are ≈ 4 MiB of its
// resident memory (docs/performance.md, "Memory: the migration library on demand").
// index.ts must hold a class under each name (the compiler checks it), and
// test/persistence/migration-names.test.ts that every migration file is here.
export const migrationNames = [
  "Migration20261128225202_initial",
  "Migration20261128231733_login",
  "Migration20261128233719_oidc",
  "Migration20261129000207_session_client_issuers",
  "Migration20261129001900_users_admin",
  "Migration20261129025324_tenant_user_count",
  "Migration20261205192555_refresh_token_successor",
  "Migration20261205192709_login_throttle_decision",
  "Migration20261205193451_rate_limit",
  "Migration20261205201700_hosted_ui_branding",
  "Migration20261205224152_scim",
  "Migration20261205230000_conformance",
  "Migration20261205230000_login_nonce_auth_request",
  "Migration20261205233000_tenant_leading_indexes",
  "Migration20261206000500_passkeys",
  "Migration20261206000500_entra_mfa",
  "Migration20261206013000_cache_change_notify",
  "Migration20261206020000_code_dpop_jkt",
  "Migration20261206020000_face",
  "Migration20261206050000_face_result",
  "Migration20261206110000_access_token_liveness_notify",
] as const;

export type MigrationName = (typeof migrationNames)[number];
