import { Migration } from "@mikro-orm/migrations";

// The statement that counts a login guess decides it on the row it locks and reads its own
// decision back from `last_admitted` (domain/login/login-throttle.ts): parallel guesses are
// decided one after another. A constant default: no table rewrite.
export class Migration20261205192709_login_throttle_decision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "login_throttle" add column "last_admitted" boolean not null default true;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "login_throttle" drop column "last_admitted";`);
  }
}
