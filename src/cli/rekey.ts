// `npm run rekey`: after a KEK rotation (new SVAULT_KEK, old one in SVAULT_KEK_PREVIOUS),
// re-seals every stored secret under the current KEK, so that the old KEK can be retired.
import { loadConfig } from "../config/config.js";
import { loadKeyring } from "../crypto/key-encryption-key.js";
import { needsReseal, reseal } from "../crypto/secret-box.js";
import { createLogger } from "../logging/logger.js";
import { migrate, openDatabase } from "../persistence/database.js";
import { TenantKeyEntity } from "../persistence/entities/tenant-key.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
const database = await openDatabase(config, logger);
try {
  await migrate(database.orm, logger);
  const em = database.orm.em.fork();
  // Every tenant's keys, deliberately across tenants.
  const keys = await em.find(TenantKeyEntity, {}, { filters: { tenant: false } });
  let resealed = 0;
  for (const key of keys) {
    if (!needsReseal(keyring, key.privateKeySealed)) continue;
    key.privateKeySealed = reseal(keyring, key.privateKeySealed, `tenant-key:${key.id}`);
    resealed++;
  }
  await em.flush();
  logger.info({ resealed, total: keys.length, kekId: keyring.current.id }, "re-sealed secrets under the current KEK");
} finally {
  await database.close();
}
