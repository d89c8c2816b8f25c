// Per-request values every handler may read, whatever protocol carried the call.
import { type ContextKey, createContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Principal } from "../domain/auth/permissions.js";
import type { Logger } from "../logging/logger.js";
import { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import { type EntityManagerOnDemand, UnitOfWork } from "../persistence/unit-of-work.js";

export const requestIdKey = createContextKey<string>("", { description: "request id" });
export const clientAddressKey = createContextKey<string>("", { description: "client IP address" });
/** Set on calls made through the REST gateway (src/transcoding), which writes its own answers. */
export const restCallKey = createContextKey<boolean>(false, { description: "call made through the REST gateway" });
export const loggerKey = createContextKey<Logger | undefined>(undefined, { description: "request logger" });
/** Forks the request's EntityManager the first time a handler asks for it. */
export type LazyEntityManager = EntityManagerOnDemand;

export const entityManagerKey = createContextKey<LazyEntityManager | undefined>(undefined, {
  description: "EntityManager fork of this request",
});

export interface RequestInfo {
  readonly requestId: string;
  readonly clientAddress: string;
  readonly logger: Logger;
}

/**
 * A call's values as Connect's `createContextValues` keeps them (each under its key's symbol on the
 * object itself), with the three methods on a prototype instead of three new closures per call.
 */
class CallValues implements ContextValues {
  constructor(requestId: string, clientAddress: string, logger: Logger) {
    this.set(requestIdKey, requestId).set(clientAddressKey, clientAddress).set(loggerKey, logger);
  }

  get<T>(key: ContextKey<T>): T {
    return key.id in this ? ((this as unknown as Record<symbol, T>)[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Record<symbol, T>)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Record<symbol, unknown>)[key.id];
    return this;
  }
}

export function requestContextValues(info: RequestInfo): ContextValues {
  return new CallValues(info.requestId, info.clientAddress, info.logger);
}

/** The request's EntityManager; the database interceptor guarantees it for every RPC. */
export function entityManager(ctx: HandlerContext): EntityManager {
  const em = ctx.values.get(entityManagerKey);
  if (!em) throw new Error("no EntityManager in context: is the database interceptor installed?");
  return em.get();
}

/** The repositories of `tenantId` on the request's unit of work (docs/architecture.md, "The data path"). */
export function repositories(ctx: HandlerContext, tenantId: string): TenantRepositories {
  return new TenantRepositories(unitOfWork(ctx), tenantId);
}

/**
 * The request's unit of work, for a use case that learns its tenant on the way (a token names it).
 * It forks the request's EntityManager only when its work needs one (unit-of-work.ts).
 */
export function unitOfWork(ctx: HandlerContext): UnitOfWork {
  const em = ctx.values.get(entityManagerKey);
  if (!em) throw new Error("no EntityManager in context: is the database interceptor installed?");
  return new UnitOfWork(em);
}

/** The request's logger (it names the request id); every protocol's adapter sets it. */
export function requestLogger(ctx: HandlerContext): Logger {
  const logger = ctx.values.get(loggerKey);
  if (!logger) throw new Error("no logger in context: was the request made through requestContextValues?");
  return logger;
}

export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "authenticated caller" });

/** The authenticated caller; the authorization interceptor guarantees it for non-public RPCs. */
export function principal(ctx: HandlerContext): Principal {
  const found = ctx.values.get(principalKey);
  if (!found) throw new Error("no principal in context: is the RPC missing its permission option?");
  return found;
}
