// `npm run rekey`: after a KEK rotation (new SVAULT_KEK, old one in SVAULT_KEK_PREVIOUS),
// re-seals every stored secret under the current KEK, so that the old KEK can be retired:
// tenant private keys, tenant OPAQUE server setups and users' OPAQUE records. (Login challenges
// live two minutes and need no re-sealing.)
import { loadConfig } from "../config/config.js";
import { loadKeyring } from "../crypto/key-encryption-key.js";
import { needsReseal, reseal } from "../crypto/secret-box.js";
import { createLogger } from "../logging/logger.js";
import { migrate, openDatabase } from "../persistence/database.js";
import { SEALED_TABLES, sealedValues } from "../persistence/sealed-values.js";
import { UnitOfWork } from "../persistence/unit-of-work.js";

const config = loadConfig();
const logger = createLogger(config.logLevel, undefined, config.logFormat);
const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
const database = await openDatabase(config, logger);
try {
  await migrate(database.orm, logger);
  const uow = new UnitOfWork(database.orm.em.fork());
  const counts: Record<string, { resealed: number; total: number }> = {};
  // Deliberately across tenants: every sealed value of the installation.
  for (const table of SEALED_TABLES) {
    const values = await sealedValues(uow, table);
    let resealed = 0;
    for (const sealed of values) {
      if (!needsReseal(keyring, sealed.value)) continue;
      await sealed.replace(reseal(keyring, sealed.value, sealed.aad));
      resealed++;
    }
    counts[table] = { resealed, total: values.length };
  }
  const resealed = Object.values(counts).reduce((sum, c) => sum + c.resealed, 0);
  logger.info({ resealed, tables: counts, kekId: keyring.current.id }, "re-sealed secrets under the current KEK");
} finally {
  await database.close();
}
