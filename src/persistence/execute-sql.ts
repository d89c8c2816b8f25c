// A plain SQL statement on an EntityManager's connection, inside its transaction when it has one.
// MikroORM's Connection.execute joins a transaction only when it is handed the context
// explicitly; without it the statement runs on another pooled connection, outside the
// transaction — committed even if the transaction rolls back, and waiting for ever on the
// embedded database, whose pool has a single connection.
import type { EntityManager } from "@mikro-orm/postgresql";

type Connection = ReturnType<EntityManager["getConnection"]>;

export function executeSql(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
  method: "all" | "get" | "run" = "all",
): ReturnType<Connection["execute"]> {
  return em.getConnection().execute(sql, [...params], method, em.getTransactionContext());
}
