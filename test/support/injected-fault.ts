// A real failure of the real database, for tests of all-or-nothing writes: a trigger that makes
// every write of one kind to one table raise an error, until it is removed. A flow that commits
// in several steps is caught half done; one that writes in a single transaction or statement
// leaves nothing behind.
import pg from "pg";

export interface InjectedFault {
  /** Drops the trigger: the table accepts writes again. */
  remove(): Promise<void>;
}

async function run(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** From now on every `operation` on `table` fails (SQLSTATE P0001, "injected fault"). */
export async function failWrites(databaseUrl: string, table: string, operation: "insert" | "update" | "delete"): Promise<InjectedFault> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  const name = `injected_fault_${operation}_${table}`;
  await run(
    databaseUrl,
    `create or replace function injected_fault() returns trigger language plpgsql as $$
       begin raise exception 'injected fault: % on %', tg_op, tg_table_name; end $$;
     create trigger ${name} before ${operation} on ${table} for each row execute function injected_fault();`,
  );
  return { remove: () => run(databaseUrl, `drop trigger ${name} on ${table}`) };
}
