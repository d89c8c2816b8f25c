// Throttling of login guesses (docs/login-protocol.md §8). Every login Get Challenge is a guess —
// the client learns the outcome from KE2 alone — so it is counted there, for the username and for
// the client address; a successful Authenticate takes the count back. Past the tenant's limits a
// caller first waits (growing delays), then is blocked; blocks land in the blocker lists.
//
// Two checks, and the second decides. The login's first statement reads the state, and a guess
// that it already refuses costs no cryptographic work and writes nothing (`admitGuess`). A guess
// it lets through is decided by the statement that counts it (`countGuess`): each counter is
// raised by one upsert that applies the limit to the row it has locked, so guesses arriving
// together, at any number of instances, are decided one after another against the latest count.
// The challenge is stored, and KE2 released, only for a guess that both counters admitted.
//
// The rules are plain functions; the statements that apply them are CTEs the login folds into its
// own statements (persistence/login-throttle-counts.ts, repositories/login-repository.ts), so that
// throttling adds no round trip of its own to a login.
import { Code, DomainError } from "../../errors/domain-error.js";
import type { BlockConfig } from "../../persistence/entities/tenant.js";
import type { ThrottleState } from "../../persistence/login-throttle-state.js";
import { type CountedGuess, delaySeconds } from "../../persistence/login-throttle-counts.js";

// What it reads and counts of a guess are persistence's statements (login-throttle-state.ts,
// login-throttle-counts.ts); their row types are re-exported for the other factors' rules.
export type { CountedGuess, ThrottleState };

export function tooManyAttempts(message: string, retryAfterSeconds?: number): DomainError {
  return new DomainError(Code.ResourceExhausted, retryAfterSeconds ? "SLOW_DOWN" : "BLOCKED", message, {
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
}

const blocked = () => tooManyAttempts("Too many failed attempts: this account or address is blocked. Try later or ask an administrator.");

const timeOf = (value: Date | string | number) => new Date(value).getTime();

const slowDown = (retryAfterSeconds: number) => tooManyAttempts("Too many failed attempts: wait before trying again.", retryAfterSeconds);

/** The refusal of a username that has to wait (the delay after its last failure has not passed). */
function delayRefusal(failures: number, lastFailureAt: Date | string | number, config: BlockConfig, now: number): DomainError | undefined {
  const waitMs = timeOf(lastFailureAt) + delaySeconds(failures, config) * 1000 - now;
  return waitMs > 0 ? slowDown(Math.ceil(waitMs / 1000)) : undefined;
}

/**
 * The first check, on the state read before any work: throws ResourceExhausted (429) for a guess
 * that is certainly refused; a guess it lets through is decided by `countGuess`. Returns whether
 * a block of the username or the address has ended: then it must be lifted (`liftEndedBlocks`)
 * first, and the count that led to it no longer applies.
 */
export function admitGuess(state: ThrottleState, config: BlockConfig, now: number): { endedBlock: boolean } {
  if (isActive(state.user_blocked, state.user_blocked_until, now) || isActive(state.ip_blocked, state.ip_blocked_until, now))
    throw blocked();
  if (!state.user_blocked && state.user_failures !== null && state.user_last_failure_at !== null) {
    const refusal = delayRefusal(state.user_failures, state.user_last_failure_at, config, now);
    if (refusal) throw refusal;
  }
  return { endedBlock: state.user_blocked || state.ip_blocked };
}

/** Whether a block is in force at `now` (one without an end lasts until an administrator lifts it). */
function isActive(isBlocked: boolean, until: Date | string | null, now: number): boolean {
  return isBlocked && (until === null || timeOf(until) > now);
}

/** The 429 for a guess that the counting statement refused; undefined when it was admitted. */
export function guessRefusal(counted: CountedGuess, config: BlockConfig, now: number): DomainError | undefined {
  if (counted.ip_admitted && counted.user_admitted) return undefined;
  const failures = counted.user_failures ?? 0;
  if (!counted.ip_admitted || failures >= config.user_block_after) return blocked();
  // When the database's clock found the delay not over and this one finds it over: a second.
  return delayRefusal(failures, counted.user_last_failure_at ?? now, config, now) ?? slowDown(1);
}
