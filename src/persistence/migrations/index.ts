// The ordered list of migrations (explicit, so that they load the same under tsx, in tests and in
// a bundled build). `npm run migration:create -- <name>` writes a new file; add it here.
import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261128225202_initial } from "./Migration20261128225202_initial.js";
import { Migration20261128231733_login } from "./Migration20261128231733_login.js";
import { Migration20261128233719_oidc } from "./Migration20261128233719_oidc.js";
import { Migration20261129000207_session_client_issuers } from "./Migration20261129000207_session_client_issuers.js";
import { Migration20261129001900_users_admin } from "./Migration20261129001900_users_admin.js";
import { Migration20261129025324_tenant_user_count } from "./Migration20261129025324_tenant_user_count.js";

export const migrations: MigrationObject[] = [
  { name: "Migration20261128225202_initial", class: Migration20261128225202_initial },
  { name: "Migration20261128231733_login", class: Migration20261128231733_login },
  { name: "Migration20261128233719_oidc", class: Migration20261128233719_oidc },
  { name: "Migration20261129000207_session_client_issuers", class: Migration20261129000207_session_client_issuers },
  { name: "Migration20261129001900_users_admin", class: Migration20261129001900_users_admin },
  { name: "Migration20261129025324_tenant_user_count", class: Migration20261129025324_tenant_user_count },
];
