// Random identifiers and bearer secrets (challenge and session ids, nonces, refresh tokens, API
// keys, `jti`s, IVs) from Node's CSPRNG, drawn from a pooled buffer: one `randomFillSync` call
// per 4 KiB instead of a `randomBytes` call per value (≈ 3 µs → 0.3 µs each on the development
// VM; the login and token paths mint several per request). Each byte is handed out once and
// wiped from the pool as it leaves, so a value never outlives its use in shared memory and is
// never handed out twice.
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
// Wipes bytes handed out with the typed array's own fill (a V8 builtin): Buffer's `fill` checks its
// arguments and calls into C++, which costs more than wiping the 12 to 32 bytes of a value.
const wipe = (start: number, end: number) => Uint8Array.prototype.fill.call(pool, 0, start, end);
let offset = POOL_SIZE;

function take(byteLength: number): number {
  if (!Number.isInteger(byteLength) || byteLength <= 0 || byteLength > POOL_SIZE) {
    throw new RangeError(`random values are 1 to ${POOL_SIZE} bytes, got ${byteLength}`);
  }
  if (offset + byteLength > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += byteLength;
  return start;
}

/** `byteLength` random bytes, base64url without padding (e.g. 32 bytes → 43 characters). */
export function randomToken(byteLength: number): string {
  const start = take(byteLength);
  const token = pool.toString("base64url", start, start + byteLength);
  wipe(start, start + byteLength);
  return token;
}

/** `byteLength` random bytes in a buffer of their own. */
export function randomBuffer(byteLength: number): Buffer {
  const start = take(byteLength);
  const bytes = Buffer.from(pool.subarray(start, start + byteLength));
  wipe(start, start + byteLength);
  return bytes;
}

/** Fills `target` with random bytes (e.g. an IV written straight into the buffer that holds it). */
export function fillRandom(target: Uint8Array): void {
  const start = take(target.length);
  target.set(pool.subarray(start, start + target.length));
  wipe(start, start + target.length);
}
