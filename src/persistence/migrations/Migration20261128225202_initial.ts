import { Migration } from "@mikro-orm/migrations";

export class Migration20261128225202_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tenant" ("id" varchar(63) not null, "display_name" varchar(256) not null default '', "register_enable" boolean not null default false, "is_2fa" boolean not null default false, "use_pin" boolean not null default true, "pin_size" int not null default 6, "use_pattern" boolean not null default true, "patter_size" int not null default 3, "use_face_recognition" boolean not null default false, "use_liveness" boolean not null default false, "show_pin_when_typing" boolean not null default true, "block_config" jsonb not null, "login_order" jsonb not null, "passkey_enabled" boolean not null default false, "has_username_and_email" boolean not null default true, "liveness_config" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tenant_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "client" ("id" uuid not null, "tenant_id" varchar(63) not null, "client_id" varchar(128) not null, "name" varchar(256) not null, "redirect_uris" jsonb not null, "post_logout_redirect_uri" jsonb not null, "allowed_scopes" jsonb not null, "token_endpoint_auth_method" varchar(32) not null, "logo_uri" varchar(2048) null, "op_policy_url" varchar(2048) null, "op_tos_url" varchar(2048) null, "op_user_agreement_url" varchar(2048) null, "client_uri" varchar(2048) null, "client_logout_uri" varchar(2048) null, "register_enable" boolean not null default false, "tenant_name" varchar(256) null, "client_type" varchar(16) not null, "secret_hash" bytea null, "is_lock" boolean not null default false, "sing_alg" varchar(8) not null, "flow" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "client_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "client" add constraint "client_tenant_client_id_unique" unique ("tenant_id", "client_id");`);

    this.addSql(
      `create table "blocked_user" ("tenant_id" varchar(63) not null, "username" varchar(128) not null, "failures" int not null default 0, "reason" varchar(256) not null default '', "blocked_at" timestamptz not null, "blocked_until" timestamptz null, constraint "blocked_user_pkey" primary key ("tenant_id", "username"));`,
    );
    this.addSql(`create index "blocked_user_tenant_blocked_at_index" on "blocked_user" ("tenant_id", "blocked_at");`);

    this.addSql(
      `create table "blocked_ip" ("tenant_id" varchar(63) not null, "ip" varchar(45) not null, "failures" int not null default 0, "reason" varchar(256) not null default '', "blocked_at" timestamptz not null, "blocked_until" timestamptz null, constraint "blocked_ip_pkey" primary key ("tenant_id", "ip"));`,
    );
    this.addSql(`create index "blocked_ip_tenant_blocked_at_index" on "blocked_ip" ("tenant_id", "blocked_at");`);

    this.addSql(
      `create table "tenant_key" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "alg" varchar(16) not null, "use" varchar(8) not null, "public_jwk" jsonb not null, "private_key_sealed" bytea not null, "publish_at" timestamptz not null, "activate_at" timestamptz not null, "retire_at" timestamptz null, "created_at" timestamptz not null, constraint "tenant_key_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tenant_key_tenant_alg_index" on "tenant_key" ("tenant_id", "alg");`);

    this.addSql(
      `create table "app_user" ("id" uuid not null, "tenant_id" varchar(63) not null, "username" varchar(128) not null, "username_normalized" varchar(128) not null, "email" varchar(254) null, "email_normalized" varchar(254) null, "is_disabled" boolean not null default false, "is_verified" boolean not null default false, "locale" varchar(35) not null default '', "roles" jsonb not null, "external_id" varchar(256) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_tenant_username_unique" unique ("tenant_id", "username_normalized");`);
    this.addSql(`alter table "app_user" add constraint "app_user_tenant_email_unique" unique ("tenant_id", "email_normalized");`);

    this.addSql(
      `create table "api_key" ("id" varchar(32) not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "name" varchar(128) not null default '', "scopes" jsonb not null, "secret_hash" bytea not null, "is_active" boolean not null default true, "last_use_at" timestamptz null, "created_at" timestamptz not null, constraint "api_key_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "api_key_user_id_index" on "api_key" ("user_id");`);
    this.addSql(`create index "api_key_tenant_created_index" on "api_key" ("tenant_id", "created_at");`);

    this.addSql(
      `alter table "client" add constraint "client_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "blocked_user" add constraint "blocked_user_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "blocked_ip" add constraint "blocked_ip_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "tenant_key" add constraint "tenant_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "app_user" add constraint "app_user_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "api_key" add constraint "api_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "api_key" add constraint "api_key_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "client" drop constraint "client_tenant_id_foreign";`);

    this.addSql(`alter table "blocked_user" drop constraint "blocked_user_tenant_id_foreign";`);

    this.addSql(`alter table "blocked_ip" drop constraint "blocked_ip_tenant_id_foreign";`);

    this.addSql(`alter table "tenant_key" drop constraint "tenant_key_tenant_id_foreign";`);

    this.addSql(`alter table "app_user" drop constraint "app_user_tenant_id_foreign";`);

    this.addSql(`alter table "api_key" drop constraint "api_key_tenant_id_foreign";`);

    this.addSql(`alter table "api_key" drop constraint "api_key_user_id_foreign";`);

    this.addSql(`drop table if exists "tenant" cascade;`);

    this.addSql(`drop table if exists "client" cascade;`);

    this.addSql(`drop table if exists "blocked_user" cascade;`);

    this.addSql(`drop table if exists "blocked_ip" cascade;`);

    this.addSql(`drop table if exists "tenant_key" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);
  }
}
