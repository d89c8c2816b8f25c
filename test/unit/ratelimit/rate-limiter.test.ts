// The rate limits' arithmetic without server or database: fixed windows against an injected
// clock, which bucket refuses, the Retry-After of a refusal, and the addresses an instance
// refuses without a round trip until their window ends. The counters are a model of the
// `rate_limit` table's upsert (persistence/rate-limit-counters.ts; the table itself is tested in
// test/ratelimit/): a count per key that restarts when its window has ended.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RateLimitSettings } from "../../../src/config/config.js";
import { DomainError } from "../../../src/errors/domain-error.js";
import { KnownRefusals } from "../../../src/domain/ratelimit/known-refusals.js";
import { RateLimiter } from "../../../src/domain/ratelimit/rate-limiter.js";
import type { CounterHit, CounterState, RateLimitCounterStore } from "../../../src/persistence/rate-limit-counters.js";

class CountersModel implements RateLimitCounterStore {
  readonly rows = new Map<string, { hits: number; expiresAt: Date }>();
  calls = 0;

  async count(hits: readonly CounterHit[], now: Date): Promise<CounterState[]> {
    this.calls++;
    return hits.map((hit) => {
      const key = `${hit.scope}|${hit.kind}|${hit.subject}`;
      const row = this.rows.get(key);
      const next =
        row && row.expiresAt > now
          ? { hits: row.hits + 1, expiresAt: row.expiresAt }
          : { hits: 1, expiresAt: new Date(now.getTime() + hit.windowSeconds * 1000) };
      this.rows.set(key, next);
      return { scope: hit.scope, kind: hit.kind, subject: hit.subject, ...next };
    });
  }
}

const SETTINGS: RateLimitSettings = {
  clientFailures: { limit: 3, windowSeconds: 60 },
  keyFailures: undefined,
  addressFailures: { limit: 2, windowSeconds: 30 },
  registrationChallenges: undefined,
  resetRequests: undefined,
};

function limiter() {
  let now = Date.parse("2026-12-05T12:00:00Z");
  const counters = new CountersModel();
  const limits = new RateLimiter(counters, SETTINGS, () => now);
  return { limits, counters, advance: (ms: number) => (now += ms) };
}

async function refusal(work: Promise<unknown>): Promise<DomainError | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

describe("rate limits (fixed windows, injected clock)", () => {
  it("lets exactly `limit` events through a window, then refuses with the rest of the window as Retry-After", async () => {
    const { limits, advance } = limiter();
    const address = limits.bucket("addressFailures", "192.0.2.1");
    await limits.count([address]);
    advance(10_000);
    await limits.count([address]);
    advance(2_500);
    const refused = await refusal(limits.count([address]));
    assert.equal(refused?.reason, "RATE_LIMITED");
    assert.equal(refused?.retryAfterSeconds, 18, "30 s window opened 12.5 s ago: 17.5 s left, rounded up");
  });

  it("a new window starts counting from one", async () => {
    const { limits, advance } = limiter();
    const address = limits.bucket("addressFailures", "192.0.2.2");
    await limits.count([address]);
    await limits.count([address]);
    advance(30_000);
    assert.equal(await refusal(limits.count([address])), undefined);
  });

  it("an address past its limit is refused without a count until its window ends; a client is not", async () => {
    const { limits, counters, advance } = limiter();
    const address = limits.bucket("addressFailures", "192.0.2.3");
    const client = limits.bucket("clientFailures", "app", "acme");
    for (let i = 0; i < 3; i++) await refusal(limits.count([address, client]));
    const calls = counters.calls;
    assert.throws(
      () => limits.refuseKnown([address]),
      (error: unknown) => error instanceof DomainError && error.retryAfterSeconds === 30,
    );
    assert.doesNotThrow(() => limits.refuseKnown([client]), "a client id is never refused outright");
    assert.equal(counters.calls, calls, "no round trip");
    advance(30_000);
    assert.doesNotThrow(() => limits.refuseKnown([address]));
  });

  it("of two buckets past their limits, the later end of window is the Retry-After", async () => {
    const { limits } = limiter();
    const address = limits.bucket("addressFailures", "192.0.2.4");
    const client = limits.bucket("clientFailures", "app", "acme");
    for (let i = 0; i < 3; i++) await refusal(limits.count([address, client]));
    const refused = await refusal(limits.count([address, client]));
    assert.equal(refused?.retryAfterSeconds, 60, "the client's 60 s window outlasts the address's 30 s");
  });

  it("a limit that is off counts nothing", async () => {
    const { limits, counters } = limiter();
    assert.equal(limits.bucket("keyFailures", "k1"), undefined);
    await limits.count([limits.bucket("keyFailures", "k1")]);
    assert.equal(counters.calls, 0);
  });

  it("known refusals end with their window and keep the newest entries", () => {
    const known = new KnownRefusals();
    known.remember("a", 1_000);
    assert.equal(known.remainingMs("a", 400), 600);
    assert.equal(known.remainingMs("a", 1_000), 0);
    assert.equal(known.remainingMs("never", 0), 0);
  });
});
