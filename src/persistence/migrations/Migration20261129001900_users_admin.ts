import { Migration } from "@mikro-orm/migrations";

// Indexes of the user list (List Users): pages sorted by creation, and prefix filters / sorting on
// the normalized username and e-mail in the "C" collation, each with the id as tie-breaker.
export class Migration20261129001900_users_admin extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "app_user_tenant_created_index" on "app_user" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "app_user_tenant_username_c_index" on "app_user" ("tenant_id", ("username_normalized" collate "C"), "id");`);
    this.addSql(`create index "app_user_tenant_email_c_index" on "app_user" ("tenant_id", ("email_normalized" collate "C"), "id");`);
    this.addSql(`create index "token_family_user_index" on "token_family" ("tenant_id", "user_id");`);
    this.addSql(`create index "refresh_token_user_index" on "refresh_token" ("tenant_id", "user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "refresh_token_user_index";`);
    this.addSql(`drop index "token_family_user_index";`);
    this.addSql(`drop index "app_user_tenant_email_c_index";`);
    this.addSql(`drop index "app_user_tenant_username_c_index";`);
    this.addSql(`drop index "app_user_tenant_created_index";`);
  }
}
