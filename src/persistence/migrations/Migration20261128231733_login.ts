import { Migration } from "@mikro-orm/migrations";

export class Migration20261128231733_login extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "opaque_setup" ("tenant_id" varchar(63) not null, "setup_sealed" bytea not null, "created_at" timestamptz not null, constraint "opaque_setup_pkey" primary key ("tenant_id"));`,
    );

    this.addSql(
      `create table "one_time_code" ("hash" bytea not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "purpose" varchar(16) not null, "email" varchar(254) null, "attempts" int not null default 0, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "one_time_code_pkey" primary key ("hash"));`,
    );
    this.addSql(`create index "one_time_code_user_purpose_index" on "one_time_code" ("tenant_id", "user_id", "purpose");`);

    this.addSql(
      `create table "login_throttle" ("tenant_id" varchar(63) not null, "kind" varchar(8) not null, "subject" varchar(128) not null, "failures" int not null, "window_start" timestamptz not null, "last_failure_at" timestamptz not null, constraint "login_throttle_pkey" primary key ("tenant_id", "kind", "subject"));`,
    );

    this.addSql(
      `create table "login_nonce" ("hash" bytea not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "auth_req_id" varchar(128) null, "amr" jsonb not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "login_nonce_pkey" primary key ("hash"));`,
    );

    this.addSql(
      `create table "auth_request" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "client_id" varchar(128) not null, "params" jsonb not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "auth_request_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "auth_request_expires_at_index" on "auth_request" ("expires_at");`);

    this.addSql(
      `create table "auth_event" ("id" bigserial primary key, "tenant_id" varchar(63) not null, "at" timestamptz not null, "kind" varchar(24) not null, "outcome" varchar(8) not null, "reason" varchar(64) not null default '', "username" varchar(128) not null default '', "user_id" uuid null, "ip" varchar(45) not null default '', "user_agent" varchar(512) not null default '', "client_id" varchar(128) null, "log_data" jsonb null);`,
    );
    this.addSql(`create index "auth_event_tenant_at_index" on "auth_event" ("tenant_id", "at");`);

    this.addSql(
      `create table "auth_challenge" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "purpose" varchar(16) not null, "username_normalized" varchar(128) not null, "user_id" uuid null, "ke1_hash" bytea null, "server_state_sealed" bytea null, "credential_id" varchar(64) null, "auth_req_id" varchar(128) null, "proto_version" varchar(128) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "auth_challenge_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "auth_challenge_expires_at_index" on "auth_challenge" ("expires_at");`);

    this.addSql(
      `create table "user_credential" ("user_id" uuid not null, "tenant_id" varchar(63) not null, "credential_id" varchar(64) not null, "record_sealed" bytea not null, "proto_version" varchar(128) not null, "updated_at" timestamptz not null, constraint "user_credential_pkey" primary key ("user_id"));`,
    );

    this.addSql(
      `alter table "opaque_setup" add constraint "opaque_setup_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "one_time_code" add constraint "one_time_code_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "login_throttle" add constraint "login_throttle_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "login_nonce" add constraint "login_nonce_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "auth_request" add constraint "auth_request_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "auth_event" add constraint "auth_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "auth_challenge" add constraint "auth_challenge_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "user_credential" add constraint "user_credential_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_credential" add constraint "user_credential_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "opaque_setup" cascade;`);

    this.addSql(`drop table if exists "one_time_code" cascade;`);

    this.addSql(`drop table if exists "login_throttle" cascade;`);

    this.addSql(`drop table if exists "login_nonce" cascade;`);

    this.addSql(`drop table if exists "auth_request" cascade;`);

    this.addSql(`drop table if exists "auth_event" cascade;`);

    this.addSql(`drop table if exists "auth_challenge" cascade;`);

    this.addSql(`drop table if exists "user_credential" cascade;`);
  }
}
