// Login, steps 1 and 2 (docs/login-protocol.md §7) on the server: KE1 → KE2 with the user's
// record (or a fake one for unknown users), then KE3 → a single-use nonce for Sign In.
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { poolWebCryptoRandom } from "../../crypto/pooled-web-random.js";
import { open, seal } from "../../crypto/secret-box.js";
import type { BlockConfig } from "../../persistence/entities/tenant.js";
import type {
  CompletedLoginWrite,
  GuessToCount,
  LoginRepository,
  LoginStore,
  ConsumedLoginChallenge,
  LoginTarget,
  StoredCredential,
} from "../../persistence/repositories/login-repository.js";
import type { GuardedWrite } from "../../persistence/repositories/passkey-repository.js";
import { encodeChallengeData, parseCipherKey, WireFormatError } from "../../sdk/challenge-data.js";
import { normalizeUsername } from "../../sdk/identity-normalization.js";
import { PROTO_VERSION_DEFAULT } from "../../sdk/proto-version.js";
import type { AuthEventRecorder } from "./auth-events.js";
import { type BiometricResult, type BiometricResults, berReferenceOf } from "./biometric-results.js";
import { isUnexpired } from "./challenges.js";
import { openRecord } from "./credentials.js";
import { knowledgeAmrOf } from "./factors.js";
import { faceResultUnknown, invalidCredentials, invalidField } from "./login-errors.js";
import { type LoginScope, loginTargetOf, resolveLoginScope, scopeOfTarget, targetNotFound, targetOf } from "./login-scope.js";
import { admitGuess, type CountedGuess, guessRefusal } from "./login-throttle.js";
import type { OpaqueSetups } from "./opaque-setups.js";
import { type HeldLogin, type PendingLogin, PendingLogins } from "./pending-logins.js";
import { issueSecret, randomId } from "./single-use-secrets.js";

export const LOGIN_CHALLENGE_TTL_SECONDS = 120;
export const NONCE_TTL_SECONDS = 300;

/** Who is calling, for throttling and the audit trail. */
export interface CallerInfo {
  readonly ip: string;
  readonly userAgent: string;
}

export interface LoginDeps {
  /** Its statements (persistence/repositories/login-repository.ts), outside the request's unit of work. */
  readonly logins: LoginStore;
  readonly keyring: Keyring;
  readonly setups: OpaqueSetups;
  readonly events: AuthEventRecorder;
  readonly issuerOf: (tenantId: string) => string;
  /** The results Authenticate's `ber` may reference (the face step's); without it, any reference is refused. */
  readonly biometrics?: BiometricResults;
}

export function opaqueIdentifiersFor(issuer: string, tenantId: string, normalizedUsername: string) {
  return { client: `${tenantId}:${normalizedUsername}`, server: issuer };
}

// The one-shot `hash` makes no Hash object (KE1 is hashed by both login steps).
const sha256 = (text: string) => hash("sha256", text, "buffer");
const stateAad = (challengeId: string) => `login-state:${challengeId}`;

/** What Authenticate checks a challenge against, wherever it was read from. */
type ChallengeFacts = Pick<PendingLogin, "usernameNormalized" | "userId" | "authReqId">;

interface AuthenticateInput {
  username: string;
  cipherKey: string;
  challengeId: string;
  ke3: string;
  /** BERForm: a biometric result of this login to bind to it (biometric-results.ts). */
  ber?: Record<string, unknown> | null;
  logData?: Record<string, unknown> | null;
}

export interface LoginResult {
  nonce: string;
  needVerify: boolean;
  userId: string;
}

/** A finished Authenticate, and the tenant and client its first statement found. */
interface Finished {
  readonly scope: LoginScope;
  readonly result: LoginResult;
}

/**
 * One Authenticate call, as both ways of finishing it see it. Its tenant and client (`LoginScope`)
 * are known once the first statement has answered (or the look-up that a `ber` needs, before it).
 */
