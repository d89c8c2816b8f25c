// Starts a complete server from a configuration: KEK, database (migrated, bootstrapped), services,
// listeners. Used by main.ts and by the tests, so that both run the same assembly.
import { type App, type AppDeps, buildApp } from "./app.js";
import type { Config } from "./config/config.js";
import { loadKeyring } from "./crypto/key-encryption-key.js";
import { docsRoutes } from "./docs/docs-routes.js";
import { hostedPages } from "./ui/hosted-pages.js";
import { loadUiAssets, uiAssetRoutes } from "./ui/ui-assets.js";
import { Authenticator } from "./domain/auth/authenticator.js";
import { bootstrap } from "./domain/bootstrap.js";
import { startHousekeeping } from "./domain/housekeeping.js";
import { accessTokenPrincipals } from "./domain/oidc/access-token-check.js";
import { AuthEventRecorder } from "./domain/login/auth-events.js";
import { TenantKeyStore } from "./domain/tenants/tenant-key-store.js";
import { accountMail } from "./mail/account-mail.js";
import { createMailer } from "./mail/create-mailer.js";
import type { Logger } from "./logging/logger.js";
import { type Database, migrate, openDatabase } from "./persistence/database.js";
import type { ServiceRegistration } from "./rpc/registry.js";
import { createOidcComponents, createServices, type ServiceDeps } from "./services.js";

export interface ServerOptions {
  /** Services in place of the production ones (tests register test-only services). */
  readonly registrations?: (deps: ServiceDeps) => ServiceRegistration[];
  /** Where a generated bootstrap API key is shown (stdout by default). */
  readonly announce?: (text: string) => void;
  /** Extra HTTP routes beside the RPC surfaces (benchmarks add a bare comparison route). */
  readonly plugins?: AppDeps["plugins"];
}

export interface RunningServer {
  readonly app: App;
  readonly database: Database;
  readonly keys: TenantKeyStore;
  readonly events: AuthEventRecorder;
  readonly port: number;
  readonly grpcPort: number;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
  const database = await openDatabase(config, logger);
  try {
    await migrate(database.orm, logger);
    const keys = new TenantKeyStore(keyring, {
      publishLeadMs: config.keyPublishLeadSeconds * 1000,
      graceMs: config.keyGraceSeconds * 1000,
    });
    await bootstrap(database.orm, {
      defaultTenant: config.defaultTenant,
      bootstrapApiKey: config.bootstrapApiKey,
      keys,
      logger,
      ...(options.announce ? { announce: options.announce } : {}),
    });
    const events = new AuthEventRecorder(database.sql, logger);
    const mail = accountMail(createMailer(config, logger), config.publicUrl, logger);
    const oidc = createOidcComponents(config, keys);
    const deps: ServiceDeps = { config, database, keys, keyring, events, mail, logger, oidc };
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
        database.orm,
        logger,
        accessTokenPrincipals(() => database.orm.em.fork(), oidc.tokens),
      ),
      registrations: (options.registrations ?? createServices)(deps),
      plugins: [docsRoutes(config), uiAssetRoutes(uiAssets), hostedPages(pageDeps), ...(options.plugins ?? [])],
    });
    const { port, grpcPort } = await app.listen();
    const stopHousekeeping = startHousekeeping(database.orm, logger);
    const close = async () => {
      stopHousekeeping();
      await app.close();
      await events.flush();
      await database.close();
    };
    return { app, database, keys, events, port, grpcPort, close };
  } catch (error) {
    await database.close();
    throw error;
  }
}
