// Rate limits that hold across every instance on one database: each counter is a row of
// `rate_limit` (scope: a tenant or "" for all; kind; subject), counted in fixed windows by one
// upsert per check that returns the new counts — so parallel requests, at any instance, each
// get their own count, and exactly `limit` of them fit in a window. Past the limit the answer is
// 429 with Retry-After (the end of the window). Each instance also remembers the addresses it has
// seen past a limit (known-refusals.ts), to refuse them without a round trip.
// The counters live in the database (persistence/rate-limit-counters.ts); the time comes from the
// injected clock, not from the database, so that a test can move it on.
import type { RateLimitSettings } from "../../config/config.js";
import type { RateLimitCounterStore } from "../../persistence/rate-limit-counters.js";
import { KnownRefusals } from "./known-refusals.js";
import { type Bucket, bucketKey, type RateLimitKind, type RateLimitRule, rateLimitRules, tooManyRequests } from "./rate-limits.js";

/** `rate_limit.subject` is varchar(128): only a malformed address could be longer. */
const MAX_SUBJECT_LENGTH = 128;

export class RateLimiter {
  private readonly rules: Map<RateLimitKind, RateLimitRule>;
  private readonly known = new KnownRefusals();

  constructor(
    private readonly counters: RateLimitCounterStore,
    settings: RateLimitSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.rules = rateLimitRules(settings);
  }

  /** The counter of `kind` for `subject` (in tenant `scope`, or across tenants); undefined when that limit is off. */
  bucket(kind: RateLimitKind, subject: string, scope = ""): Bucket | undefined {
    const rule = this.rules.get(kind);
    return rule && { rule, scope, subject: subject.slice(0, MAX_SUBJECT_LENGTH) };
  }

  /** Throws 429 at once, with no round trip, when this instance has seen one of the buckets' addresses past its limit. */
  refuseKnown(buckets: readonly (Bucket | undefined)[]): void {
    const now = this.clock();
    for (const bucket of buckets) {
      if (!bucket?.rule.perAddress) continue;
      const remainingMs = this.known.remainingMs(bucketKey(bucket.scope, bucket.rule.kind, bucket.subject), now);
      if (remainingMs > 0) throw tooManyRequests(bucket.rule, Math.ceil(remainingMs / 1000));
    }
  }

  /** Counts one event in each bucket, in one statement; throws 429 when one of them is now past its limit. */
  async count(buckets: readonly (Bucket | undefined)[]): Promise<void> {
    const enabled = buckets.filter((bucket): bucket is Bucket => bucket !== undefined);
    if (enabled.length === 0) return;
    const now = this.clock();
    const hits = enabled.map((b) => ({ scope: b.scope, kind: b.rule.kind, subject: b.subject, windowSeconds: b.rule.windowSeconds }));
    const rows = await this.counters.count(hits, new Date(now));
    let refusal: { rule: RateLimitRule; untilMs: number } | undefined;
    for (const row of rows) {
      const bucket = enabled.find((b) => b.scope === row.scope && b.rule.kind === row.kind && b.subject === row.subject);
      if (!bucket || row.hits <= bucket.rule.limit) continue;
      const untilMs = row.expiresAt.getTime();
      if (bucket.rule.perAddress) this.known.remember(bucketKey(row.scope, row.kind, row.subject), untilMs);
      if (!refusal || untilMs > refusal.untilMs) refusal = { rule: bucket.rule, untilMs };
    }
    if (refusal) throw tooManyRequests(refusal.rule, Math.max(1, Math.ceil((refusal.untilMs - now) / 1000)));
  }

  /** A request that counts as a whole (each one costs): refused at once when known, else counted. */
  async take(buckets: readonly (Bucket | undefined)[]): Promise<void> {
    this.refuseKnown(buckets);
    await this.count(buckets);
  }
}
