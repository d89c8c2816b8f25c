import { Migration } from "@mikro-orm/migrations";

// The face factor (docs/face-liveness.md): liveness challenges, found by (tenant, hash of the
// value) and counted per (tenant, request, user), gone with their authorization request or user;
// one sealed template per user, gone with the user; and the Liveness Report's rollup, one row per
// (tenant, resolution, bucket), read by a range of its primary key.

export class Migration20261206020000_face extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "face_challenge" ("tenant_id" varchar(63) not null, "hash" bytea not null, "user_id" uuid not null, "auth_req_id" varchar(64) not null, "purpose" varchar(8) not null, "direction" varchar(8) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "face_challenge_pkey" primary key ("tenant_id", "hash"));`,
    );
    this.addSql(`create index "face_challenge_tenant_request_index" on "face_challenge" ("tenant_id", "auth_req_id", "user_id");`);

    this.addSql(
      `create table "face_template" ("id" uuid not null, "tenant_id" varchar(63) not null, "user_id" uuid not null, "sealed" bytea not null, "created_at" timestamptz not null, constraint "face_template_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "face_template" add constraint "face_template_tenant_user_unique" unique ("tenant_id", "user_id");`);

    this.addSql(
      `create table "liveness_rollup" ("tenant_id" varchar(63) not null, "resolution" varchar(8) not null, "bucket" timestamptz not null, "attempts" int not null default 0, "passed" int not null default 0, "failed" jsonb not null, "durations" integer[] not null, constraint "liveness_rollup_pkey" primary key ("tenant_id", "resolution", "bucket"));`,
    );

    this.addSql(
      `alter table "face_challenge" add constraint "face_challenge_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_challenge" add constraint "face_challenge_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_challenge" add constraint "face_challenge_auth_req_id_foreign" foreign key ("auth_req_id") references "auth_request" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_template" add constraint "face_template_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_template" add constraint "face_template_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "liveness_rollup" add constraint "liveness_rollup_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "face_challenge" cascade;`);
    this.addSql(`drop table if exists "face_template" cascade;`);
    this.addSql(`drop table if exists "liveness_rollup" cascade;`);
  }
}
