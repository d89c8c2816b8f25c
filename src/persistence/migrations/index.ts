// The ordered list of migrations (explicit, so that they load the same under tsx, in tests and in
// a bundled build). `npm run migration:create -- <name>` writes a new file; add it here.
import type { MigrationObject } from "@mikro-orm/core";
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

export const migrations: MigrationObject[] = [
  { name: "Migration20261128225202_initial", class: Migration20261128225202_initial },
  { name: "Migration20261128231733_login", class: Migration20261128231733_login },
  { name: "Migration20261128233719_oidc", class: Migration20261128233719_oidc },
  { name: "Migration20261129000207_session_client_issuers", class: Migration20261129000207_session_client_issuers },
  { name: "Migration20261129001900_users_admin", class: Migration20261129001900_users_admin },
  { name: "Migration20261129025324_tenant_user_count", class: Migration20261129025324_tenant_user_count },
  { name: "Migration20261205192555_refresh_token_successor", class: Migration20261205192555_refresh_token_successor },
  { name: "Migration20261205192709_login_throttle_decision", class: Migration20261205192709_login_throttle_decision },
  { name: "Migration20261205193451_rate_limit", class: Migration20261205193451_rate_limit },
  { name: "Migration20261205201700_hosted_ui_branding", class: Migration20261205201700_hosted_ui_branding },
  { name: "Migration20261205224152_scim", class: Migration20261205224152_scim },
  { name: "Migration20261205230000_conformance", class: Migration20261205230000_conformance },
  { name: "Migration20261205230000_login_nonce_auth_request", class: Migration20261205230000_login_nonce_auth_request },
  { name: "Migration20261205233000_tenant_leading_indexes", class: Migration20261205233000_tenant_leading_indexes },
  { name: "Migration20261206000500_passkeys", class: Migration20261206000500_passkeys },
  { name: "Migration20261206000500_entra_mfa", class: Migration20261206000500_entra_mfa },
  { name: "Migration20261206013000_cache_change_notify", class: Migration20261206013000_cache_change_notify },
  { name: "Migration20261206020000_code_dpop_jkt", class: Migration20261206020000_code_dpop_jkt },
  { name: "Migration20261206020000_face", class: Migration20261206020000_face },
  { name: "Migration20261206050000_face_result", class: Migration20261206050000_face_result },
  { name: "Migration20261206110000_access_token_liveness_notify", class: Migration20261206110000_access_token_liveness_notify },
];
