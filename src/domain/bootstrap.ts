// First start on an empty database: the default tenant (with its keys), a super-admin user and an
// API key for it, so that an operator can call the admin API at once. The key comes from
// SVAULT_BOOTSTRAP_API_KEY, or is generated and printed once on stdout — not through the logger,
// which must never carry secrets.
import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "../logging/logger.js";
import { ApiKeyEntity } from "../persistence/entities/api-key.js";
import { TenantEntity } from "../persistence/entities/tenant.js";
import { UserEntity } from "../persistence/entities/user.js";
import { scopeToTenant } from "../persistence/tenant-scope.js";
import { hashSecret } from "../crypto/secret-hash.js";
import { issueApiKey, parseApiKey } from "./auth/api-key-secret.js";
import { SCOPES } from "./auth/permissions.js";
import type { TenantKeyStore } from "./tenants/tenant-key-store.js";
import { createTenant } from "./tenants/tenant-admin.js";
import { normalizeUsername } from "./users/identity-normalization.js";

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
export async function bootstrap(orm: MikroORM, options: BootstrapOptions): Promise<boolean> {
  const em = orm.em.fork();
  if ((await em.count(TenantEntity, {})) > 0) return false;
  const { defaultTenant } = options;
  const given = options.bootstrapApiKey ? parseApiKey(options.bootstrapApiKey) : undefined;
  const issued = given ? { id: given.id, key: options.bootstrapApiKey as string, secretHash: hashSecret(given.secret) } : issueApiKey();
  // One transaction: a crash half-way must not leave a tenant without its administrator.
  await em.transactional(async (tx) => {
    await createTenant(tx, options.keys, defaultTenant, { loginOrder: [], displayName: "Default" });
    const scoped = scopeToTenant(tx, defaultTenant);
    const userId = randomUUID();
    scoped.create(UserEntity, {
      id: userId,
      tenant: defaultTenant,
      username: BOOTSTRAP_ADMIN,
      usernameNormalized: normalizeUsername(BOOTSTRAP_ADMIN),
      email: null,
      emailNormalized: null,
      isVerified: true,
      roles: ["super_admin"],
      externalId: null,
    });
    scoped.create(ApiKeyEntity, {
      id: issued.id,
      tenant: defaultTenant,
      user: userId,
      name: "bootstrap",
      scopes: [...SCOPES],
      secretHash: issued.secretHash,
    });
    await scoped.flush();
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
