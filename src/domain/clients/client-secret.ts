// Client secrets: 32 random bytes, shown once, stored only as a hash (crypto/secret-hash.ts).
import { randomBytes } from "node:crypto";

export function newClientSecret(): string {
  return randomBytes(32).toString("base64url");
}
