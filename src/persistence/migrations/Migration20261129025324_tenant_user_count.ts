import { Migration } from "@mikro-orm/migrations";

// The number of users of each tenant, kept by the database (List Users' total_count without a
// filter reads it instead of counting up to a million rows; docs/performance.md, "Users at scale").
// Statement-level AFTER triggers with transition tables: one counter update per statement, so a
// batch insert or a tenant's cascade delete is one update, and every path that inserts or deletes
// users (registration, admin create, batch create, deletions, tenant deletion, bulk seeding) keeps
// it exact without application code. The counter row is locked by the statement's update until
// its transaction ends: concurrent user inserts/deletes of ONE tenant serialize from that point to
// their commit (the trade-off is documented in docs/performance.md).
// Rows are only ever moved between tenants by renaming a tenant (tenant_id's ON UPDATE CASCADE),
// under which the counter row follows the tenant by its own cascade; moving users from one
// existing tenant to another is refused, since nothing would carry their count along.
// No `?` in these statements: the migrator's driver would read it as a parameter.
export class Migration20261129025324_tenant_user_count extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tenant_user_count" ("tenant_id" varchar(63) not null, "users" bigint not null default 0, constraint "tenant_user_count_pkey" primary key ("tenant_id"));`,
    );
    this.addSql(
      `alter table "tenant_user_count" add constraint "tenant_user_count_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade on delete cascade;`,
    );

    // Tenants in key order, so that two statements inserting into several tenants cannot deadlock.
    this.addSql(`create function "app_user_count_inserted"() returns trigger language plpgsql as $$
begin
  insert into tenant_user_count as c (tenant_id, users)
    select tenant_id, count(*) from inserted_users group by tenant_id order by tenant_id
  on conflict (tenant_id) do update set users = c.users + excluded.users;
  return null;
end $$;`);
    // No counter row (the tenant itself is being deleted, and its row went first): nothing to do.
    this.addSql(`create function "app_user_count_deleted"() returns trigger language plpgsql as $$
begin
  update tenant_user_count c set users = c.users - d.n
    from (select tenant_id, count(*) as n from deleted_users group by tenant_id) d
    where c.tenant_id = d.tenant_id;
  return null;
end $$;`);
    this.addSql(`create function "app_user_count_truncated"() returns trigger language plpgsql as $$
begin
  delete from tenant_user_count;
  return null;
end $$;`);
    // A tenant renamed: its old id is gone, and its counter row moves with it (ON UPDATE CASCADE).
    this.addSql(`create function "app_user_tenant_fixed"() returns trigger language plpgsql as $$
begin
  if exists (select 1 from tenant where id = old.tenant_id) then
    raise exception 'a user cannot move to another tenant (tenant_user_count counts users per tenant)'
      using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end $$;`);
    this.addSql(
      `create trigger "app_user_count_insert" after insert on "app_user" referencing new table as inserted_users for each statement execute function "app_user_count_inserted"();`,
    );
    this.addSql(
      `create trigger "app_user_count_delete" after delete on "app_user" referencing old table as deleted_users for each statement execute function "app_user_count_deleted"();`,
    );
    this.addSql(
      `create trigger "app_user_count_truncate" after truncate on "app_user" for each statement execute function "app_user_count_truncated"();`,
    );
    this.addSql(
      `create trigger "app_user_tenant_fixed" before update of "tenant_id" on "app_user" for each row when (old.tenant_id is distinct from new.tenant_id) execute function "app_user_tenant_fixed"();`,
    );

    // After the triggers: creating them locked app_user against writes until this migration commits,
    // so the count below and the triggers' updates after it add up exactly.
    this.addSql(
      `insert into "tenant_user_count" ("tenant_id", "users") select "tenant_id", count(*) from "app_user" group by "tenant_id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger "app_user_tenant_fixed" on "app_user";`);
    this.addSql(`drop trigger "app_user_count_truncate" on "app_user";`);
    this.addSql(`drop trigger "app_user_count_delete" on "app_user";`);
    this.addSql(`drop trigger "app_user_count_insert" on "app_user";`);
    this.addSql(`drop function "app_user_tenant_fixed"();`);
    this.addSql(`drop function "app_user_count_truncated"();`);
    this.addSql(`drop function "app_user_count_deleted"();`);
    this.addSql(`drop function "app_user_count_inserted"();`);
    this.addSql(`drop table if exists "tenant_user_count" cascade;`);
  }
}