interface Attempt {
  readonly target: LoginTarget;
  readonly input: AuthenticateInput;
  readonly caller: CallerInfo;
  readonly normalizedUsername: string;
  /** The result `ber` referenced, already used (single use): checked against the user once the secret is proven. */
  biometric: BiometricResult | undefined;
}

/** What a successful login writes, in its tenant (the other first factors complete a login with it too). */
export type LoginSuccess = CompletedLoginWrite & { readonly tenantId: string };

export class OpaqueLogin {
  private readonly pending = new PendingLogins();

  constructor(private readonly deps: LoginDeps) {
    // The wasm's random bytes (KE2's nonces and keys) from the pool: no randomFillSync per draw.
    poolWebCryptoRandom();
  }

  private repositoryOf(tenantId: string): LoginRepository {
    return this.deps.logins.tenant(tenantId);
  }

  /**
   * Which tenant and authorization request a step of another factor is for (login-scope.ts): one
   * statement with `auth_req_id`. The PIN/pattern login's steps take the `loginTargetOf` a request
   * instead, and read its tenant with their first statement.
   */
  scopeOf(input: { authReqId?: string; tenantId?: string }, defaultTenant: string): Promise<LoginScope> {
    return resolveLoginScope(this.deps.logins, loginTargetOf(input, defaultTenant));
  }

  /**
   * Step 1: KE1 → KE2. Counted as one guess; the answer does not reveal whether the user exists.
   * `given`: the request's target (`loginTargetOf`), or a scope resolved already (login-scope.ts).
   * An unknown tenant, or an authorization request that is unknown or has expired, is refused by
   * the first statement, with nothing written.
   */
  async challenge(
    given: LoginTarget | LoginScope,
    username: string,
    cipherKey: string,
    caller: CallerInfo,
  ): Promise<{ challengeData: string; protoVersion: string }> {
    const target = targetOf(given);
    const normalized = normalizeUsername(username);
    const state = await this.deps.logins.target(target).guessState(normalized, caller.ip);
    if (!state) throw targetNotFound(target);
    const scope = scopeOfTarget(target, state.scope);
    const { tenantId } = scope;
    const logins = this.repositoryOf(tenantId);
    const ke1 = loginMessageOf(cipherKey);
    const now = Date.now();
    let endedBlock: boolean;
    try {
      ({ endedBlock } = admitGuess(state.throttle, state.blockConfig, now));
    } catch (error) {
      this.recordThrottled(scope, normalized, caller);
      throw error;
    }
    if (endedBlock) await logins.liftEndedBlocks(normalized, caller.ip);
    const guess: GuessToCount = { config: state.blockConfig, username: normalized, ip: caller.ip };

    const serverSetup = this.deps.setups.loaded(tenantId) ?? (await this.deps.setups.forTenant(tenantId));
    // An enabled user with a credential; anyone else gets a fake record below.
    const user = signInable(state.user);
    let started: { serverLoginState: string; loginResponse: string };
    try {
      started = opaque.server.startLogin({
        serverSetup,
        startLoginRequest: ke1,
        // An unknown user gets a fake record, with an identifier that is stable per username so
        // that repeated challenges look exactly like a real user's.
        registrationRecord: user ? openRecord(this.deps.keyring, tenantId, user.id, user.credential.recordSealed) : null,
        userIdentifier: user ? user.credential.credentialId : fakeCredentialId(serverSetup, tenantId, normalized),
        identifiers: opaqueIdentifiersFor(this.deps.issuerOf(tenantId), tenantId, normalized),
      });
    } catch {
      // A guess all the same: counted if admitted, and refused like any other if not.
      this.throwIfRefused(await logins.countGuess(guess), state.blockConfig, scope, normalized, caller);
      throw invalidField(["cipherKey"], "cipherKey does not hold a valid OPAQUE KE1");
    }
    const challengeId = randomId();
    const protoVersion = user ? user.credential.protoVersion : PROTO_VERSION_DEFAULT;
    const ke1Hash = sha256(cipherKey);
    this.throwIfRefused(
      await logins.countGuessAndStoreChallenge(guess, {
        id: challengeId,
        purpose: "login",
        username_normalized: normalized,
        user_id: user ? user.id : null,
        ke1_hash: ke1Hash,
        server_state_sealed: seal(this.deps.keyring, Buffer.from(started.serverLoginState, "utf8"), stateAad(challengeId)),
        credential_id: null,
        auth_req_id: scope.authReqId,
        proto_version: protoVersion,
        ttlSeconds: LOGIN_CHALLENGE_TTL_SECONDS,
      }),
      state.blockConfig,
      scope,
      normalized,
      caller,
    );
    // Every challenge, an unknown user's too: Authenticate then takes the same path for both.
    this.pending.remember(tenantId, challengeId, {
      usernameNormalized: normalized,
      userId: user ? user.id : null,
      cipherKey,
      authReqId: scope.authReqId,
      serverLoginState: started.serverLoginState,
      loginOrder: state.loginOrder,
      hasUsernameAndEmail: state.hasUsernameAndEmail,
      expiresAt: now + LOGIN_CHALLENGE_TTL_SECONDS * 1000,
    });
    this.deps.events.record({
      tenantId,
      kind: "challenge",
      outcome: "success",
      reason: "challenge_issued",
      username: normalized,
      userId: user ? user.id : null,
      ip: caller.ip,
      userAgent: caller.userAgent,
      clientId: scope.clientId,
    });
    return {
      challengeData: encodeChallengeData({ v: 1, kind: "login", challenge_id: challengeId, login_response: started.loginResponse }),
      protoVersion,
    };
  }

