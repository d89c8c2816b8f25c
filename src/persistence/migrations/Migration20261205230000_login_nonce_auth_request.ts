import { Migration } from "@mikro-orm/migrations";

// Sign In combines the login nonces of one authorization request (its factor steps): by tenant and request.
export class Migration20261205230000_login_nonce_auth_request extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "login_nonce_auth_request_index" on "login_nonce" ("tenant_id", "auth_req_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "login_nonce_auth_request_index";`);
  }
}
