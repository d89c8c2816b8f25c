import { Migration } from "@mikro-orm/migrations";

export class Migration20261129000207_session_client_issuers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "user_session" add column "client_issuers" jsonb not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "user_session" drop column "client_issuers";`);
  }
}