  // Methods rather than closures made per call: a login makes no function objects of its own.

  /** Records a Get Challenge refused by the throttle. */
  private recordThrottled(scope: LoginScope, normalized: string, caller: CallerInfo): void {
    this.deps.events.record({
      tenantId: scope.tenantId,
      kind: "challenge",
      outcome: "failure",
      reason: "throttled",
      username: normalized,
      ip: caller.ip,
      userAgent: caller.userAgent,
      clientId: scope.clientId,
    });
  }

  /** Throws the 429 (recorded) when the counting statement refused the guess (a parallel one took its place). */
  private throwIfRefused(counted: CountedGuess, config: BlockConfig, scope: LoginScope, normalized: string, caller: CallerInfo): void {
    const refusal = guessRefusal(counted, config, Date.now());
    if (!refusal) return;
    this.recordThrottled(scope, normalized, caller);
    throw refusal;
  }

  /**
   * Step 2: KE3 → a single-use nonce bound to tenant, user and authorization request. Its first
   * statement consumes the challenge in the target's tenant: an unknown tenant, or an
   * authorization request that is unknown or has expired since Get Challenge, is refused there,
   * with nothing written and the challenge left as it was.
   */
  async authenticate(given: LoginTarget | LoginScope, input: AuthenticateInput, caller: CallerInfo): Promise<LoginResult> {
    const target = targetOf(given);
    let reference: string | undefined;
    try {
      loginMessageOf(input.cipherKey);
      reference = berReferenceOf(input.ber);
    } catch (error) {
      // Checked before the challenge is consumed, so that a malformed request does not burn it;
      // an unknown tenant or authorization request is still named first.
      if (!(await this.deps.logins.target(target).scope())) throw targetNotFound(target);
      throw error;
    }
    const normalized = normalizeUsername(input.username);
    const attempt: Attempt = { target, input, caller, normalizedUsername: normalized, biometric: undefined };
    // A `ber` reference is used before the login's challenge, in the login's tenant (so with
    // `auth_req_id` the request is looked up first, a statement of its own): one that is not this
    // login's (unknown, used, expired, another login's) is refused with nothing changed.
    if (reference !== undefined) {
      const scope = await resolveLoginScope(this.deps.logins, target);
      attempt.biometric = await this.deps.biometrics?.use(scope.tenantId, reference, input.challengeId);
      if (!attempt.biometric) {
        this.recordAuthenticate(attempt, scope, "failure", "unknown_face_result", null);
        throw faceResultUnknown();
      }
    }
    const held = this.pending.take(target, input.challengeId);
    const { scope, result } = held ? await this.finishPending(attempt, held) : await this.finishStored(attempt);
    this.recordAuthenticate(attempt, scope, "success", "authenticated", result.userId);
    return result;
  }

