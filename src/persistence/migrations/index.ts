// The migrations' classes, under their names (names.ts: explicit, so that they load the same under
// tsx, in tests and in a bundled build). Only migrator.ts imports this module, when a migration is
// pending: the classes import the migration library. `npm run migration:create -- <name>` writes a
// new file; add its name to names.ts and its class here.
import type { MigrationObject } from "@mikro-orm/core";
import type { Migration } from "@mikro-orm/migrations";
import { Migration20261128225202_initial } from "./Migration20261128225202_initial.js";
import { Migration20261128231733_login } from "./Migration20261128231733_login.js";
import { Migration20261128233719_oidc } from "./Migration20261128233719_oidc.js";
import { Migration20261129000207_session_client_issuers } from "./Migration20261129000207_session_client_issuers.js";
import { Migration20261129001900_users_admin } from "./Migration20261129001900_users_admin.js";
import { Migration20261129025324_tenant_user_count } from "./Migration20261129025324_tenant_user_count.js";
import { Migration20261205192555_refresh_token_successor } from "./Migration20261205192555_refresh_token_successor.js";
import { Migration20261205192709_login_throttle_decision } from "./Migration20261205192709_login_throttle_decision.js";
import { Migration20261205193451_rate_limit } from "./Migration20261205193451_rate_limit.js";
import { Migration20261205201700_hosted_ui_branding } from "./Migration20261205201700_hosted_ui_branding.js";
import { Migration20261205224152_scim } from "./Migration20261205224152_scim.js";
import { Migration20261205230000_conformance } from "./Migration20261205230000_conformance.js";
import { Migration20261205230000_login_nonce_auth_request } from "./Migration20261205230000_login_nonce_auth_request.js";
import { Migration20261205233000_tenant_leading_indexes } from "./Migration20261205233000_tenant_leading_indexes.js";
import { Migration20261206000500_passkeys } from "./Migration20261206000500_passkeys.js";
import { Migration20261206000500_entra_mfa } from "./Migration20261206000500_entra_mfa.js";
import { Migration20261206013000_cache_change_notify } from "./Migration20261206013000_cache_change_notify.js";
import { Migration20261206020000_code_dpop_jkt } from "./Migration20261206020000_code_dpop_jkt.js";
import { Migration20261206020000_face } from "./Migration20261206020000_face.js";
import { Migration20261206050000_face_result } from "./Migration20261206050000_face_result.js";
import { Migration20261206110000_access_token_liveness_notify } from "./Migration20261206110000_access_token_liveness_notify.js";
import { type MigrationName, migrationNames } from "./names.js";

/** Each name of names.ts and its class; a name without a class, or a class without a name, does not compile. */
const classes = {
  Migration20261128225202_initial,
  Migration20261128231733_login,
  Migration20261128233719_oidc,
  Migration20261129000207_session_client_issuers,
  Migration20261129001900_users_admin,
  Migration20261129025324_tenant_user_count,
  Migration20261205192555_refresh_token_successor,
  Migration20261205192709_login_throttle_decision,
  Migration20261205193451_rate_limit,
  Migration20261205201700_hosted_ui_branding,
  Migration20261205224152_scim,
  Migration20261205230000_conformance,
  Migration20261205230000_login_nonce_auth_request,
  Migration20261205233000_tenant_leading_indexes,
  Migration20261206000500_passkeys,
  Migration20261206000500_entra_mfa,
  Migration20261206013000_cache_change_notify,
  Migration20261206020000_code_dpop_jkt,
  Migration20261206020000_face,
  Migration20261206050000_face_result,
  Migration20261206110000_access_token_liveness_notify,
} satisfies Record<MigrationName, new (...args: never[]) => Migration>;

/** In the order of names.ts, as the migrator applies them. */
export const migrations: MigrationObject[] = migrationNames.map((name) => ({ name, class: classes[name] }));
