import { Migration } from "@mikro-orm/migrations";

// `ber` on Authenticate (docs/face-liveness.md, "`ber` on Authenticate"): a liveness challenge may
// be issued for a pending login (its `auth_challenge` id) instead of an earlier step's nonce, so
// its user is the one that login names, unknown users included (user_id null); and a passed check
// of such a challenge leaves a single-use result for that login's Authenticate, found by (tenant,
// hash of the value), gone with its authorization request.

export class Migration20261206050000_face_result extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "face_challenge" alter column "user_id" drop not null;`);
    this.addSql(`alter table "face_challenge" add column "login_challenge_id" varchar(64) null;`);
    this.addSql(`create index "face_challenge_tenant_login_index" on "face_challenge" ("tenant_id", "login_challenge_id");`);

    this.addSql(
      `create table "face_result" ("tenant_id" varchar(63) not null, "hash" bytea not null, "login_challenge_id" varchar(64) not null, "auth_req_id" varchar(64) not null, "user_id" uuid null, "verdict" varchar(8) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "face_result_pkey" primary key ("tenant_id", "hash"));`,
    );
    this.addSql(
      `alter table "face_result" add constraint "face_result_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_result" add constraint "face_result_auth_req_id_foreign" foreign key ("auth_req_id") references "auth_request" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "face_result" add constraint "face_result_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "face_result" cascade;`);
    this.addSql(`drop index if exists "face_challenge_tenant_login_index";`);
    this.addSql(`alter table "face_challenge" drop column "login_challenge_id";`);
    this.addSql(`delete from "face_challenge" where "user_id" is null;`);
    this.addSql(`alter table "face_challenge" alter column "user_id" set not null;`);
  }
}
