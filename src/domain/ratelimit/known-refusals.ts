// The addresses this instance has seen go past a limit, until their windows end: their requests
// are refused at once, without any work or database round trip. Only a shortcut in front of the
// counters in the database, which decide (rate-limiter.ts): another instance refuses the same
// address from its own next count on, and forgets nothing that matters when it restarts.

/** Enough for a large attack; past it the oldest entries go (they are counted again on their next failure). */
const MAX_ENTRIES = 100_000;

export class KnownRefusals {
  /** Bucket key → when its window ends (ms), in the order they were learnt. */
  private readonly until = new Map<string, number>();

  remember(key: string, untilMs: number): void {
    this.until.delete(key);
    if (this.until.size >= MAX_ENTRIES) this.until.delete(this.until.keys().next().value as string);
    this.until.set(key, untilMs);
  }

  /** Milliseconds until the refusal of `key` ends; 0 when it is not refused. */
  remainingMs(key: string, now: number): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.until.delete(key);
    return 0;
  }
}
