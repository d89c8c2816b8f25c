// Login, steps 1 and 2 (docs/login-protocol.md §7) on the server: KE1 → KE2 with the user's
// record (or a fake one for unknown users), then KE3 → a single-use nonce for Sign In.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import * as opaque from "@serenity-kit/opaque";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import type { PlainSql } from "../../persistence/plain-sql.js";
import { encodeChallengeData, parseCipherKey, WireFormatError } from "../../sdk/challenge-data.js";
import { PROTO_VERSION_DEFAULT } from "../../sdk/proto-version.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { normalizeUsername } from "../users/identity-normalization.js";
import type { AuthEventRecorder } from "./auth-events.js";
import { isUnexpired } from "./challenges.js";
import { openRecord } from "./credentials.js";
import { invalidCredentials, invalidField } from "./login-errors.js";
import { type LoginScope, resolveLoginScope } from "./login-scope.js";
import {
  type CompletedLoginRow,
  type ConsumedAndCompletedRow,
  type ConsumedChallengeRow,
  completeLogin,
  consumeAndCompleteLogin,
  consumeLoginChallenge,
  countGuessAndStoreChallenge,
  countGuessOnly,
  type Guess,
  type LoginSuccess,
  type GuessStateRow,
  guessState,
  tenantExists,
} from "./login-statements.js";
import { admitGuess, liftExpiredUserBlock } from "./login-throttle.js";
import type { OpaqueSetups } from "./opaque-setups.js";
import { type PendingLogin, PendingLogins } from "./pending-logins.js";
import { issueSecret, randomId } from "./single-use-secrets.js";

export const LOGIN_CHALLENGE_TTL_SECONDS = 120;
export const NONCE_TTL_SECONDS = 300;

/** Who is calling, for throttling and the audit trail. */
export interface CallerInfo {
  readonly ip: string;
  readonly userAgent: string;
}

export interface LoginDeps {
  readonly orm: MikroORM;
  /** Its statements (login-statements.ts), outside the request's EntityManager. */
  readonly sql: PlainSql;
  readonly keyring: Keyring;
  readonly setups: OpaqueSetups;
  readonly events: AuthEventRecorder;
  readonly issuerOf: (tenantId: string) => string;
}

export function opaqueIdentifiersFor(issuer: string, tenantId: string, normalizedUsername: string) {
  return { client: `${tenantId}:${normalizedUsername}`, server: issuer };
}

