// First start on an empty database: the default tenant (with its keys), a super-admin user and an
// API key for it, so that an operator can call the admin API at once. The key comes from
// SVAULT_BOOTSTRAP_API_KEY, or is generated and printed once on stdout — not through the logger,
// which must never carry secrets.
import { randomUUID } from "node:crypto";
import { hashSecret } from "../crypto/secret-hash.js";
import type { Logger } from "../logging/logger.js";
import { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import { TenantDirectory } from "../persistence/repositories/tenant-row-repository.js";
import type { UnitOfWork } from "../persistence/unit-of-work.js";
import { issueApiKey, parseApiKey } from "./auth/api-key-secret.js";
import { SCOPES } from "./auth/permissions.js";
import type { TenantKeyStore } from "./tenants/tenant-key-store.js";
import { createTenant } from "./tenants/tenant-admin.js";
import { normalizeUsername } from "../sdk/identity-normalization.js";

export interface BootstrapOptions {
  readonly defaultTenant: string;
  readonly bootstrapApiKey: string | undefined;
  readonly keys: TenantKeyStore;
  readonly logger: Logger;
  /** Where a generated key is shown; stdout by default. */
  readonly announce?: (text: string) => void;
}

export const BOOTSTRAP_ADMIN = "admin";

/** Returns true when it initialised the database, false when there was nothing to do. */
export async function bootstrap(uow: UnitOfWork, options: BootstrapOptions): Promise<boolean> {
  if (!(await new TenantDirectory(uow).isEmpty())) return false;
  const { defaultTenant } = options;
  const given = options.bootstrapApiKey ? parseApiKey(options.bootstrapApiKey) : undefined;
  const issued = given ? { id: given.id, key: options.bootstrapApiKey as string, secretHash: hashSecret(given.secret) } : issueApiKey();
  // One transaction: a crash half-way must not leave a tenant without its administrator.
  await uow.transactional(async (tx) => {
    await createTenant(tx, options.keys, defaultTenant, { loginOrder: [], displayName: "Default" });
    const repos = new TenantRepositories(tx, defaultTenant);
    const user = await repos.users.insert({
      id: randomUUID(),
      username: BOOTSTRAP_ADMIN,
      usernameNormalized: normalizeUsername(BOOTSTRAP_ADMIN),
      email: null,
      emailNormalized: null,
      isDisabled: false,
      isVerified: true,
      locale: "",
      roles: ["super_admin"],
      externalId: null,
    });
    await repos.apiKeys.create({ id: issued.id, userId: user.id, name: "bootstrap", scopes: [...SCOPES], secretHash: issued.secretHash });
  });

  options.logger.info({ tenant: defaultTenant, user: BOOTSTRAP_ADMIN, keyId: issued.id }, "bootstrapped an empty database");
  if (!given) {
    const announce = options.announce ?? ((text: string) => process.stdout.write(text));
    announce(
      `\n  Super-admin API key for tenant "${defaultTenant}" (shown once, store it now):\n\n    ${issued.key}\n\n` +
        "  Send it as `X-API-Key: <key>`. Set SVAULT_BOOTSTRAP_API_KEY to choose it yourself.\n\n",
    );
  }
  return true;
}