  /** Records an Authenticate's outcome, in the tenant (and with the client) its first statement found. */
  private recordAuthenticate(
    attempt: Attempt,
    scope: LoginScope,
    outcome: "success" | "failure",
    reason: string,
    userId: string | null,
  ): void {
    const { caller } = attempt;
    this.deps.events.record({
      tenantId: scope.tenantId,
      kind: "authenticate",
      outcome,
      reason,
      username: attempt.normalizedUsername,
      userId,
      ip: caller.ip,
      userAgent: caller.userAgent,
      clientId: scope.clientId,
      logData: attempt.input.logData ?? null,
    });
  }

  /** Records the failed attempt and returns the error to throw. */
  private fail(attempt: Attempt, scope: LoginScope, reason: string, userId: string | null = null): Error {
    this.recordAuthenticate(attempt, scope, "failure", reason, userId);
    return invalidCredentials();
  }

  /** Records the refusal of the `ber` result and returns the error to throw. */
  private refuseBiometric(attempt: Attempt, scope: LoginScope, refusal: BiometricRefusal, userId: string): Error {
    this.recordAuthenticate(attempt, scope, "failure", refusal.reason, userId);
    return refusal.error;
  }

  /**
   * Authenticate's first statement when it only consumes the challenge, in the target's tenant:
   * what it consumed, and the scope; the target's error when it names no tenant.
   */
  private async consume(attempt: Attempt): Promise<{ scope: LoginScope; consumed: ConsumedLoginChallenge }> {
    const consumed = await this.deps.logins.target(attempt.target).consumeLoginChallenge(attempt.input.challengeId);
    if (!consumed) throw targetNotFound(attempt.target);
    return { scope: scopeOfTarget(attempt.target, consumed.scope), consumed };
  }

  /** A challenge this instance issued: checks and KE3 first, then consume and complete in one statement. */
  private async finishPending(attempt: Attempt, held: HeldLogin): Promise<Finished> {
    const { target, input } = attempt;
    const pending = held.login;
    // KE1 is the client's public message, held here as it was presented: compared as it is (the
    // stored challenge keeps only its hash). No timing to learn from: the challenge id is
    // unguessable and the challenge is spent by this attempt whatever its outcome.
    const checked = checkChallenge(pending, pending.cipherKey === input.cipherKey, attempt);
    const refused =
      "refused" in checked
        ? checked.refused
        : this.ke3Accepted(held.tenantId, attempt, pending.serverLoginState)
          ? undefined
          : "wrong_secret";
    if (refused !== undefined || "refused" in checked) {
      // Single use whatever the outcome; and the database may know better (consumed elsewhere, expired).
      const { scope, consumed } = await this.consume(attempt);
      if (!consumed.challenge || !isUnexpired(consumed.challenge)) throw this.fail(attempt, scope, "unknown_or_expired_challenge");
      throw this.fail(attempt, scope, refused ?? "unknown_user", refused === "wrong_secret" ? pending.userId : null);
    }
    const { userId } = checked;
    const biometric = biometricRefusal(attempt, userId);
    if (biometric) {
      // The login's challenge is single use whatever the outcome.
      const { scope } = await this.consume(attempt);
      throw this.refuseBiometric(attempt, scope, biometric, userId);
    }
    const nonce = issueSecret();
    const write = loginWrite(attempt, userId, pending.authReqId, pending.loginOrder, nonce.hash);
    const done = await this.deps.logins.target(target).consumeAndCompleteLogin(write, input.challengeId);
    if (!done) throw targetNotFound(target);
    const scope = scopeOfTarget(target, done.scope);
    if (!done.consumed) throw this.fail(attempt, scope, "unknown_or_expired_challenge");
    if (!done.user) throw this.fail(attempt, scope, "disabled", userId);
    const needVerify = pending.hasUsernameAndEmail && done.user.email !== null && !done.user.isVerified;
    return { scope, result: { nonce: nonce.value, needVerify, userId } };
  }

