// Gives every RPC its own EntityManager fork (identity map and unit of work per request), made on
// first use: RPCs that never touch the ORM (health, JWKS from cache) or run only prepared
// statements (the token path, src/persistence/unit-of-work.ts) do not pay for a fork.
import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { EntityManagerOnDemand } from "../../persistence/unit-of-work.js";
import { entityManagerKey } from "../context.js";

/** One call's fork, made on first use (a class: no closures to allocate per call). */
class ForkOnDemand implements EntityManagerOnDemand {
  private fork: EntityManager | undefined;

  constructor(readonly root: EntityManager) {}

  get(): EntityManager {
    this.fork ??= this.root.fork();
    return this.fork;
  }

  peek(): EntityManager | undefined {
    return this.fork;
  }
}

export function database(orm: MikroORM): Interceptor {
  return (next) => (req) => {
    req.contextValues.set(entityManagerKey, new ForkOnDemand(orm.em));
    return next(req);
  };
}
