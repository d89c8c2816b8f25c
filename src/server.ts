// Starts a complete server from a configuration: KEK, database (migrated, bootstrapped), services,
// listeners. Used by main.ts and by the tests, so that both run the same assembly.
import { type App, type AppDeps, buildApp } from "./app.js";
import type { Config } from "./config/config.js";
import { loadKeyring } from "./crypto/key-encryption-key.js";
import { faceAssetRoutes } from "./biometrics/face-assets.js";
import { LazyFaceVerifier } from "./biometrics/lazy-face-verifier.js";
import type { LivenessVerifier } from "./domain/face/face-step.js";
import { docsRoutes } from "./docs/docs-routes.js";
import { hostedPages } from "./ui/hosted-pages.js";
import { accountRoutes } from "./ui/account/account-routes.js";
import { Authorization } from "./domain/oidc/authorization.js";
import { PasskeyRegistration } from "./domain/passkeys/passkey-registration.js";
import { loadUiAssets, uiAssetRoutes } from "./ui/ui-assets.js";
import { Authenticator } from "./domain/auth/authenticator.js";
import { bootstrap } from "./domain/bootstrap.js";
import { mfaAssetRoutes } from "./ui/mfa/mfa-asset-routes.js";
import { startHousekeeping } from "./domain/housekeeping.js";
import { accessTokenPrincipals } from "./domain/oidc/access-token-check.js";
import { AuthEventRecorder } from "./domain/login/auth-events.js";
import { RateLimiter } from "./domain/ratelimit/rate-limiter.js";
import { TenantKeyStore } from "./domain/tenants/tenant-key-store.js";
import { accountMail } from "./mail/account-mail.js";
import { createMailer } from "./mail/create-mailer.js";
import { mailLocaleOf } from "./mail/mail-locale.js";
import type { Logger } from "./logging/logger.js";
import { type Database, migrate, openDatabase } from "./persistence/database.js";
import { deleteExpiredRows } from "./persistence/expired-rows.js";
import { RateLimitCounters } from "./persistence/rate-limit-counters.js";
import { ApiKeyLookup } from "./persistence/repositories/api-key-lookup.js";
import { AuthEventLog } from "./persistence/repositories/auth-event-log.js";
import { TenantRepositories } from "./persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "./persistence/unit-of-work.js";
import type { ServiceRegistration } from "./rpc/registry.js";
import { clientOriginsOf, createOidcComponents, createServices, relyingPartyOf, type ServiceDeps } from "./services.js";
import { healthRoutes } from "./operations/health-routes.js";
import { keysOpen, Readiness } from "./operations/readiness.js";
import { holdingStartupLock } from "./persistence/startup-lock.js";
import { exposedCollection, startIdleCollector } from "./operations/idle-collector.js";
import { ServiceMetrics } from "./operations/metrics.js";
import { BackgroundWork } from "./operations/background-work.js";
import { type MetricsListener, metricsRoute, startMetricsListener } from "./operations/metrics-routes.js";

export interface ServerOptions {
  /** Services in place of the production ones (tests register test-only services). */
  readonly registrations?: (deps: ServiceDeps) => ServiceRegistration[];
  /** Where a generated bootstrap API key is shown (stdout by default). */
  readonly announce?: (text: string) => void;
  /** Extra HTTP routes beside the RPC surfaces (benchmarks add a bare comparison route). */
  readonly plugins?: AppDeps["plugins"];
  /** The time rate limits and tenant key schedules go by (Date.now by default; tests move it on instead of waiting). */
  readonly clock?: () => number;
  /** The face step's verifier (tests share one started pool); by default a pool started on the first face check. */
  readonly faceVerifier?: LivenessVerifier;
}

