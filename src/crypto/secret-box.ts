// Envelope encryption of secrets at rest (tenant private keys, OPAQUE server setups) under the
// key-encryption key: AES-256-GCM with a fresh random 96-bit IV per seal.
//
// A sealed value is self-describing, so it can be opened after a KEK rotation and its format can
// evolve:
//
//   version (1 byte = 1) | KEK id length n (1 byte) | KEK id (n bytes, ASCII) | IV (12) | tag (16) | ciphertext
//
// The associated data is REQUIRED and names the record the secret belongs to (e.g.
// `tenant-key:<kid>`), so a ciphertext copied into another row fails to open instead of yielding
// that row's neighbour's secret. The header (version and KEK id) is authenticated too.
// Opening never returns unauthenticated bytes: any failure is a `SecretBoxError`.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { fillRandom } from "./random-token.js";
import type { KeyEncryptionKey, Keyring } from "./key-encryption-key.js";

const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const CIPHER = "aes-256-gcm";

export type SecretBoxErrorReason =
  /** Too short or structurally invalid: not something `seal` produced. */
  | "MALFORMED"
  /** A format version this code does not know. */
  | "UNSUPPORTED_VERSION"
  /** Sealed under a KEK that is neither the current nor a previous one in the keyring. */
  | "UNKNOWN_KEK"
  /** Wrong key, wrong associated data, or tampered bytes: GCM authentication failed. */
  | "AUTHENTICATION_FAILED";

export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "SecretBoxError";
  }
}

interface Parsed {
  readonly header: Buffer;
  readonly kekId: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

// The header of each KEK id, made once: every seal writes it and every open authenticates it (a
// login seals one value and opens another). Never handed out, only copied from.
const headers = new Map<string, Buffer>();

function header(kekId: string): Buffer {
  let head = headers.get(kekId);
  if (head === undefined) {
    const id = Buffer.from(kekId, "ascii");
    if (id.length === 0 || id.length > 255) throw new Error("a key-encryption key id must be 1 to 255 ASCII characters");
    head = Buffer.concat([Buffer.from([VERSION, id.length]), id]);
    headers.set(kekId, head);
  }
  return head;
}

function parse(sealed: Uint8Array): Parsed {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < 2) throw new SecretBoxError("MALFORMED", "sealed secret is truncated");
  const version = bytes[0];
  if (version !== VERSION) throw new SecretBoxError("UNSUPPORTED_VERSION", `sealed secret has unsupported format version ${version}`);
  const idLength = bytes[1] ?? 0;
  const ivStart = 2 + idLength;
  const tagStart = ivStart + IV_LENGTH;
  const ciphertextStart = tagStart + TAG_LENGTH;
  if (idLength === 0 || bytes.length < ciphertextStart) throw new SecretBoxError("MALFORMED", "sealed secret is truncated");
  return {
    header: bytes.subarray(0, ivStart),
    kekId: bytes.subarray(2, ivStart).toString("ascii"),
    iv: bytes.subarray(ivStart, tagStart),
    tag: bytes.subarray(tagStart, ciphertextStart),
    ciphertext: bytes.subarray(ciphertextStart),
  };
}

function associatedData(header: Uint8Array, aad: string): Buffer {
  if (typeof aad !== "string" || aad.length === 0) throw new TypeError("secret-box associated data must be a non-empty string");
  const additional = Buffer.allocUnsafe(header.length + Buffer.byteLength(aad, "utf8"));
  additional.set(header, 0);
  additional.write(aad, header.length, "utf8");
  return additional;
}

function kekFor(keyring: Keyring, kekId: string): KeyEncryptionKey {
  if (keyring.current.id === kekId) return keyring.current;
  const previous = keyring.previous.find((kek) => kek.id === kekId);
  if (previous === undefined) {
    throw new SecretBoxError("UNKNOWN_KEK", `sealed secret was encrypted under key-encryption key ${kekId}, which is not configured`);
  }
  return previous;
}

/** Encrypts `plaintext` under the keyring's current KEK, bound to `aad` (e.g. `tenant-key:<kid>`). */
export function seal(keyring: Keyring, plaintext: Uint8Array, aad: string): Buffer {
  const head = header(keyring.current.id);
  const additional = associatedData(head, aad);
  // The sealed value is laid out in one buffer: header, IV (drawn straight into it), tag, ciphertext.
  const ivStart = head.length;
  const tagStart = ivStart + IV_LENGTH;
  const ciphertextStart = tagStart + TAG_LENGTH;
  const sealed = Buffer.allocUnsafe(ciphertextStart + plaintext.length);
  sealed.set(head, 0);
  fillRandom(sealed.subarray(ivStart, tagStart));
  const cipher = createCipheriv(CIPHER, keyring.current.key, sealed.subarray(ivStart, tagStart), { authTagLength: TAG_LENGTH });
  cipher.setAAD(additional);
  const ciphertext = cipher.update(plaintext);
  // GCM is a stream mode: `final` only computes the tag, it returns no more bytes.
  cipher.final();
  sealed.set(cipher.getAuthTag(), tagStart);
  sealed.set(ciphertext, ciphertextStart);
  return sealed;
}

/**
 * Decrypts a value made by `seal`, with whichever KEK of the keyring it names, checking it was
 * sealed for the same `aad`. Throws `SecretBoxError` on any failure.
 */
export function open(keyring: Keyring, sealed: Uint8Array, aad: string): Buffer {
  const parsed = parse(sealed);
  const additional = associatedData(parsed.header, aad);
  const kek = kekFor(keyring, parsed.kekId);
  const decipher = createDecipheriv(CIPHER, kek.key, parsed.iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(additional);
  decipher.setAuthTag(parsed.tag);
  const plaintext = decipher.update(parsed.ciphertext);
  try {
    // GCM is a stream mode: `final` checks the tag and returns no more bytes.
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    plaintext.fill(0);
    throw new SecretBoxError(
      "AUTHENTICATION_FAILED",
      "sealed secret failed authentication: wrong key-encryption key, wrong associated data, or tampered data",
    );
  }
}

/**
 * True when `sealed` is not in the current format under the current KEK, i.e. a KEK rotation
 * should re-seal it (`reseal`). Throws `SecretBoxError` if it is malformed or of an unknown version.
 */
export function needsReseal(keyring: Keyring, sealed: Uint8Array): boolean {
  return parse(sealed).kekId !== keyring.current.id;
}

/** Opens with whichever KEK sealed the value and seals again under the current KEK (same `aad`). */
export function reseal(keyring: Keyring, sealed: Uint8Array, aad: string): Buffer {
  const plaintext = open(keyring, sealed, aad);
  try {
    return seal(keyring, plaintext, aad);
  } finally {
    plaintext.fill(0);
  }
}