/** OIDC `amr` values for the tenant's factors (its `login_order`). */
export function amrOf(loginOrder: readonly string[]): string[] {
  return loginOrder.map((factor) => (factor === "PIN" ? "pin" : "pattern"));
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();
const stateAad = (challengeId: string) => `login-state:${challengeId}`;

/** What Authenticate checks a challenge against, wherever it was read from. */
type ChallengeFacts = Pick<PendingLogin, "usernameNormalized" | "userId" | "ke1Hash" | "authReqId">;

interface AuthenticateInput {
  username: string;
  cipherKey: string;
  challengeId: string;
  ke3: string;
  logData?: Record<string, unknown> | null;
}

export interface LoginResult {
  nonce: string;
  needVerify: boolean;
  userId: string;
}

/** One Authenticate call, as both ways of finishing it see it. */
interface Attempt {
  readonly scope: LoginScope;
  readonly input: AuthenticateInput;
  readonly caller: CallerInfo;
  readonly normalizedUsername: string;
  /** Records the failed attempt and returns the error to throw. */
  readonly fail: (reason: string, userId?: string | null) => Error;
}

export class OpaqueLogin {
  private readonly db: PlainSql;
  private readonly pending = new PendingLogins();

  constructor(private readonly deps: LoginDeps) {
    this.db = deps.sql;
  }

  /** Which tenant and authorization request a login step is for (login-scope.ts). */
  scopeOf(input: { authReqId?: string; tenantId?: string }, defaultTenant: string): Promise<LoginScope> {
    return resolveLoginScope(this.db, input, defaultTenant);
  }

  /** Step 1: KE1 → KE2. Counted as one guess; the answer does not reveal whether the user exists. */
  async challenge(
    scope: LoginScope,
    username: string,
    cipherKey: string,
    caller: CallerInfo,
  ): Promise<{ challengeData: string; protoVersion: string }> {
    const { tenantId } = scope;
    const normalized = normalizeUsername(username);
    const [state] = await this.db.rows<GuessStateRow>(guessState(tenantId, normalized, caller.ip));
    if (!state) throw tenantNotFound(tenantId);
    const ke1 = loginMessageOf(cipherKey);
    const event = { tenantId, kind: "challenge" as const, username: normalized, ...caller, clientId: scope.clientId };
    const now = Date.now();
    let expiredUserBlock: boolean;
    try {
      ({ expiredUserBlock } = admitGuess(state, state.block_config, now));
    } catch (error) {
      this.deps.events.record({ ...event, outcome: "failure", reason: "throttled" });
      throw error;
    }
    if (expiredUserBlock) await this.db.rows(liftExpiredUserBlock(tenantId, normalized));
    const guess: Guess = { tenantId, config: state.block_config, username: normalized, ip: caller.ip };

    const serverSetup = await this.deps.setups.forTenant(this.deps.orm.em, tenantId);
    const user = state.user_id && !state.is_disabled && state.credential_id && state.record_sealed ? state : undefined;
    let started: { serverLoginState: string; loginResponse: string };
    try {
      started = opaque.server.startLogin({
        serverSetup,
        startLoginRequest: ke1,
        // An unknown user gets a fake record, with an identifier that is stable per username so
        // that repeated challenges look exactly like a real user's.
        registrationRecord: user ? openRecord(this.deps.keyring, tenantId, user.user_id as string, user.record_sealed as Buffer) : null,
        userIdentifier: user ? (user.credential_id as string) : fakeCredentialId(serverSetup, tenantId, normalized),
        identifiers: opaqueIdentifiersFor(this.deps.issuerOf(tenantId), tenantId, normalized),
      });
    } catch {
      // Admitted, so counted, even though no challenge is issued.
      await this.db.rows(countGuessOnly(guess));
      throw invalidField(["cipherKey"], "cipherKey does not hold a valid OPAQUE KE1");
    }
    const challengeId = randomId();
    const protoVersion = user ? (user.proto_version as string) : PROTO_VERSION_DEFAULT;
    const ke1Hash = sha256(cipherKey);
    await this.db.rows(
      countGuessAndStoreChallenge(guess, {
        id: challengeId,
        tenant_id: tenantId,
        purpose: "login",
        username_normalized: normalized,
        user_id: user ? user.user_id : null,
        ke1_hash: ke1Hash,
        server_state_sealed: seal(this.deps.keyring, Buffer.from(started.serverLoginState, "utf8"), stateAad(challengeId)),
        credential_id: null,
        auth_req_id: scope.authReqId,
        proto_version: protoVersion,
        ttlSeconds: LOGIN_CHALLENGE_TTL_SECONDS,
      }),
    );
    // Every challenge, an unknown user's too: Authenticate then takes the same path for both.
    this.pending.remember(tenantId, challengeId, {
      usernameNormalized: normalized,
      userId: user ? user.user_id : null,
      ke1Hash,
      authReqId: scope.authReqId,
      serverLoginState: started.serverLoginState,
      loginOrder: state.login_order,
      hasUsernameAndEmail: state.has_username_and_email,
      expiresAt: now + LOGIN_CHALLENGE_TTL_SECONDS * 1000,
    });
    this.deps.events.record({ ...event, outcome: "success", reason: "challenge_issued", userId: user ? user.user_id : null });
    return {
      challengeData: encodeChallengeData({ v: 1, kind: "login", challenge_id: challengeId, login_response: started.loginResponse }),
      protoVersion,
    };
  }

  /** Step 2: KE3 → a single-use nonce bound to tenant, user and authorization request. */
  async authenticate(scope: LoginScope, input: AuthenticateInput, caller: CallerInfo): Promise<LoginResult> {
    const { tenantId } = scope;
    try {
      loginMessageOf(input.cipherKey);
    } catch (error) {
      // Checked before the challenge is consumed, so that a malformed request does not burn it;
      // an unknown tenant is still named first.
      if ((await this.db.rows(tenantExists(tenantId))).length === 0) throw tenantNotFound(tenantId);
      throw error;
    }
    const normalized = normalizeUsername(input.username);
    const event = {
      tenantId,
      kind: "authenticate" as const,
      username: normalized,
      ...caller,
      clientId: scope.clientId,
      logData: input.logData ?? null,
    };
    const fail = (reason: string, userId: string | null = null) => {
      this.deps.events.record({ ...event, outcome: "failure", reason, userId });
      return invalidCredentials();
    };
    const attempt: Attempt = { scope, input, caller, normalizedUsername: normalized, fail };
    const pending = this.pending.take(tenantId, input.challengeId);
    const result = pending ? await this.finishPending(attempt, pending) : await this.finishStored(attempt);
    this.deps.events.record({ ...event, outcome: "success", reason: "authenticated", userId: result.userId });
    return result;
  }

  /** A challenge this instance issued: checks and KE3 first, then consume and complete in one statement. */
  private async finishPending(attempt: Attempt, pending: PendingLogin): Promise<LoginResult> {
    const { scope, input, fail } = attempt;
    const refused = refusal(pending, attempt) ?? (this.ke3Accepted(attempt, pending.serverLoginState) ? undefined : "wrong_secret");
    if (refused) {
      // Single use whatever the outcome; and the database may know better (consumed elsewhere, expired).
      const [row] = await this.db.rows<ConsumedChallengeRow>(consumeLoginChallenge(scope.tenantId, input.challengeId));
      if (!row) throw tenantNotFound(scope.tenantId);
      if (row.id === null || !isUnexpired(row)) throw fail("unknown_or_expired_challenge");
      throw fail(refused, refused === "wrong_secret" ? pending.userId : null);
    }
    const userId = pending.userId as string;
    const nonce = issueSecret();
    const success = loginSuccess(attempt, userId, pending.authReqId, pending.loginOrder, nonce.hash);
    const [done] = await this.db.rows<ConsumedAndCompletedRow>(consumeAndCompleteLogin(success, input.challengeId));
    if (!done?.consumed) throw fail("unknown_or_expired_challenge");
    if (done.is_verified === null) throw fail("disabled", userId);
    return { nonce: nonce.value, needVerify: pending.hasUsernameAndEmail && done.email !== null && !done.is_verified, userId };
  }

  /** Any other challenge (issued by another instance, or no longer held here): consume, check, complete. */
  private async finishStored(attempt: Attempt): Promise<LoginResult> {
    const { scope, input, fail } = attempt;
    const [row] = await this.db.rows<ConsumedChallengeRow>(consumeLoginChallenge(scope.tenantId, input.challengeId));
    if (!row) throw tenantNotFound(scope.tenantId);
    const challenge = row.id !== null && isUnexpired(row) ? row : undefined;
    if (challenge?.purpose !== "login") throw fail("unknown_or_expired_challenge");
    const facts: ChallengeFacts = {
      usernameNormalized: challenge.username_normalized,
      userId: challenge.user_id,
      ke1Hash: challenge.ke1_hash ?? Buffer.alloc(0),
      authReqId: challenge.auth_req_id ?? null,
    };
    const refused = refusal(facts, attempt);
    if (refused) throw fail(refused);
    const userId = challenge.user_id as string;
    const serverLoginState = open(this.deps.keyring, challenge.server_state_sealed as Buffer, stateAad(challenge.id)).toString("utf8");
    if (!this.ke3Accepted(attempt, serverLoginState)) throw fail("wrong_secret", userId);

    const nonce = issueSecret();
    const success = loginSuccess(attempt, userId, facts.authReqId, row.login_order, nonce.hash);
    const [user] = await this.db.rows<CompletedLoginRow>(completeLogin(success));
    if (!user) throw fail("disabled", userId);
    return { nonce: nonce.value, needVerify: row.has_username_and_email && user.email !== null && !user.is_verified, userId };
  }

  private ke3Accepted(attempt: Attempt, serverLoginState: string): boolean {
    const { tenantId } = attempt.scope;
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

/** What a successful Authenticate writes (login-statements.ts). */
function loginSuccess(
  attempt: Attempt,
  userId: string,
  authReqId: string | null,
  loginOrder: readonly string[],
  nonceHash: Buffer,
): LoginSuccess {
  return {
    tenantId: attempt.scope.tenantId,
    userId,
    username: attempt.normalizedUsername,
    ip: attempt.caller.ip,
    nonceHash,
    authReqId,
    amr: amrOf(loginOrder),
    nonceTtlSeconds: NONCE_TTL_SECONDS,
  };
}

/** Why a challenge cannot finish this login (in the order checked), or undefined. */
function refusal(challenge: ChallengeFacts, attempt: Attempt): string | undefined {
  if (challenge.usernameNormalized !== attempt.normalizedUsername) return "username_mismatch";
  const presented = sha256(attempt.input.cipherKey);
  if (challenge.ke1Hash.length !== presented.length || !timingSafeEqual(challenge.ke1Hash, presented)) return "ke1_mismatch";
  if (challenge.authReqId !== attempt.scope.authReqId) return "auth_request_mismatch";
  if (!challenge.userId) return "unknown_user";
  return undefined;
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
