import { Migration } from "@mikro-orm/migrations";

// SCIM provisioning (docs/scim.md): groups and their members, the SCIM attributes of users that
// have no column of their own, and the indexes of SCIM's lookups (`externalId eq`,
// `displayName eq`), each leading with the tenant.

export class Migration20261205224152_scim extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "user_group" ("id" uuid not null, "tenant_id" varchar(63) not null, "display_name" varchar(256) not null, "external_id" varchar(256) null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "user_group_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "user_group_tenant_display_name_index" on "user_group" ("tenant_id", (lower("display_name")));`);
    this.addSql(`create index "user_group_tenant_external_id_index" on "user_group" ("tenant_id", "external_id");`);
    this.addSql(`create index "user_group_tenant_created_index" on "user_group" ("tenant_id", "created_at", "id");`);

    this.addSql(
      `create table "user_group_member" ("tenant_id" varchar(63) not null, "group_id" uuid not null, "user_id" uuid not null, constraint "user_group_member_pkey" primary key ("tenant_id", "group_id", "user_id"));`,
    );
    this.addSql(`create index "user_group_member_tenant_user_index" on "user_group_member" ("tenant_id", "user_id");`);

    this.addSql(
      `alter table "user_group" add constraint "user_group_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "user_group_member" add constraint "user_group_member_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_group_member" add constraint "user_group_member_group_id_foreign" foreign key ("group_id") references "user_group" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_group_member" add constraint "user_group_member_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(`alter table "app_user" add column "scim_profile" jsonb not null default '{}';`);
    this.addSql(`create index "app_user_tenant_external_id_index" on "app_user" ("tenant_id", "external_id");`);
    this.addSql(
      `create index "app_user_tenant_scim_display_name_index" on "app_user" ("tenant_id", (lower("scim_profile" ->> 'displayName')));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "user_group_member" drop constraint "user_group_member_group_id_foreign";`);

    this.addSql(`drop table if exists "user_group" cascade;`);

    this.addSql(`drop table if exists "user_group_member" cascade;`);

    this.addSql(`drop index "app_user_tenant_external_id_index";`);
    this.addSql(`drop index "app_user_tenant_scim_display_name_index";`);
    this.addSql(`alter table "app_user" drop column "scim_profile";`);
  }
}
