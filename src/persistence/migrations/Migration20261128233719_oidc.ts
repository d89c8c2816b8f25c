import { Migration } from "@mikro-orm/migrations";

export class Migration20261128233719_oidc extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "revoked_access_token" ("jti" varchar(64) not null, "tenant_id" varchar(63) not null, "expires_at" timestamptz not null, constraint "revoked_access_token_pkey" primary key ("jti"));`,
    );
    this.addSql(`create index "revoked_access_token_expires_at_index" on "revoked_access_token" ("expires_at");`);

    this.addSql(
      `create table "refresh_token" ("hash" bytea not null, "tenant_id" varchar(63) not null, "family_id" varchar(64) not null, "client_id" varchar(128) not null, "user_id" uuid not null, "session_id" varchar(64) null, "scope" varchar(2048) not null, "issuer" varchar(2048) not null, "auth_time" timestamptz not null, "amr" jsonb not null, "expires_at" timestamptz not null, "rotated_at" timestamptz null, "created_at" timestamptz not null, constraint "refresh_token_pkey" primary key ("hash"));`,
    );
    this.addSql(`create index "refresh_token_family_index" on "refresh_token" ("family_id");`);

    this.addSql(
      `create table "authorization_code" ("hash" bytea not null, "tenant_id" varchar(63) not null, "family_id" varchar(64) not null, "client_id" varchar(128) not null, "user_id" uuid not null, "session_id" varchar(64) not null, "redirect_uri" varchar(2048) not null, "code_challenge" varchar(128) null, "nonce" varchar(512) null, "scope" varchar(2048) not null, "issuer" varchar(2048) not null, "auth_time" timestamptz not null, "amr" jsonb not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "authorization_code_pkey" primary key ("hash"));`,
    );
    this.addSql(`create index "authorization_code_expires_at_index" on "authorization_code" ("expires_at");`);

    this.addSql(
      `create table "token_family" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "client_id" varchar(128) not null, "user_id" uuid null, "session_id" varchar(64) null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "token_family_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "token_family_session_index" on "token_family" ("session_id");`);

    this.addSql(
      `create table "user_session" ("id" varchar(64) not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "secret_hash" bytea not null, "auth_time" timestamptz not null, "amr" jsonb not null, "clients" jsonb not null, "ip" varchar(45) not null default '', "user_agent" varchar(512) not null default '', "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "ended_at" timestamptz null, constraint "user_session_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "user_session_user_index" on "user_session" ("tenant_id", "user_id");`);

    this.addSql(
      `alter table "revoked_access_token" add constraint "revoked_access_token_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "authorization_code" add constraint "authorization_code_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "token_family" add constraint "token_family_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "user_session" add constraint "user_session_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_session" add constraint "user_session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "revoked_access_token" cascade;`);

    this.addSql(`drop table if exists "refresh_token" cascade;`);

    this.addSql(`drop table if exists "authorization_code" cascade;`);

    this.addSql(`drop table if exists "token_family" cascade;`);

    this.addSql(`drop table if exists "user_session" cascade;`);
  }
}
