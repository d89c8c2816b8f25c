// Readiness, as distinct from liveness: whether this instance should receive traffic now.
//   liveness  (/health/live): the process runs its event loop. A failing liveness probe restarts
//             the process, which cures nothing when the database is down, so it checks nothing else.
//   readiness (/health/ready, grpc.health.v1.Health): the database answers, it carries every
//             migration this version needs, the KEK opens the tenants' private keys, and the
//             instance is not shutting down. A load balancer sends nothing to an instance that is
//             not ready; on SIGTERM readiness fails at once, without a round trip, so that the
//             balancer drains the instance while it still finishes what it was sent.
// `/health` (the reference API's) keeps its own meaning: the database answers.
import type { MikroORM } from "@mikro-orm/postgresql";
import { DomainError } from "../errors/domain-error.js";
import type { Logger } from "../logging/logger.js";
import { missingMigrations } from "../persistence/migration-state.js";
import type { TenantKeyStore } from "../domain/tenants/tenant-key-store.js";

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: {
    readonly shutting_down: boolean;
    readonly database?: boolean;
    readonly migrations?: boolean;
    readonly keys?: boolean;
  };
}

export interface ReadinessDeps {
  readonly orm: MikroORM;
  readonly ping: () => Promise<boolean>;
  /** Whether the KEK opened a tenant's private key at start (`keysOpen`). */
  readonly keysOpen: boolean;
}

export class Readiness {
  private shuttingDown = false;

  constructor(private readonly deps: ReadinessDeps) {}

  /** From now on every check fails at once: the instance is draining. */
  startShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async check(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { ready: false, checks: { shutting_down: true } };
    const database = await this.deps.ping();
    const migrations =
      database &&
      (await missingMigrations(this.deps.orm).then(
        (missing) => missing.length === 0,
        () => false,
      ));
    const keys = this.deps.keysOpen;
    return { ready: database && migrations && keys, checks: { shutting_down: false, database, migrations, keys } };
  }
}

/**
 * Whether the configured KEK opens the private key of the default tenant (a wrong SVAULT_KEK,
 * one dropped from SVAULT_KEK_PREVIOUS too early, would fail every token). Without that tenant,
 * or without its key, there is nothing to open: true.
 */
export async function keysOpen(keys: TenantKeyStore, tenantId: string, logger: Logger): Promise<boolean> {
  try {
    await keys.currentKey(tenantId, "EdDSA");
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.reason === "NO_ACTIVE_KEY") return true;
    logger.error(
      { err: error, tenantId },
      "the KEK does not open the tenant's private key: not ready (check SVAULT_KEK and SVAULT_KEK_PREVIOUS)",
    );
    return false;
  }
}
