// A tenant's keys in the database: created with the tenant, rotated on schedule, published in
// its JWKS, and loaded (decrypted with the KEK) to sign. Decrypted private keys are cached in
// memory by kid: a key's material never changes, so the cache needs no invalidation. A tenant's
// key list is kept in memory until it changes (InvalidatedCache: this instance's rotations at
// once, other instances' through the change feed), and so is what it publishes now — its JWKS
// and the key set that verifies tokens with it, imported once — until the next moment of the
// schedule (a key published, activated or retired). The schedule is read against an injectable
// clock, so that tests can walk through a rotation without waiting.
import type { KeyObject } from "node:crypto";
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { type KeyState, keyState, planRotation, publishedKeys, signingKey } from "../../crypto/key-rotation.js";
import { open, seal } from "../../crypto/secret-box.js";
import {
  type GeneratedTenantKey,
  generateTenantKey,
  generateTenantKeys,
  loadPrivateKey,
  type TenantKeyAlg,
} from "../../crypto/tenant-keys.js";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { ChangeFeed } from "../../persistence/change-feed.js";
import { InvalidatedCache } from "../../persistence/invalidated-cache.js";
import type { StoredTenantKey, TenantKeyRepository } from "../../persistence/repositories/tenant-key-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { tenantNotFound } from "./tenant-admin.js";

export interface RotationPolicy {
  readonly publishLeadMs: number;
  readonly graceMs: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: TenantKeyAlg;
  readonly privateKey: KeyObject;
}

/** A key's public identity and schedule, and its state at the time it was read (no key material). */
export interface ScheduledKey {
  readonly kid: string;
  readonly alg: TenantKeyAlg;
  readonly use: string;
  readonly state: KeyState;
  readonly publishAt: Date;
  readonly activateAt: Date;
  readonly retireAt: Date | null;
}

/** What a rotation did: the new key, and the keys of its algorithm whose retirement it set. */
export interface KeyRotation {
  readonly kid: string;
  readonly replaced: readonly string[];
}

const sealAad = (kid: string) => `tenant-key:${kid}`;
const scheduleOf = (key: StoredTenantKey) => ({ ...key, kid: key.id });

function isTenantKeyAlg(alg: string): alg is TenantKeyAlg {
  return alg === "EdDSA" || alg === "RS256" || alg === "ECDH-ES";
}

/** A stored key's algorithm; a value no version of this code wrote is a corrupted row. */
function algOf(key: StoredTenantKey): TenantKeyAlg {
  if (!isTenantKeyAlg(key.alg)) throw new Error(`tenant key ${key.id} has an unknown algorithm`);
  return key.alg;
}

/** What a tenant publishes at a moment: its JWKS, the key set that verifies with it, until when it holds. */
export interface PublishedKeys {
  readonly jwks: readonly JWK[];
  readonly keySet: JWTVerifyGetKey;
  /** The next moment of the schedule (epoch ms) at which the published keys change; Infinity when none is planned. */
  readonly until: number;
}

/** The moment after `now` at which `keys` publish a different set: a key published or retired. */
function nextScheduleMoment(keys: readonly StoredTenantKey[], now: Date): number {
  let next = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    for (const moment of [key.publishAt, key.activateAt, key.retireAt]) {
      const at = moment?.getTime();
      if (at !== undefined && at > now.getTime() && at < next) next = at;
    }
  }
  return next;
}

/** A key list's current key of one algorithm, valid from `from` until (excluded) `until`, epoch ms. */
interface CurrentKey {
  readonly key: SigningKey;
  readonly from: number;
  readonly until: number;
}

export class TenantKeyStore {
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly keyLists: InvalidatedCache<StoredTenantKey[]>;
  /** What each cached key list publishes, until its next moment: the list is replaced when the keys change. */
  private readonly published = new WeakMap<StoredTenantKey[], PublishedKeys & { readonly from: number }>();
  /**
   * Each cached key list's current key per algorithm, from the moment it was judged until the
   * schedule's next moment: every token asks for it, and the answer only changes when a key is
   * published, activated or retired (a new list when the keys change).
   */
  private readonly currentKeys = new WeakMap<StoredTenantKey[], Map<TenantKeyAlg, CurrentKey>>();

  constructor(
    /** The repositories of a tenant on a unit of work of their own: the cached key lists are read apart from any request. */
    private readonly keysOfTenant: (tenantId: string) => TenantKeyRepository,
    private readonly keyring: Keyring,
    private readonly rotation: RotationPolicy,
    /** Changes of the tenants' keys, this instance's and the others' (a tenant's deletion takes its keys). */
    private readonly changes: ChangeFeed,
    /** The time the schedule is read at. */
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.keyLists = new InvalidatedCache(changes, ["tenant_key", "tenant"]);
  }

  /** Adds a new tenant's first keys (one per algorithm), active at once, in the caller's unit of work. */
  async createInitialKeys(repos: TenantRepositories, now = this.clock()): Promise<void> {
    for (const key of await generateTenantKeys({ tenantId: repos.tenantId, now })) await this.persist(repos.tenantKeys, key, now, now);
    this.forget(repos.tenantId);
  }

