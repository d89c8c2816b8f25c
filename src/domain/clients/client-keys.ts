// A client's public keys (RFC 7517 JWK Set): registered inline (`jwks`) or published at a URL
// (`jwks_uri`). They verify the client's signed request objects (RFC 9101) and its
// `private_key_jwt` assertions (RFC 7523). Published sets are fetched with a bounded time and
// size and kept for a few minutes per instance, so that a slow or hostile URL cannot hold a
// request or fill memory; a key the client rotates in is picked up after at most that time, or
// at once when a token carries a `kid` the kept set does not have (at most once a minute).
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";
import type { FieldViolation } from "../../errors/domain-error.js";
import { redirectUriProblem } from "./redirect-uri.js";

/** Members that only a private or symmetric key has: never accepted as a client's public key. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const FETCH_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 64 * 1024;
const CACHE_MS = 5 * 60_000;
const REFETCH_COOLDOWN_MS = 60_000;
export const MAX_KEYS = 20;

/** Why a JWK Set is not a set of public keys, or undefined. */
export function jwksProblem(jwks: unknown): string | undefined {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return "must be a JWK Set: an object with a non-empty `keys` array";
  if (keys.length > MAX_KEYS) return `may hold at most ${MAX_KEYS} keys`;
  for (const key of keys) {
    if (typeof key !== "object" || key === null || typeof (key as JWK).kty !== "string") return "every key needs a `kty`";
    if (PRIVATE_MEMBERS.some((member) => member in key)) return "must hold public keys only (no private or symmetric key material)";
  }
  return undefined;
}

export interface ClientKeySettings {
  readonly jwks: unknown;
  readonly jwksUri: string | null;
  readonly tokenEndpointAuthMethod: string;
}

export function clientKeyViolations(settings: ClientKeySettings): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (settings.jwks != null) {
    const problem = jwksProblem(settings.jwks);
    if (problem) violations.push({ path: ["jwks"], message: `jwks ${problem}`, type: "value_error" });
  }
  if (settings.jwksUri != null) {
    const problem = redirectUriProblem(settings.jwksUri);
    if (problem || !/^https?:/.test(settings.jwksUri)) {
      violations.push({ path: ["jwks_uri"], message: `jwks_uri ${problem ?? "must use https"}`, type: "value_error" });
    }
  }
  if (settings.jwks != null && settings.jwksUri != null) {
    violations.push({ path: ["jwks_uri"], message: "Register jwks or jwks_uri, not both", type: "value_error" });
  }
  if (settings.tokenEndpointAuthMethod === "private_key_jwt" && settings.jwks == null && settings.jwksUri == null) {
    violations.push({ path: ["token_endpoint_auth_method"], message: "private_key_jwt needs jwks or jwks_uri", type: "value_error" });
  }
  return violations;
}

/** What the key resolution needs of a client. */
export interface ClientWithKeys {
  readonly jwks?: { keys: Record<string, unknown>[] } | null;
  readonly jwksUri?: string | null;
}

interface CachedSet {
  readonly keys: JWTVerifyGetKey;
  readonly fetchedAt: number;
}

/** Fetches published JWK Sets; one per process, shared by every tenant (the cache is by URL). */
export class ClientKeys {
  private readonly cache = new Map<string, CachedSet>();
  /**
   * Inline sets by the registered `jwks` object: jose's local set imports each key once, on first
   * use, so one set per registration (not per request) saves the import (≈ 110–145 µs a request in
   * bench:peer's private_key_jwt row). The client cache hands out the same object until the client
   * changes, and a changed client brings a new object, so a WeakMap needs no invalidation of its own.
   */
  private readonly inlineSets = new WeakMap<object, JWTVerifyGetKey | undefined>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** The client's keys, or undefined when it registered none or its URL cannot be read. */
  async keysOf(client: ClientWithKeys): Promise<JWTVerifyGetKey | undefined> {
    if (client.jwks) return this.inlineSetOf(client.jwks);
    if (!client.jwksUri) return undefined;
    const uri = client.jwksUri;
    const cached = this.cache.get(uri);
    const now = this.clock();
    if (cached && now - cached.fetchedAt < CACHE_MS) return this.refetchingOnUnknownKid(uri, cached);
    const fetched = await this.fetchSet(uri);
    if (!fetched) {
      if (!cached) return undefined;
      // Keep the last set that could be read, and try the URL again in a minute, not on every request.
      this.cache.set(uri, { keys: cached.keys, fetchedAt: now - CACHE_MS + REFETCH_COOLDOWN_MS });
      return cached.keys;
    }
    this.cache.set(uri, fetched);
    return this.refetchingOnUnknownKid(uri, fetched);
  }

  private inlineSetOf(jwks: object): JWTVerifyGetKey | undefined {
    if (this.inlineSets.has(jwks)) return this.inlineSets.get(jwks);
    const set = jwksProblem(jwks) ? undefined : createLocalJWKSet(jwks as JSONWebKeySet);
    this.inlineSets.set(jwks, set);
    return set;
  }

  private refetchingOnUnknownKid(uri: string, set: CachedSet): JWTVerifyGetKey {
    return async (header, token) => {
      try {
        return await set.keys(header, token);
      } catch (error) {
        if (this.clock() - set.fetchedAt < REFETCH_COOLDOWN_MS) throw error;
        const fresh = await this.fetchSet(uri);
        if (!fresh) throw error;
        this.cache.set(uri, fresh);
        return fresh.keys(header, token);
      }
    };
  }

  private async fetchSet(uri: string): Promise<CachedSet | undefined> {
    try {
      const response = await this.fetchImpl(uri, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: "error",
        headers: { accept: "application/jwk-set+json, application/json" },
      });
      if (!response.ok || !response.body) return undefined;
      const declared = Number(response.headers.get("content-length") ?? 0);
      if (declared > MAX_JWKS_BYTES) return undefined;
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        size += read.value.byteLength;
        if (size > MAX_JWKS_BYTES) {
          await reader.cancel();
          return undefined;
        }
        chunks.push(read.value);
      }
      const jwks = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      if (jwksProblem(jwks)) return undefined;
      return { keys: createLocalJWKSet(jwks as JSONWebKeySet), fetchedAt: this.clock() };
    } catch {
      return undefined;
    }
  }
}
