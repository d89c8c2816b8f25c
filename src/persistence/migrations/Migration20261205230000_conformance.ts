import { Migration } from "@mikro-orm/migrations";

// Issue 24: the client's keys and profile settings, the tenant's "require PAR", pushed
// authorization requests, the replay cache of one-time JWT ids, and DPoP-bound token families.
export class Migration20261205230000_conformance extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "client" add column "jwks" jsonb null, add column "jwks_uri" varchar(2048) null, add column "request_object_signing_alg" varchar(8) null, add column "require_pushed_authorization_requests" boolean not null default false, add column "dpop_bound_access_tokens" boolean not null default false;`,
    );
    this.addSql(`alter table "tenant" add column "require_pushed_authorization_requests" boolean not null default false;`);
    this.addSql(`alter table "token_family" add column "dpop_jkt" varchar(64) null;`);

    this.addSql(
      `create table "pushed_authorization_request" ("tenant_id" varchar(63) not null, "hash" bytea not null, "client_id" varchar(128) not null, "params" jsonb not null, "expires_at" timestamptz not null, constraint "pushed_authorization_request_pkey" primary key ("tenant_id", "hash"));`,
    );
    this.addSql(`create index "pushed_authorization_request_expires_at_index" on "pushed_authorization_request" ("expires_at");`);
    this.addSql(
      `alter table "pushed_authorization_request" add constraint "pushed_authorization_request_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `create table "used_jti" ("tenant_id" varchar(63) not null, "hash" bytea not null, "expires_at" timestamptz not null, constraint "used_jti_pkey" primary key ("tenant_id", "hash"));`,
    );
    this.addSql(`create index "used_jti_expires_at_index" on "used_jti" ("expires_at");`);
    this.addSql(
      `alter table "used_jti" add constraint "used_jti_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "used_jti" cascade;`);
    this.addSql(`drop table if exists "pushed_authorization_request" cascade;`);
    this.addSql(`alter table "token_family" drop column "dpop_jkt";`);
    this.addSql(`alter table "tenant" drop column "require_pushed_authorization_requests";`);
    this.addSql(
      `alter table "client" drop column "jwks", drop column "jwks_uri", drop column "request_object_signing_alg", drop column "require_pushed_authorization_requests", drop column "dpop_bound_access_tokens";`,
    );
  }
}
