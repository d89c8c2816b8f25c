// The signing-key rotation policy, as pure functions over key schedules. Every key has:
//
//   publishAt   from then on it is in the tenant's JWKS
//   activateAt  from then on it may sign (or be encrypted to) — if it is the newest active key
//   retireAt    from then on it is neither published nor used (unset: until a successor retires it)
//
// Invariants a rotation keeps (and the functions below rely on):
//
//  1. Publish before use: publishAt <= activateAt, and activateAt - publishAt >= publishLead.
//     Relying parties cache the JWKS; publishLead must be at least their cache lifetime so that
//     every verifier already knows a key when the first token signed with it arrives.
//  2. Exactly one signer per algorithm, without gaps: the signing key of an algorithm is the
//     published, unretired key with the latest activateAt <= now. The previous key keeps signing
//     until the very instant its successor activates.
//  3. Stay published after use: a superseded key is retired no earlier than
//     successor.activateAt + grace. It may have signed until successor.activateAt, so graceMs must
//     cover the longest lifetime of anything it signed (ID tokens, access tokens, logout tokens)
//     plus verifiers' clock skew. Its successor is the key that actually replaces it: when a
//     rotation withdraws a pending key (4), the signer's retirement moves with the new successor.
//  4. A key that never became active signed nothing: a rotation that supersedes a still-pending
//     key withdraws it at once. So at most one key per algorithm ever waits to activate.
//  5. Nothing is ever used outside its published window: signingKey() only returns keys that
//     publishedKeys() also returns at the same instant.
//
// Dates are compared at millisecond precision; bounds are inclusive at the start (publishAt,
// activateAt) and exclusive at the end (retireAt).

export interface KeySchedule {
  readonly kid: string;
  readonly alg: string;
  readonly publishAt: Date;
  readonly activateAt: Date;
  readonly retireAt?: Date | null | undefined;
}

export interface RotationTiming {
  /** Time between publishing a new key and signing with it: ≥ the relying parties' JWKS cache lifetime. */
  readonly publishLeadMs: number;
  /** Time an old key stays published after its successor activates: ≥ the longest token lifetime + skew. */
  readonly graceMs: number;
}

export interface RotationPlan {
  /** The schedule of the key to create (`kid` is the new key's own). */
  readonly newKey: { readonly alg: string; readonly publishAt: Date; readonly activateAt: Date };
  /** The retireAt to store for existing keys of the same algorithm (only those that change). */
  readonly retirements: readonly { readonly kid: string; readonly retireAt: Date }[];
}

const ms = (date: Date): number => date.getTime();

function isPublished(key: KeySchedule, now: number): boolean {
  return ms(key.publishAt) <= now && (key.retireAt == null || ms(key.retireAt) > now);
}

/** Newest activation first; ties (which a sane schedule does not have) broken by kid for determinism. */
function byActivationDescending(a: KeySchedule, b: KeySchedule): number {
  return ms(b.activateAt) - ms(a.activateAt) || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

/**
 * The key to sign with (or, for `ECDH-ES`, to advertise for encryption) for `alg` at `now`: the
 * published, unretired key with the latest activateAt <= now. Undefined if there is none — the
 * caller must then generate and activate a key (a first key may be activated immediately, since no
 * verifier can have cached a JWKS lacking it for tokens that do not exist yet).
 */
export function signingKey<K extends KeySchedule>(keys: readonly K[], alg: string, now: Date): K | undefined {
  const at = ms(now);
  return keys.filter((key) => key.alg === alg && ms(key.activateAt) <= at && isPublished(key, at)).sort(byActivationDescending)[0];
}

/** The keys that belong in the JWKS at `now` (all algorithms), newest activation first. */
export function publishedKeys<K extends KeySchedule>(keys: readonly K[], now: Date): K[] {
  const at = ms(now);
  return keys.filter((key) => isPublished(key, at)).sort(byActivationDescending);
}

/**
 * Plans the rotation of `alg` at `now`: a new key published now and activated after publishLeadMs.
 * The key that signs now retires graceMs after the new key activates (it signs until then, even
 * when an earlier rotation had set another retirement for it); keys of `alg` not yet active are
 * withdrawn now; other unretired active keys (already superseded) retire graceMs after the new key
 * activates at the latest (an earlier retireAt already set is kept).
 */
export function planRotation(existing: readonly KeySchedule[], alg: string, now: Date, timing: RotationTiming): RotationPlan {
  for (const [name, value] of Object.entries(timing)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds`);
  }
  const at = ms(now);
  const activateAt = at + timing.publishLeadMs;
  const retireActive = activateAt + timing.graceMs;
  const signer = signingKey(existing, alg, now);
  const retirements: { kid: string; retireAt: Date }[] = [];
  for (const key of existing) {
    if (key.alg !== alg) continue;
    const current = key.retireAt == null ? Number.POSITIVE_INFINITY : ms(key.retireAt);
    if (current <= at) continue; // already gone
    if (key === signer) {
      if (current !== retireActive) retirements.push({ kid: key.kid, retireAt: new Date(retireActive) });
      continue;
    }
    const wanted = ms(key.activateAt) <= at ? retireActive : at;
    if (wanted < current) retirements.push({ kid: key.kid, retireAt: new Date(wanted) });
  }
  return { newKey: { alg, publishAt: new Date(at), activateAt: new Date(activateAt) }, retirements };
}

/**
 * `scheduled`: published, not signing yet; `active`: the signing key of its algorithm;
 * `retiring`: superseded, still published for what it signed; `retired`: no longer published.
 */
export type KeyState = "scheduled" | "active" | "retiring" | "retired";

/** Where `key` stands at `now` among `keys` (the tenant's keys; those of its algorithm suffice). */
export function keyState(keys: readonly KeySchedule[], key: KeySchedule, now: Date): KeyState {
  const at = ms(now);
  if (key.retireAt != null && ms(key.retireAt) <= at) return "retired";
  if (ms(key.activateAt) > at || ms(key.publishAt) > at) return "scheduled";
  return signingKey(keys, key.alg, now)?.kid === key.kid ? "active" : "retiring";
}