  /** Any other challenge (issued by another instance, or no longer held here): consume, check, complete. */
  private async finishStored(attempt: Attempt): Promise<Finished> {
    const { input } = attempt;
    const { scope, consumed } = await this.consume(attempt);
    const challenge = consumed.challenge && isUnexpired(consumed.challenge) ? consumed.challenge : undefined;
    if (challenge?.purpose !== "login" || challenge.server_state_sealed === null) {
      throw this.fail(attempt, scope, "unknown_or_expired_challenge");
    }
    const facts: ChallengeFacts = {
      usernameNormalized: challenge.username_normalized,
      userId: challenge.user_id,
      authReqId: challenge.auth_req_id ?? null,
    };
    const presented = sha256(input.cipherKey);
    const stored = challenge.ke1_hash;
    const sameKe1 = stored !== null && stored.length === presented.length && timingSafeEqual(stored, presented);
    const checked = checkChallenge(facts, sameKe1, attempt);
    if ("refused" in checked) throw this.fail(attempt, scope, checked.refused);
    const { userId } = checked;
    const serverLoginState = open(this.deps.keyring, challenge.server_state_sealed, stateAad(challenge.id)).toString("utf8");
    if (!this.ke3Accepted(scope.tenantId, attempt, serverLoginState)) throw this.fail(attempt, scope, "wrong_secret", userId);
    const biometric = biometricRefusal(attempt, userId);
    if (biometric) throw this.refuseBiometric(attempt, scope, biometric, userId);

    const nonce = issueSecret();
    const write = loginWrite(attempt, userId, facts.authReqId, consumed.loginOrder, nonce.hash);
    const user = await this.repositoryOf(scope.tenantId).completeLogin(write);
    if (!user) throw this.fail(attempt, scope, "disabled", userId);
    const needVerify = consumed.hasUsernameAndEmail && user.email !== null && !user.isVerified;
    return { scope, result: { nonce: nonce.value, needVerify, userId } };
  }

  // Shared with the other first factors (passkeys, domain/passkeys/): the same throttle of
  // guesses per username and address, and the same single-use nonce for Sign In.

  /** Lifts the ended blocks of a username and an address (`admitGuess` said one has ended), before another factor's attempt. */
  async liftEndedBlocks(tenantId: string, usernameNormalized: string, ip: string): Promise<void> {
    await this.repositoryOf(tenantId).liftEndedBlocks(usernameNormalized, ip);
  }

  /** Counts a failed attempt of another factor as a guess (and blocks at the limit, as for a wrong secret). */
  async countFailedAttempt(tenantId: string, config: BlockConfig, usernameNormalized: string, ip: string): Promise<void> {
    await this.repositoryOf(tenantId).countGuess({ config, username: usernameNormalized, ip });
  }

  /**
   * Completes a login that another factor verified, in one statement with that factor's own write
   * (`step`, e.g. a passkey's counter): only if the write went through, forgets the user's guesses
   * and stores a nonce with the factor's `amr` for Sign In, as Authenticate does. `user` is
   * undefined when the user no longer exists or is disabled (then nothing was written).
   */
  async completeWithFactor(
    success: Omit<LoginSuccess, "nonceHash" | "nonceTtlSeconds">,
    step: GuardedWrite,
  ): Promise<{ recorded: boolean; user?: { nonce: string; email: string | null; isVerified: boolean } }> {
    const nonce = issueSecret();
    const { tenantId, ...write } = success;
    const done = await this.repositoryOf(tenantId).completeLoginAfter(
      { ...write, nonceHash: nonce.hash, nonceTtlSeconds: NONCE_TTL_SECONDS },
      step,
    );
    if (!done.recorded) return { recorded: false };
    if (!done.user) return { recorded: true };
    return { recorded: true, user: { nonce: nonce.value, email: done.user.email, isVerified: done.user.isVerified } };
  }

