import { Migration } from "@mikro-orm/migrations";

// Rate-limit counters outside the login (domain/ratelimit/): one row per (scope, kind, subject),
// found by its primary key on every count; the index on expires_at serves the housekeeping's
// sweep of ended windows. No foreign key to the tenant: the scope "" stands for all tenants, and
// a deleted tenant's counters simply end with their windows.
export class Migration20261205193451_rate_limit extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "rate_limit" ("scope" varchar(63) not null, "kind" varchar(32) not null, "subject" varchar(128) not null, "hits" int not null, "expires_at" timestamptz not null, constraint "rate_limit_pkey" primary key ("scope", "kind", "subject"));`,
    );
    this.addSql(`create index "rate_limit_expires_at_index" on "rate_limit" ("expires_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit" cascade;`);
  }
}
