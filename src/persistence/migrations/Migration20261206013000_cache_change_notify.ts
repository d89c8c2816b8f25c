import { Migration } from "@mikro-orm/migrations";

// Issue 22: instances keep tenants, their keys and their clients in memory
// (src/persistence/invalidated-cache.ts). Every write to those rows, whoever makes it (another
// instance, a migration, SQL by hand), notifies the listening instances when it commits
// (src/persistence/change-feed.ts): `<table>:<tenant_id>` on the channel svault_changes.
// Postgres folds identical notifications of one transaction into one, so a statement that
// touches many rows of a tenant sends one. A tenant's deletion cascades to its keys and clients,
// whose triggers fire too.
const TABLES = [
  ["tenant", "id"],
  ["tenant_key", "tenant_id"],
  ["client", "tenant_id"],
] as const;

export class Migration20261206013000_cache_change_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function svault_notify_change() returns trigger language plpgsql as $$
      declare
        tenant text;
      begin
        if tg_op = 'DELETE' then
          tenant := to_jsonb(old) ->> tg_argv[0];
        else
          tenant := to_jsonb(new) ->> tg_argv[0];
        end if;
        perform pg_notify('svault_changes', tg_table_name || ':' || tenant);
        return null;
      end $$;`);
    for (const [table, column] of TABLES) {
      this.addSql(`create trigger "${table}_notify_change" after insert or update or delete on "${table}"
        for each row execute function svault_notify_change('${column}');`);
    }
  }

  override async down(): Promise<void> {
    for (const [table] of TABLES) this.addSql(`drop trigger "${table}_notify_change" on "${table}";`);
    this.addSql("drop function svault_notify_change();");
  }
}
