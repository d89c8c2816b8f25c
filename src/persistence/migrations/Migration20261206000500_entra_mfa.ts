import { Migration } from "@mikro-orm/migrations";

export class Migration20261206000500_entra_mfa extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mfa_flow" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "browser_hash" bytea not null, "user_id" uuid not null, "entra_tenant_id" uuid not null, "object_id" uuid not null, "subject" varchar(256) not null, "client_id" varchar(128) not null, "redirect_uri" varchar(2048) not null, "state" text not null, "nonce" varchar(512) not null, "acr" varchar(64) not null, "amr_allowed" jsonb not null, "challenge" varchar(128) null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "mfa_flow_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "mfa_flow_expires_at_index" on "mfa_flow" ("expires_at");`);

    this.addSql(
      `create table "entra_settings" ("tenant_id" varchar(63) not null, "enabled" boolean not null default false, "client_id" varchar(128) not null default '', "allowed_tenant_ids" jsonb not null, "discovery_url" varchar(2048) not null, "user_match" varchar(16) not null default 'link', "max_hint_age_seconds" int not null default 600, "updated_at" timestamptz not null, constraint "entra_settings_pkey" primary key ("tenant_id"));`,
    );

    this.addSql(
      `create table "entra_user_link" ("tenant_id" varchar(63) not null, "entra_tenant_id" uuid not null, "object_id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, constraint "entra_user_link_pkey" primary key ("tenant_id", "entra_tenant_id", "object_id"));`,
    );
    this.addSql(`create index "entra_user_link_tenant_user_index" on "entra_user_link" ("tenant_id", "user_id");`);

    this.addSql(
      `alter table "mfa_flow" add constraint "mfa_flow_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "entra_settings" add constraint "entra_settings_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "entra_user_link" add constraint "entra_user_link_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "entra_user_link" add constraint "entra_user_link_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mfa_flow" cascade;`);

    this.addSql(`drop table if exists "entra_settings" cascade;`);

    this.addSql(`drop table if exists "entra_user_link" cascade;`);
  }
}
