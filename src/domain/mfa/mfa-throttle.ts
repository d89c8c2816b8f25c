// MFA answers count in the login throttle (domain/login/login-throttle.ts): each passkey answer is
// a guess of the user (by normalized username) and of the address, under the tenant's block
// settings, and a success takes it back, as a successful login does. A blocked user or address
// cannot pass the form, so that the form is no way around the login's limits. Decisions compare
// with the database's clock (the counters' timestamps are its now()).
import type { DomainError } from "../../errors/domain-error.js";
import type { MfaThrottleRepository } from "../../persistence/repositories/mfa-throttle-repository.js";
import { admitGuess, guessRefusal } from "../login/login-throttle.js";

export interface MfaGuess {
  readonly username: string;
  readonly ip: string;
}

/** Counts an answer before it is checked; the refusal (a 429-kind DomainError) when the user or address may not try now. */
export async function countMfaGuess(throttle: MfaThrottleRepository, { username, ip }: MfaGuess): Promise<DomainError | undefined> {
  const state = await throttle.state(username, ip);
  if (!state) return undefined;
  try {
    if (admitGuess(state, state.block_config, Date.now()).endedBlock) await throttle.liftEndedBlocks(username, ip);
  } catch (refusal) {
    return refusal as DomainError;
  }
  const counted = await throttle.count(username, ip, state.block_config);
  return counted && guessRefusal(counted, state.block_config, Date.now());
}

/** Takes a successful answer's guess back. */
export function forgetMfaGuess(throttle: MfaThrottleRepository, { username, ip }: MfaGuess): Promise<void> {
  return throttle.forget(username, ip);
}
