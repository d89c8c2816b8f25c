// A tenant's keys in the database: created with the tenant, rotated on schedule, published in
// its JWKS, and loaded (decrypted with the KEK) to sign. Decrypted private keys are cached in
// memory by kid: a key's material never changes, so the cache needs no invalidation.
import type { KeyObject } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { planRotation, publishedKeys, signingKey } from "../../crypto/key-rotation.js";
import { open, seal } from "../../crypto/secret-box.js";
import {
  type GeneratedTenantKey,
  generateTenantKey,
  generateTenantKeys,
  loadPrivateKey,
  type TenantKeyAlg,
} from "../../crypto/tenant-keys.js";
import { type TenantKey, TenantKeyEntity } from "../../persistence/entities/tenant-key.js";
import { Code, DomainError } from "../../errors/domain-error.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";

export interface RotationPolicy {
  readonly publishLeadMs: number;
  readonly graceMs: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: TenantKeyAlg;
  readonly privateKey: KeyObject;
}

const sealAad = (kid: string) => `tenant-key:${kid}`;
const scheduleOf = (key: TenantKey) => ({ ...key, kid: key.id });

/** How long a tenant's key list is reused from memory: well under KEY_PUBLISH_LEAD_SECONDS. */
const KEY_CACHE_MS = 30_000;

export class TenantKeyStore {
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly keyLists = new Map<string, { keys: TenantKey[]; until: number }>();

  constructor(
    private readonly keyring: Keyring,
    private readonly rotation: RotationPolicy,
  ) {}

  /** Adds a new tenant's first keys (one per algorithm), active at once. `em` is tenant-scoped. */
  async createInitialKeys(em: EntityManager, tenantId: string, now = new Date()): Promise<void> {
    for (const key of await generateTenantKeys({ tenantId, now })) this.persist(em, tenantId, key, now, now);
    this.forget(tenantId);
  }

  /**
   * Rotates one algorithm's key: the new key is published now and signs after the publish lead;
   * the old one stays published for the grace period after that.
   */
  async rotate(em: EntityManager, tenantId: string, alg: TenantKeyAlg, now = new Date()): Promise<string> {
    const existing = await em.find(TenantKeyEntity, { alg });
    const plan = planRotation(existing.map(scheduleOf), alg, now, this.rotation);
    const key = await generateTenantKey(alg, { tenantId, now });
    this.persist(em, tenantId, key, plan.newKey.publishAt, plan.newKey.activateAt);
    for (const { kid, retireAt } of plan.retirements) {
      const old = existing.find((k) => k.id === kid);
      if (old) old.retireAt = retireAt;
    }
    await em.flush();
    this.forget(tenantId);
    return key.kid;
  }

  /** The public JWKs a relying party may verify with now. */
  async publishedJwks(em: EntityManager, tenantId: string, now = new Date()): Promise<Record<string, unknown>[]> {
    return publishedKeys((await this.keysOf(em, tenantId)).map(scheduleOf), now).map((key) => key.publicJwk);
  }

  /** The key that signs (or, for ECDH-ES, decrypts) now. */
  async currentKey(em: EntityManager, tenantId: string, alg: TenantKeyAlg, now = new Date()): Promise<SigningKey> {
    const keys = (await this.keysOf(em, tenantId)).filter((key) => key.alg === alg);
    const current = signingKey(keys.map(scheduleOf), alg, now);
    if (!current) throw new DomainError(Code.FailedPrecondition, "NO_ACTIVE_KEY", `The tenant has no active ${alg} key`);
    return { kid: current.id, alg, privateKey: this.privateKeyOf(current) };
  }

  /**
   * The private key of a published key of this tenant, by kid — to decrypt a JWE addressed to
   * it (during a rotation clients may still use the previous key). `em` is tenant-scoped.
   */
  async publishedKey(
    em: EntityManager,
    tenantId: string,
    kid: string,
    alg: TenantKeyAlg,
    now = new Date(),
  ): Promise<SigningKey | undefined> {
    const key = (await this.keysOf(em, tenantId)).find((k) => k.id === kid && k.alg === alg);
    if (!key || key.publishAt > now || (key.retireAt && key.retireAt <= now)) return undefined;
    return { kid: key.id, alg, privateKey: this.privateKeyOf(key) };
  }

  /** Every key of a tenant, from memory for a short while: signing must not cost a query. */
  private async keysOf(em: EntityManager, tenantId: string): Promise<TenantKey[]> {
    const cached = this.keyLists.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.keys;
    const keys = await scopeToTenant(em.fork(), tenantId).find(TenantKeyEntity, {});
    this.keyLists.set(tenantId, { keys, until: Date.now() + KEY_CACHE_MS });
    return keys;
  }

  private forget(tenantId: string): void {
    this.keyLists.delete(tenantId);
  }

  private privateKeyOf(key: TenantKey): KeyObject {
    let privateKey = this.privateKeys.get(key.id);
    if (!privateKey) {
      privateKey = loadPrivateKey(open(this.keyring, key.privateKeySealed, sealAad(key.id)), key.alg as TenantKeyAlg);
      this.privateKeys.set(key.id, privateKey);
    }
    return privateKey;
  }

  private persist(em: EntityManager, tenantId: string, key: GeneratedTenantKey, publishAt: Date, activateAt: Date): void {
    em.create(TenantKeyEntity, {
      id: key.kid,
      tenant: tenantId,
      alg: key.alg,
      use: key.use,
      publicJwk: { ...key.publicJwk },
      privateKeySealed: seal(this.keyring, key.privateKeyPkcs8, sealAad(key.kid)),
      publishAt,
      activateAt,
      retireAt: null,
    });
  }
}
