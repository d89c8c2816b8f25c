// `npm run rekey`: after a KEK rotation (new SVAULT_KEK, old one in SVAULT_KEK_PREVIOUS),
// re-seals every stored secret under the current KEK, so that the old KEK can be retired:
// tenant private keys, tenant OPAQUE server setups and users' OPAQUE records. (Login challenges
// live two minutes and need no re-sealing.)
import { loadConfig } from "../config/config.js";
import { loadKeyring } from "../crypto/key-encryption-key.js";
import { needsReseal, reseal } from "../crypto/secret-box.js";
import { createLogger } from "../logging/logger.js";
import { migrate, openDatabase } from "../persistence/database.js";

/** A table of sealed values: its key columns and how each value's associated data is formed. */
interface SealedColumn {
  readonly table: string;
  readonly column: string;
  readonly keys: readonly string[];
  readonly aad: (row: Record<string, string>) => string;
}

const SEALED: readonly SealedColumn[] = [
  { table: "tenant_key", column: "private_key_sealed", keys: ["id"], aad: (row) => `tenant-key:${row.id}` },
  { table: "opaque_setup", column: "setup_sealed", keys: ["tenant_id"], aad: (row) => `opaque-setup:${row.tenant_id}` },
  {
    table: "user_credential",
    column: "record_sealed",
    keys: ["user_id", "tenant_id"],
    aad: (row) => `opaque-record:${row.tenant_id}:${row.user_id}`,
  },
];

const config = loadConfig();
const logger = createLogger(config.logLevel);
const keyring = loadKeyring(config.kek, config.previousKeks, config.dataDir, logger);
const database = await openDatabase(config, logger);
try {
  await migrate(database.orm, logger);
  const connection = database.orm.em.getConnection();
  const counts: Record<string, { resealed: number; total: number }> = {};
  // Deliberately across tenants: every sealed value of the installation.
  for (const sealed of SEALED) {
    const rows = (await connection.execute(`select ${[...sealed.keys, sealed.column].join(", ")} from ${sealed.table}`)) as Record<
      string,
      string & Buffer
    >[];
    let resealed = 0;
    for (const row of rows) {
      const value = row[sealed.column] as Buffer;
      if (!needsReseal(keyring, value)) continue;
      const where = sealed.keys.map((key) => `${key} = ?`).join(" and ");
      await connection.execute(
        `update ${sealed.table} set ${sealed.column} = ? where ${where}`,
        [reseal(keyring, value, sealed.aad(row)), ...sealed.keys.map((key) => row[key])],
        "run",
      );
      resealed++;
    }
    counts[sealed.table] = { resealed, total: rows.length };
  }
  const resealed = Object.values(counts).reduce((sum, c) => sum + c.resealed, 0);
  logger.info({ resealed, tables: counts, kekId: keyring.current.id }, "re-sealed secrets under the current KEK");
} finally {
  await database.close();
}