  /**
   * Rotates one algorithm's key (planRotation): the new key is published now and signs after the
   * publish lead; the one signing now stays published for the grace period after that; a key still
   * waiting from an earlier rotation is withdrawn. Its own transaction; `now` defaults to the clock
   * once the tenant is locked.
   */
  async rotate(repos: TenantRepositories, alg: TenantKeyAlg, now?: Date): Promise<KeyRotation> {
    const { tenantId } = repos;
    // Generating an RSA key takes a while: before the lock, not while holding it.
    const generated = await generateTenantKey(alg, { tenantId, now: now ?? this.clock() });
    const rotation = await repos.transactional(async (tx) => {
      // Rotations of a tenant run one at a time: a second one waits here, then sees the first one's
      // key as pending and withdraws it. Without the lock both would plan from the same keys and
      // leave two keys waiting to activate at (almost) the same instant, neither withdrawn.
      if (!(await tx.tenantKeys.lockTenant())) throw tenantNotFound(tenantId);
      const existing = await tx.tenantKeys.list(alg);
      const plan = planRotation(existing.map(scheduleOf), alg, now ?? this.clock(), this.rotation);
      await this.persist(tx.tenantKeys, generated, plan.newKey.publishAt, plan.newKey.activateAt);
      for (const { kid, retireAt } of plan.retirements) await tx.tenantKeys.retire(kid, retireAt);
      return { kid: generated.kid, replaced: plan.retirements.map((r) => r.kid) };
    });
    this.forget(tenantId);
    return rotation;
  }

  /** Every key of a tenant with its state now, read from the database (not the cache). */
  async schedule(repos: TenantRepositories, now = this.clock()): Promise<ScheduledKey[]> {
    const keys = await repos.tenantKeys.list();
    const schedules = keys.map(scheduleOf);
    return keys
      .map((stored) => scheduleOf(stored))
      .map((key) => ({
        kid: key.kid,
        alg: algOf(key),
        use: key.use,
        state: keyState(schedules, key, now),
        publishAt: key.publishAt,
        activateAt: key.activateAt,
        retireAt: key.retireAt ?? null,
      }));
  }

  /** The public JWKs a relying party may verify with now. */
  async publishedJwks(tenantId: string, now = this.clock()): Promise<Record<string, unknown>[]> {
    return [...(await this.publishedAt(tenantId, now)).jwks] as Record<string, unknown>[];
  }

  /**
   * What the tenant publishes now, the same object until its keys change or the schedule reaches
   * its next moment: callers may keep what they derive from it (a JWKS answer, an imported key set).
   */
  async publishedAt(tenantId: string, now = this.clock()): Promise<PublishedKeys> {
    const keys = await this.keysOf(tenantId);
    const kept = this.published.get(keys);
    // A time before the kept set's own (a test walking back through the schedule) is computed afresh.
    if (kept && now.getTime() < kept.until && now.getTime() >= kept.from) return kept;
    const jwks = publishedKeys(keys.map(scheduleOf), now).map((key) => key.publicJwk as JWK);
    const fresh = { jwks, keySet: createLocalJWKSet({ keys: jwks }), until: nextScheduleMoment(keys, now), from: now.getTime() };
    this.published.set(keys, fresh);
    return fresh;
  }

  /** The key that signs (or, for ECDH-ES, decrypts) now. */
  async currentKey(tenantId: string, alg: TenantKeyAlg, now = this.clock()): Promise<SigningKey> {
    const keys = await this.keysOf(tenantId);
    let byAlg = this.currentKeys.get(keys);
    const at = now.getTime();
    const kept = byAlg?.get(alg);
    // As publishedAt: a time before the kept answer's own (a test walking back) is judged afresh.
    if (kept && at < kept.until && at >= kept.from) return kept.key;
    const ofAlg = keys.filter((key) => key.alg === alg);
    const current = signingKey(ofAlg.map(scheduleOf), alg, now);
    if (!current) throw new DomainError(Code.FailedPrecondition, "NO_ACTIVE_KEY", `The tenant has no active ${alg} key`);
    const key: SigningKey = { kid: current.id, alg, privateKey: this.privateKeyOf(current) };
    if (!byAlg) {
      byAlg = new Map();
      this.currentKeys.set(keys, byAlg);
    }
    byAlg.set(alg, { key, from: at, until: nextScheduleMoment(ofAlg, now) });
    return key;
  }

  /**
   * The private key of a published key of this tenant, by kid — to decrypt a JWE addressed to
   * it (during a rotation clients may still use the previous key).
   */
  async publishedKey(tenantId: string, kid: string, alg: TenantKeyAlg, now = this.clock()): Promise<SigningKey | undefined> {
    const key = (await this.keysOf(tenantId)).find((k) => k.id === kid && k.alg === alg);
    if (!key || key.publishAt > now || (key.retireAt && key.retireAt <= now)) return undefined;
    return { kid: key.id, alg, privateKey: this.privateKeyOf(key) };
  }

  /** Every key of a tenant, from memory until they change: signing must not cost a query. */
  private keysOf(tenantId: string): Promise<StoredTenantKey[]> {
    return this.keyLists.get(tenantId, "", () => this.keysOfTenant(tenantId).list());
  }

  /** This instance changed the tenant's keys: its caches forget them at once (the others hear the commit's notification). */
  private forget(tenantId: string): void {
    this.changes.emit({ table: "tenant_key", tenantId });
  }

  /** Stops following the change feed (the server closes). */
  close(): void {
    this.keyLists.close();
  }

  private privateKeyOf(key: StoredTenantKey): KeyObject {
    let privateKey = this.privateKeys.get(key.id);
    if (!privateKey) {
      privateKey = loadPrivateKey(open(this.keyring, key.privateKeySealed, sealAad(key.id)), algOf(key));
      this.privateKeys.set(key.id, privateKey);
    }
    return privateKey;
  }

  private persist(keys: TenantKeyRepository, key: GeneratedTenantKey, publishAt: Date, activateAt: Date): Promise<void> {
    return keys.add({
      kid: key.kid,
      alg: key.alg,
      use: key.use,
      publicJwk: { ...key.publicJwk },
      privateKeySealed: seal(this.keyring, key.privateKeyPkcs8, sealAad(key.kid)),
      publishAt,
      activateAt,
    });
  }
}
