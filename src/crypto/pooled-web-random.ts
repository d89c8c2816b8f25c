// The OPAQUE library's randomness from the pooled CSPRNG (random-token.ts). Its wasm draws random
// bytes through the Web Crypto global, `crypto.getRandomValues` — four calls of 32–64 bytes per
// login's KE2 — and Node answers each with a `randomFillSync` of its own (≈ 2.6 µs apiece, 10 µs
// of a login's 107 µs of main-thread time outside the wasm: docs/performance.md). Served from the
// pool instead, they are copies of bytes drawn from the same CSPRNG 4 KiB at a time, each handed
// out once and wiped from the pool as it leaves.
//
// Only what the pool serves best is taken over: a Uint8Array of at most MAX_POOLED bytes. Any
// other call (another typed array, a larger one, an invalid argument) goes to Node's own function,
// which keeps its checks and errors.
import { fillRandom } from "./random-token.js";

const MAX_POOLED = 256;

let installed = false;

/** Makes the Web Crypto global's getRandomValues draw small byte arrays from the pool. Idempotent. */
export function poolWebCryptoRandom(): void {
  if (installed) return;
  installed = true;
  const webCrypto = globalThis.crypto;
  const nodeGetRandomValues = webCrypto.getRandomValues.bind(webCrypto) as (array: unknown) => unknown;
  Object.defineProperty(webCrypto, "getRandomValues", {
    configurable: true,
    writable: true,
    value: (array: unknown): unknown => {
      if (array instanceof Uint8Array && array.byteLength > 0 && array.byteLength <= MAX_POOLED) {
        fillRandom(array);
        return array;
      }
      return nodeGetRandomValues(array);
    },
  });
}
