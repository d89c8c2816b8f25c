import { Migration } from "@mikro-orm/migrations";

// A rotated refresh token names its successor, so that a client whose token answer was lost can
// present the rotated token again while that successor is unused (the reuse grace, docs/oidc.md).
// Tokens rotated before this migration have none: presenting them again stays a reuse.
export class Migration20261205192555_refresh_token_successor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "refresh_token" add column "successor_hash" bytea null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "refresh_token" drop column "successor_hash";`);
  }
}
