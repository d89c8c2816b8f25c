// Gives every RPC its own EntityManager fork (identity map and unit of work per request).
import type { Interceptor } from "@connectrpc/connect";
import type { MikroORM } from "@mikro-orm/postgresql";
import { entityManagerKey } from "../context.js";

export function database(orm: MikroORM): Interceptor {
  return (next) => (req) => {
    req.contextValues.set(entityManagerKey, orm.em.fork());
    return next(req);
  };
}
