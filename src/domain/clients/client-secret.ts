// Client secrets: 32 random bytes, shown once, stored only as a hash (crypto/secret-hash.ts).
import { randomToken } from "../../crypto/random-token.js";

export function newClientSecret(): string {
  return randomToken(32);
}