  /** Whether KE3 finishes the login state, with the identifiers of `tenantId` (the challenge's). */
  private ke3Accepted(tenantId: string, attempt: Attempt, serverLoginState: string): boolean {
    try {
      opaque.server.finishLogin({
        serverLoginState,
        finishLoginRequest: attempt.input.ke3,
        identifiers: opaqueIdentifiersFor(this.deps.issuerOf(tenantId), tenantId, attempt.normalizedUsername),
      });
      return true;
    } catch {
      return false;
    }
  }
}

/** Why a used `ber` result refuses the login, with the error to answer (recorded by the caller). */
interface BiometricRefusal {
  readonly reason: string;
  readonly error: Error;
}

/**
 * Once the secret is proven: why the `ber` result refuses this login (not the user's, or a face
 * that did not match theirs); undefined without a result or when it counts.
 */
function biometricRefusal(attempt: Attempt, userId: string): BiometricRefusal | undefined {
  const { biometric } = attempt;
  if (!biometric) return undefined;
  if (biometric.userId !== userId) return { reason: "foreign_face_result", error: faceResultUnknown() };
  if (!("refused" in biometric)) return undefined;
  return { reason: "face_result_refused", error: biometric.refused };
}

/** What a successful Authenticate writes (persistence/repositories/login-repository.ts), in the tenant its statement names. */
function loginWrite(
  attempt: Attempt,
  userId: string,
  authReqId: string | null,
  loginOrder: readonly string[],
  nonceHash: Buffer,
): CompletedLoginWrite {
  return {
    userId,
    username: attempt.normalizedUsername,
    ip: attempt.caller.ip,
    nonceHash,
    authReqId,
    // What a `ber` result proved joins the PIN/pattern in the same nonce (Sign In's amr, mfa).
    amr: [...knowledgeAmrOf(loginOrder), ...(attempt.biometric && "amr" in attempt.biometric ? attempt.biometric.amr : [])],
    nonceTtlSeconds: NONCE_TTL_SECONDS,
  };
}

/**
 * Why a challenge cannot finish this login (the first reason, in the order checked), or the user it
 * is for. `sameKe1`: whether the Authenticate presents the KE1 the challenge was issued for.
 */
function checkChallenge(challenge: ChallengeFacts, sameKe1: boolean, attempt: Attempt): { refused: string } | { userId: string } {
  if (challenge.usernameNormalized !== attempt.normalizedUsername) return { refused: "username_mismatch" };
  if (!sameKe1) return { refused: "ke1_mismatch" };
  if (challenge.authReqId !== attempt.target.authReqId) return { refused: "auth_request_mismatch" };
  if (!challenge.userId) return { refused: "unknown_user" };
  return { userId: challenge.userId };
}

/** The user a login can go on with: one that is enabled and has a credential. */
function signInable(
  user: { readonly id: string; readonly isDisabled: boolean; readonly credential: StoredCredential | undefined } | undefined,
): { readonly id: string; readonly credential: StoredCredential } | undefined {
  return user && !user.isDisabled && user.credential ? { id: user.id, credential: user.credential } : undefined;
}

function loginMessageOf(cipherKey: string): string {
  try {
    const parsed = parseCipherKey(cipherKey);
    if (parsed.kind !== "login") throw new WireFormatError('a login needs a "login:" cipherKey');
    return parsed.message;
  } catch (error) {
    throw invalidField(["cipherKey"], error instanceof Error ? error.message : "invalid cipherKey");
  }
}

/** A credential identifier for a username that has no credential: stable, and unpredictable without the setup. */
function fakeCredentialId(serverSetup: string, tenantId: string, normalizedUsername: string): string {
  return createHmac("sha256", serverSetup).update(`fake-credential:${tenantId}:${normalizedUsername}`).digest("base64url");
}
