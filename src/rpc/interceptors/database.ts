// Gives every RPC its own EntityManager fork (identity map and unit of work per request), made on
// first use: RPCs that never touch the ORM (health, JWKS from cache) or run only prepared
// statements (the token path, src/persistence/unit-of-work.ts) do not pay for a fork.
import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { entityManagerKey } from "../context.js";

export function database(orm: MikroORM): Interceptor {
  return (next) => (req) => {
    let em: EntityManager | undefined;
    req.contextValues.set(entityManagerKey, {
      get: () => {
        em ??= orm.em.fork();
        return em;
      },
      peek: () => em,
      root: orm.em,
    });
    return next(req);
  };
}
