import { Migration } from "@mikro-orm/migrations";

// Passkeys (docs/passkeys.md): the credentials, unique per (tenant, credential id), read by that
// pair on every passkey sign-in and by (tenant, user) for a user's list; and the challenges, found
// by (tenant, hash of the value) and swept by the housekeeping once expired, as auth_challenge is.

export class Migration20261206000500_passkeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "passkey_challenge" ("tenant_id" varchar(63) not null, "hash" bytea not null, "purpose" varchar(16) not null, "user_id" uuid null, "auth_req_id" varchar(128) null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "passkey_challenge_pkey" primary key ("tenant_id", "hash"));`,
    );
    this.addSql(`create index "passkey_challenge_expires_at_index" on "passkey_challenge" ("expires_at");`);

    this.addSql(
      `create table "passkey_credential" ("id" uuid not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "credential_id" varchar(1024) not null, "public_key" bytea not null, "counter" bigint not null default 0, "transports" jsonb not null, "backup_eligible" boolean not null, "backed_up" boolean not null, "aaguid" varchar(36) not null, "name" varchar(128) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, constraint "passkey_credential_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "passkey_credential_tenant_user_index" on "passkey_credential" ("tenant_id", "user_id");`);
    this.addSql(
      `alter table "passkey_credential" add constraint "passkey_credential_tenant_credential_unique" unique ("tenant_id", "credential_id");`,
    );

    this.addSql(
      `alter table "passkey_challenge" add constraint "passkey_challenge_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "passkey_credential" add constraint "passkey_credential_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "passkey_credential" add constraint "passkey_credential_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "passkey_challenge" cascade;`);

    this.addSql(`drop table if exists "passkey_credential" cascade;`);
  }
}