export interface RunningServer {
  readonly app: App;
  readonly database: Database;
  readonly keys: TenantKeyStore;
  readonly events: AuthEventRecorder;
  readonly readiness: Readiness;
  readonly metrics: ServiceMetrics;
  readonly port: number;
  /** The port of /metrics' own listener (METRICS_PORT), if any. */
  readonly metricsPort: number | undefined;
  readonly grpcPort: number;
  /**
   * Work requests started and did not wait for (account e-mails, back-channel logouts, API key
   * use): the shutdown waits for it, and a test awaits `settled()` instead of waiting for time to pass.
   */
  readonly background: BackgroundWork;
  /** Fails readiness at once, waits SHUTDOWN_DRAIN_MS for load balancers to notice, then stops. */
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
  const database = await openDatabase(config, logger);
  try {
    const detachedUnitOfWork = () => new UnitOfWork(database.orm.em.fork());
    const keys = new TenantKeyStore(
      (tenantId) => new TenantRepositories(detachedUnitOfWork(), tenantId).tenantKeys,
      keyring,
      { publishLeadMs: config.keyPublishLeadSeconds * 1000, graceMs: config.keyGraceSeconds * 1000 },
      database.changes,
      options.clock ? () => new Date((options.clock as () => number)()) : undefined,
    );
    const prepare = async () => {
      await migrate(database.orm, logger);
      await bootstrap(detachedUnitOfWork(), {
        defaultTenant: config.defaultTenant,
        bootstrapApiKey: config.bootstrapApiKey,
        keys,
        logger,
        ...(options.announce ? { announce: options.announce } : {}),
      });
    };
    // Instances started together take turns (startup-lock.ts); the embedded database has one
    // process, and one connection, which the lock's own connection would wait for.
    if (config.databaseConnection) await holdingStartupLock(config.databaseConnection, config.databaseConnectTimeoutMs, prepare);
    else await prepare();
    const readiness = new Readiness({
      orm: database.orm,
      ping: () => database.ping(),
      keysOpen: await keysOpen(keys, config.defaultTenant, logger),
    });
    const metrics = new ServiceMetrics(database, options.clock);
    const events = new AuthEventRecorder(new AuthEventLog(database.sql), logger, (event) => metrics.recordAuthEvent(event));
    const background = new BackgroundWork();
    const mail = accountMail(
      createMailer(config, logger),
      config.publicUrl,
      logger,
      mailLocaleOf((tenantId) => new TenantRepositories(detachedUnitOfWork(), tenantId)),
      (work) => background.track(work),
    );
    const oidc = createOidcComponents(config, keys, keyring, options.clock);
    const limits = new RateLimiter(new RateLimitCounters(database.sql), config.rateLimits, options.clock);
    const ownFaceVerifier = options.faceVerifier ? undefined : new LazyFaceVerifier();
    const clientOrigins = clientOriginsOf(database);
    const deps: ServiceDeps = {
      clientOrigins,
      faceVerifier: options.faceVerifier ?? (ownFaceVerifier as LazyFaceVerifier),
      config,
      database,
      keys,
      keyring,
      events,
      mail,
      logger,
      oidc,
      limits,
      readiness,
      background,
      ...(options.clock ? { clock: options.clock } : {}),
    };
    const uiAssets = loadUiAssets();
    if (!uiAssets) logger.warn("the hosted login pages are not built: run npm run build:ui");
    const pageDeps = {
      database,
      assets: uiAssets,
      defaultTenant: config.defaultTenant,
      issuerOf: (tenantId: string) => oidc.issuers.of(tenantId).issuer,
    };
    const app = await buildApp({
      config,
      logger,
      database,
      authenticator: new Authenticator(
        new ApiKeyLookup(database.sql),
        logger,
        limits,
        accessTokenPrincipals(detachedUnitOfWork, oidc.tokens, { proofs: oidc.dpop, publicUrl: config.publicUrl }),
        (work) => background.track(work),
      ),
      registrations: (options.registrations ?? createServices)(deps),
      clientOrigins,
      metrics,
      plugins: [
        healthRoutes(readiness),
        // With METRICS_PORT, /metrics is served there only (metrics-routes.ts).
        ...(config.metricsToken !== undefined && config.metricsPort === undefined ? [metricsRoute(metrics, config.metricsToken)] : []),
        docsRoutes(config),
        uiAssetRoutes(uiAssets),
        faceAssetRoutes(),
        mfaAssetRoutes(),
        hostedPages(pageDeps),
        accountRoutes({
          ...pageDeps,
          publicUrl: config.publicUrl,
          registration: new PasskeyRegistration(relyingPartyOf(config, clientOrigins)),
          authorization: new Authorization({ issuers: oidc.issuers, ...(options.clock ? { clock: options.clock } : {}) }),
          clock: options.clock ?? Date.now,
        }),
        ...(options.plugins ?? []),
      ],
    });
    const { port, grpcPort } = await app.listen();
    const metricsListener: MetricsListener | undefined =
      config.metricsPort === undefined
        ? undefined
        : await startMetricsListener(metrics, config.host, config.metricsPort, config.metricsToken);
    const stopHousekeeping = startHousekeeping(() => deleteExpiredRows(detachedUnitOfWork()), logger);
    const collect = exposedCollection();
    const stopIdleCollector = collect ? startIdleCollector({ served: () => metrics.requestsServed(), collect }) : () => {};
    const close = async () => {
      readiness.startShutdown();
      if (config.shutdownDrainMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
      stopHousekeeping();
      stopIdleCollector();
      await app.close();
      await metricsListener?.close();
      // Back-channel logouts, e-mails and API key uses the answered requests started still need the database.
      await background.settled();
      await events.flush();
      await ownFaceVerifier?.close();
      await database.close();
    };
    return { app, database, keys, events, readiness, metrics, port, grpcPort, metricsPort: metricsListener?.port, background, close };
  } catch (error) {
    await database.close();
    throw error;
  }
}
