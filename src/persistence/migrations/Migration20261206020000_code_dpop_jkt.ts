import { Migration } from "@mikro-orm/migrations";

/** RFC 9449 §10: an authorization code bound to the DPoP key its request named (`dpop_jkt`). */
export class Migration20261206020000_code_dpop_jkt extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "authorization_code" add column "dpop_jkt" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "authorization_code" drop column "dpop_jkt";`);
  }
}
