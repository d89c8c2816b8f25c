// The key-encryption key (KEK) that protects secrets at rest (private keys, OPAQUE server
// setups). It never lives in the database: it comes from SVAULT_KEK, or — for development only —
// from a file generated under DATA_DIR. Losing it makes every encrypted secret unrecoverable.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../logging/logger.js";

export interface KeyEncryptionKey {
  readonly key: Buffer;
  /** A short, non-secret fingerprint that identifies the key in records and logs. */
  readonly id: string;
}

export function keyEncryptionKeyOf(key: Buffer): KeyEncryptionKey {
  if (key.length !== 32) throw new Error("the key-encryption key must be 32 bytes");
  return { key, id: createHash("sha256").update(key).digest("base64url").slice(0, 8) };
}

export function loadKeyEncryptionKey(configured: string | undefined, dataDir: string, logger: Logger): KeyEncryptionKey {
  if (configured) return keyEncryptionKeyOf(Buffer.from(configured, "base64"));
  const file = join(dataDir, "dev-kek");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  }
  const kek = keyEncryptionKeyOf(Buffer.from(readFileSync(file, "utf8").trim(), "base64"));
  logger.warn(
    { file, kekId: kek.id },
    "SVAULT_KEK is not set: using a DEVELOPMENT key-encryption key stored next to the data. " +
      "Anyone who can read DATA_DIR can decrypt every secret. Set SVAULT_KEK in production.",
  );
  return kek;
}

/**
 * The KEKs a process holds: `current` seals every new secret; `previous` (older KEKs still being
 * rotated out) only open secrets sealed before the rotation, picked by the KEK id recorded in each
 * sealed value. Rotation: set the new KEK as SVAULT_KEK, move the old one to the previous list,
 * re-seal every secret that `needsReseal` reports (see secret-box.ts), then drop the old KEK.
 */
export interface Keyring {
  readonly current: KeyEncryptionKey;
  readonly previous: readonly KeyEncryptionKey[];
}

/** Builds a keyring; a previous KEK equal to the current one (or listed twice) is ignored. */
export function keyringOf(current: KeyEncryptionKey, previous: readonly KeyEncryptionKey[] = []): Keyring {
  const byId = new Map<string, KeyEncryptionKey>([[current.id, current]]);
  for (const kek of previous) {
    const known = byId.get(kek.id);
    if (known === undefined) byId.set(kek.id, kek);
    else if (!known.key.equals(kek.key)) throw new Error(`two different key-encryption keys share the id ${kek.id}`);
  }
  byId.delete(current.id);
  return Object.freeze({ current, previous: Object.freeze([...byId.values()]) });
}

/**
 * The keyring from configuration: the current KEK as `loadKeyEncryptionKey` finds it, plus the
 * previous KEKs (each base64 of 32 bytes) that are only used to open older secrets.
 */
export function loadKeyring(configured: string | undefined, previous: readonly string[], dataDir: string, logger: Logger): Keyring {
  const current = loadKeyEncryptionKey(configured, dataDir, logger);
  return keyringOf(
    current,
    previous.map((encoded) => keyEncryptionKeyOf(Buffer.from(encoded, "base64"))),
  );
}
