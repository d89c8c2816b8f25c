// Signing in with a passkey (operations #101 and #102), username-first (the options list the
// user's credentials) or usernameless (a discoverable credential: the browser offers the user's
// passkeys, also as autofill). Verify Auth ends as Authenticate (#3) does: a single-use nonce
// for Sign In (#4), with the factor in its `amr` — `hwk` for a device-bound credential, `swk` for
// a synced one, and `user` when the authenticator verified the user (always, as required here).
//
// A failed attempt on a known credential counts as a guess of its user in the login throttle
// (login-throttle.ts). A validly signed assertion whose signature counter did not move forward
// (a cloned authenticator, or a replay) is refused and recorded as an audit event: the counter is
// judged only after the signature verified, so that nobody can forge that event for someone
// else's credential.
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { webauthn } from "./webauthn.js";
import type { PasskeyRepository } from "../../persistence/repositories/passkey-repository.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { normalizeUsername } from "../../sdk/identity-normalization.js";
import type { AuthEventRecorder } from "../login/auth-events.js";
import type { LoginScope } from "../login/login-scope.js";
import { admitGuess } from "../login/login-throttle.js";
import type { CallerInfo, OpaqueLogin } from "../login/opaque-login.js";
import { clientDataOf } from "./client-data.js";
import { challengeHashOf, issueChallenge, PASSKEY_CEREMONY_TIMEOUT_MS, PASSKEY_CHALLENGE_TTL_SECONDS } from "./passkey-challenges.js";
import type { AssertionInput as Assertion, PasskeyAssertions } from "./passkey-assertion.js";
import { passkeyNotAccepted, passkeysDisabled } from "./passkey-errors.js";
import type { RelyingParty } from "./relying-party.js";
import { encodedUserHandleOf } from "./user-handle.js";

/** Verify Auth's body (the reference's fields). */
export interface AssertionInput extends Assertion {
  /** Optional: when given, it must be the credential's user. */
  readonly username: string;
}

export interface PasskeySignInResult {
  readonly nonce: string;
  readonly needVerify: boolean;
  readonly userId: string;
}

export interface PasskeySignInDeps {
  readonly rp: RelyingParty;
  /** The assertion's verification, shared with the MFA form's passkey step. */
  readonly assertions: PasskeyAssertions;
  /** The tenant's passkeys, on the plain statements of the login's hot path. */
  readonly passkeysOf: (tenantId: string) => PasskeyRepository;
  /** The login's throttle and nonce (opaque-login.ts), shared by every first factor. */
  readonly login: Pick<OpaqueLogin, "liftEndedBlocks" | "countFailedAttempt" | "completeWithFactor">;
  readonly events: AuthEventRecorder;
}

export class PasskeySignIn {
  constructor(private readonly deps: PasskeySignInDeps) {}

  /** Options for the browser; with a username, its credentials are listed (allowCredentials). */
  async options(scope: LoginScope, username: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = this.deps.passkeysOf(scope.tenantId);
    const normalized = username.trim() === "" ? "" : normalizeUsername(username);
    const target = await passkeys.signInTarget(normalized);
    if (!target) throw tenantNotFound(scope.tenantId);
    if (!target.passkeyEnabled) throw passkeysDisabled();
    const challenge = issueChallenge();
    await passkeys.storeChallenge({
      hash: challenge.hash,
      purpose: "authenticate",
      // An unknown username gets no list (the browser then offers what it has) and a challenge that no passkey can use.
      userId: normalized === "" ? null : (target.userId ?? "00000000-0000-0000-0000-000000000000"),
      authReqId: scope.authReqId,
      ttlSeconds: PASSKEY_CHALLENGE_TTL_SECONDS,
    });
    return (await webauthn()).generateAuthenticationOptions({
      rpID: this.deps.rp.id,
      challenge: challenge.bytes,
      timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
      userVerification: "required",
      allowCredentials: target.credentials.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
    });
  }

  async verify(scope: LoginScope, input: AssertionInput, caller: CallerInfo): Promise<PasskeySignInResult> {
    const { tenantId } = scope;
    const clientData = clientDataOf(input.clientDataJson);
    const passkeys = this.deps.passkeysOf(tenantId);
    const state = await passkeys.consumeForSignIn(challengeHashOf(clientData.challenge), input.id, caller.ip);
    if (!state) throw tenantNotFound(tenantId);
    if (!state.passkeyEnabled) throw passkeysDisabled();
    const { challenge, passkey } = state;
    const event = {
      tenantId,
      kind: "authenticate" as const,
      username: passkey?.usernameNormalized ?? "",
      ...caller,
      clientId: scope.clientId,
      logData: passkey ? { factor: "passkey", passkey_id: passkey.id } : { factor: "passkey" },
    };
    const fail = (reason: string) => {
      this.deps.events.record({ ...event, outcome: "failure", reason, userId: passkey?.userId ?? null });
      return passkeyNotAccepted();
    };
    if (!challenge?.live || challenge.purpose !== "authenticate") throw fail("unknown_or_expired_challenge");
    if (challenge.authReqId !== scope.authReqId) throw fail("auth_request_mismatch");
    if (!passkey) throw fail("unknown_passkey");
    if (challenge.userId !== null && challenge.userId !== passkey.userId) throw fail("passkey_of_another_user");
    if (input.username.trim() !== "" && normalizeUsername(input.username) !== passkey.usernameNormalized) throw fail("username_mismatch");
    if (input.userHandle !== "" && input.userHandle !== encodedUserHandleOf(passkey.userId)) throw fail("user_handle_mismatch");
    if (passkey.userDisabled) throw fail("disabled");

    const username = passkey.usernameNormalized;
    let endedBlock: boolean;
    try {
      ({ endedBlock } = admitGuess(state.throttle, state.blockConfig, Date.now()));
    } catch (error) {
      fail("throttled");
      throw error;
    }
    if (endedBlock) await this.deps.login.liftEndedBlocks(tenantId, username, caller.ip);
    const failCounted = async (reason: string) => {
      await this.deps.login.countFailedAttempt(tenantId, state.blockConfig, username, caller.ip);
      return fail(reason);
    };
    const verified = await this.deps.assertions.verify(tenantId, passkey, input, clientData, {
      expectedChallenge: clientData.challenge,
      requireUserVerification: true,
    });
    if (!verified.verified) throw await failCounted(verified.reason);
    // One statement: the counter (only if it still moves forward), then the login's nonce.
    const completed = await this.deps.login.completeWithFactor(
      {
        tenantId,
        userId: passkey.userId,
        username,
        ip: caller.ip,
        authReqId: scope.authReqId,
        amr: verified.amr,
      },
      passkeys.recordUseStep(passkey.id, verified.newCounter, verified.backedUp),
    );
    if (!completed.recorded) throw await failCounted("counter_regression");
    if (!completed.user) throw fail("disabled");
    this.deps.events.record({ ...event, outcome: "success", reason: "authenticated", userId: passkey.userId });
    return {
      nonce: completed.user.nonce,
      needVerify: state.hasUsernameAndEmail && completed.user.email !== null && !completed.user.isVerified,
      userId: passkey.userId,
    };
  }
}
