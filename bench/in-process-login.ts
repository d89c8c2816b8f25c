// The service's login without its transport — OpaqueLogin over the login store, the tenant's OPAQUE
// setups and the audit recorder, wired from the configuration as the server wires them — for the
// benchmarks that call the Get Challenge and Authenticate steps directly: bench/auth-login-core.ts
// (this checkout) and bench/login-instructions.ts (another checkout under comparison). The modules
// are imported from `checkoutDir`'s files, so a baseline worktree needs no copy of this one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { OpaqueLogin } from "../src/domain/login/opaque-login.js";

export interface InProcessLoginOptions {
  readonly databaseUrl: string;
  /** The server's SVAULT_KEK (base64). */
  readonly kek: string;
  readonly publicUrl: string;
}

export interface InProcessLogin {
  readonly login: OpaqueLogin;
  readonly issuerOf: (tenantId: string) => string;
  readonly defaultTenant: string;
  close(): Promise<void>;
}

export async function openInProcessLogin(checkoutDir: string, options: InProcessLoginOptions): Promise<InProcessLogin> {
  const from = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(checkoutDir, path)).href)) as T;
  const { loadConfig } = await from<typeof import("../src/config/config.js")>("src/config/config.ts");
  const { loadKeyring } = await from<typeof import("../src/crypto/key-encryption-key.js")>("src/crypto/key-encryption-key.ts");
  const { AuthEventRecorder } = await from<typeof import("../src/domain/login/auth-events.js")>("src/domain/login/auth-events.ts");
  const { OpaqueLogin } = await from<typeof import("../src/domain/login/opaque-login.js")>("src/domain/login/opaque-login.ts");
  const { OpaqueSetups } = await from<typeof import("../src/domain/login/opaque-setups.js")>("src/domain/login/opaque-setups.ts");
  const { createLogger } = await from<typeof import("../src/logging/logger.js")>("src/logging/logger.ts");
  const { openDatabase } = await from<typeof import("../src/persistence/database.js")>("src/persistence/database.ts");
  const { AuthEventLog } = await from<typeof import("../src/persistence/repositories/auth-event-log.js")>(
    "src/persistence/repositories/auth-event-log.ts",
  );
  const { LoginStore } = await from<typeof import("../src/persistence/repositories/login-repository.js")>(
    "src/persistence/repositories/login-repository.ts",
  );
  const { TenantRepositories } = await from<typeof import("../src/persistence/repositories/tenant-repositories.js")>(
    "src/persistence/repositories/tenant-repositories.ts",
  );
  const { UnitOfWork } = await from<typeof import("../src/persistence/unit-of-work.js")>("src/persistence/unit-of-work.ts");

  const dataDir = mkdtempSync(join(tmpdir(), "svault-in-process-login-"));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    SVAULT_KEK: options.kek,
    PUBLIC_URL: options.publicUrl,
    LOG_LEVEL: "warn",
    SVAULT_ENV: "bench",
  });
  const logger = createLogger(config.logLevel, process.stderr);
  const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
  const database = await openDatabase(config, logger);
  const events = new AuthEventRecorder(new AuthEventLog(database.sql), logger);
  const issuerOf = (tenantId: string) => `${config.publicUrl}/${tenantId}`;
  const setups = new OpaqueSetups(
    keyring,
    (tenantId) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId).credentials,
  );
  const login = new OpaqueLogin({ logins: new LoginStore(database.sql), keyring, setups, events, issuerOf });
  return {
    login,
    issuerOf,
    defaultTenant: config.defaultTenant,
    async close() {
      await events.flush();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
