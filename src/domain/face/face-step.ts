// The face step of a sign-in (docs/face-liveness.md, "The face step"): a liveness check decided on
// the server, matched against the user's enrolled template, that ends like every factor step with
// a login nonce for Sign In (amr `face`, inherence). It always follows another step of the same
// authorization request — the presented nonce of that step names the user — so face is never the
// only factor and never starts a login (nor an account recovery: no recovery flow calls it).
//
//   start   earlier step's nonce + auth request → a single-use challenge (random head turn,
//           ≤ challenge_timeout_seconds), at most max_attempts per request and user
//   verify  challenge + frames → the challenge is used first (a replay finds nothing), the clip is
//           checked in the worker pool, the outcome counted into the Liveness Report's rollup
//           and the audit trail; a pass stores the login nonce (with the rollup, one statement)
//
// The same challenge, with purpose `enrol`, is how a user who has no template enrols one after an
// earlier step, with their consent (the page asks first): the passing clip's frontal embedding is
// sealed and stored; no nonce, no amr (nothing was compared). A template is never replaced by this
// path — whoever knows the PIN could otherwise swap in their own face; an administrator removes it.
//
// Without a template, `use_liveness` still asks for the liveness check, whose nonce then carries
// amr `liveness` (a live person was there, not whose face it is): not a factor of its own
// (factors.ts), so it never makes a sign-in 2FA.
//
// A check may also come *before* the secret, for a pending login (`login_challenge`: Get
// Challenge's challenge_id; `ber` on Authenticate): it names whoever that login names, unknown
// usernames included, and its answer says nothing about the account — a pass leaves a single-use
// result (face-results.ts) holding the match's verdict, which that login's Authenticate uses and
// tells only once the secret is proven. It proves nothing on its own: face is still never the
// only factor.
import { randomInt, randomUUID } from "node:crypto";
import { compareFace } from "../../biometrics/face-embedding.js";
import { openTemplate, sealTemplate } from "../../biometrics/face-templates.js";
import type { LivenessRequest, LivenessResult } from "../../biometrics/face-verifier.js";
import { FaceVerifierError } from "../../biometrics/face-verifier.js";
import { frameUploadProblem } from "../../biometrics/frame-limits.js";
import { TURN_DIRECTIONS, type TurnDirection } from "../../biometrics/liveness-check.js";
import { type LivenessConfig, livenessConfigOfStored, MAX_FRAME_COUNT } from "../../biometrics/liveness-config.js";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { hashSecret } from "../../crypto/secret-hash.js";
import type {
  FaceChallengePurpose,
  FaceRepository,
  FaceSettings,
  FaceVerdict,
  LivenessOutcome,
  NewFaceChallenge,
  UsedFaceChallenge,
} from "../../persistence/repositories/face-repository.js";
import type { AuthEventRecorder } from "../login/auth-events.js";
import { AMR } from "../login/factors.js";
import { invalidField } from "../login/login-errors.js";
import type { LoginScope } from "../login/login-scope.js";
import type { CallerInfo, OpaqueLogin } from "../login/opaque-login.js";
import { issueSecret } from "../login/single-use-secrets.js";
import { tenantNotFound } from "../tenants/tenant-admin.js";
import { FACE_REASON_TEXT, type FaceFailureReason } from "./face-reasons.js";
import {
  alreadyEnrolled,
  badFrames,
  challengeUnknown,
  earlierStepRequired,
  faceDisabled,
  faceNotAccepted,
  loginChallengeUnknown,
  notEnrolled,
  tooManyAttempts,
  verifierBusy,
  verifierFailed,
} from "./face-errors.js";

/** What the step needs of the verifier (FaceVerifier, or a lazily started one). */
export interface LivenessVerifier {
  verifyLiveness(request: LivenessRequest): Promise<LivenessResult>;
}

export interface FaceStepDeps {
  /** The tenant's face rows, on the login's plain statements. */
  readonly faceOf: (tenantId: string) => FaceRepository;
  readonly verifier: LivenessVerifier;
  readonly keyring: Keyring;
  readonly login: Pick<OpaqueLogin, "countFailedAttempt" | "completeWithFactor">;
  readonly events: AuthEventRecorder;
  /** Picks the head turn (tests fix it); random by default. */
  readonly pickDirection?: () => TurnDirection;
}

export interface FaceChallengeIssued {
  /** Single use: upload the frames with it. */
  readonly challenge: string;
  readonly direction: TurnDirection;
  readonly expiresInSeconds: number;
  /** What the page captures and the server demands (the tenant's liveness_config). */
  readonly config: LivenessConfig;
}

/** What names the user of a check: an earlier step's live nonce, or a pending login's challenge id (exactly one). */
export interface FaceStepOrigin {
  readonly nonce?: string;
  readonly loginChallenge?: string;
}

export interface FaceStepResult {
  /** The login nonce for Sign In (a `sign_in` challenge), or undefined (an enrolment, a check before Authenticate). */
  readonly nonce?: string;
  /** A check before Authenticate: the single-use result for that login's `ber`. */
  readonly result?: string;
  readonly amr: readonly string[];
  readonly enrolled: boolean;
}

/** Whether the tenant uses the face step at all. */
export const faceEnabled = (settings: Pick<FaceSettings, "useFaceRecognition" | "useLiveness">) =>
  settings.useFaceRecognition || settings.useLiveness;

export class FaceStep {
  constructor(private readonly deps: FaceStepDeps) {}

  async start(scope: LoginScope, origin: FaceStepOrigin, purpose: FaceChallengePurpose): Promise<FaceChallengeIssued> {
    const { tenantId, authReqId } = scope;
    const nonce = origin.nonce ?? "";
    const loginChallenge = origin.loginChallenge ?? "";
    if ((nonce === "") === (loginChallenge === "")) throw invalidField(["nonce"], "give exactly one of nonce and login_challenge");
    if (authReqId === null) throw earlierStepRequired();
    if (loginChallenge !== "") return this.startBeforeAuthenticate(tenantId, authReqId, loginChallenge, purpose);
    const face = this.deps.faceOf(tenantId);
    const state = await face.stepStart(hashSecret(nonce), authReqId);
    if (!state) throw tenantNotFound(tenantId);
    if (!faceEnabled(state)) throw faceDisabled();
    const user = state.user;
    if (!user) throw earlierStepRequired();
    if (purpose === "enrol" && user.template) throw alreadyEnrolled();
    // Without a template only a liveness check can be asked for (use_liveness).
    if (purpose === "sign_in" && !user.template && !state.useLiveness) throw notEnrolled();
    const config = livenessConfigOfStored(state.livenessConfig);
    if (state.issued >= config.max_attempts) throw tooManyAttempts();
    return this.issue(face, { userId: user.id, authReqId, purpose }, config);
  }

  /**
   * A challenge for a pending login of the request, before its Authenticate: whatever user the
   * login names (an unknown username too — the answer must not tell), sign-in only (enrolling
   * needs a proven first factor).
   */
  private async startBeforeAuthenticate(
    tenantId: string,
    authReqId: string,
    loginChallenge: string,
    purpose: FaceChallengePurpose,
  ): Promise<FaceChallengeIssued> {
    if (purpose !== "sign_in") throw invalidField(["purpose"], "a face check before Authenticate cannot enrol (enrol after a sign-in)");
    const face = this.deps.faceOf(tenantId);
    const state = await face.loginStart(loginChallenge, authReqId);
    if (!state) throw tenantNotFound(tenantId);
    if (!faceEnabled(state)) throw faceDisabled();
    if (!state.login) throw loginChallengeUnknown();
    const config = livenessConfigOfStored(state.livenessConfig);
    if (state.issued >= config.max_attempts) throw tooManyAttempts();
    return this.issue(face, { userId: state.login.userId, authReqId, loginChallengeId: loginChallenge, purpose }, config);
  }

  private async issue(
    face: FaceRepository,
    target: Omit<NewFaceChallenge, "hash" | "direction" | "ttlSeconds">,
    config: LivenessConfig,
  ): Promise<FaceChallengeIssued> {
    const secret = issueSecret();
    const direction = this.deps.pickDirection?.() ?? (TURN_DIRECTIONS[randomInt(TURN_DIRECTIONS.length)] as TurnDirection);
    await face.storeChallenge({ ...target, hash: secret.hash, direction, ttlSeconds: config.challenge_timeout_seconds });
    return { challenge: secret.value, direction, expiresInSeconds: config.challenge_timeout_seconds, config };
  }

  /**
   * Whether the user of an earlier step's nonce enrolled a face, and whether the page may offer
   * enrolment (a face-recognition tenant, no face yet, a check left for this sign-in). Reads only.
   */
  async enrolment(scope: LoginScope, nonce: string): Promise<{ enrolled: boolean; offerEnrolment: boolean }> {
    const { tenantId, authReqId } = scope;
    if (authReqId === null) throw earlierStepRequired();
    const state = await this.deps.faceOf(tenantId).stepStart(hashSecret(nonce), authReqId);
    if (!state) throw tenantNotFound(tenantId);
    const user = state.user;
    if (!user) throw earlierStepRequired();
    const enrolled = user.template !== undefined;
    const attemptsLeft = state.issued < livenessConfigOfStored(state.livenessConfig).max_attempts;
    return { enrolled, offerEnrolment: state.useFaceRecognition && !enrolled && attemptsLeft };
  }

  async verify(scope: LoginScope, challengeValue: string, frames: readonly Uint8Array[], caller: CallerInfo): Promise<FaceStepResult> {
    const { tenantId } = scope;
    // Bad input changes nothing: the challenge stays usable.
    const uploadProblem = frameUploadProblem(frames, MAX_FRAME_COUNT);
    if (uploadProblem) throw badFrames(uploadProblem);
    const face = this.deps.faceOf(tenantId);
    const used = await face.useChallenge(hashSecret(challengeValue));
    if (!used) throw tenantNotFound(tenantId);
    const { settings, challenge } = used;
    const event = { tenantId, kind: "authenticate" as const, ...caller, clientId: scope.clientId };
    if (!challenge || challenge.authReqId !== scope.authReqId) {
      this.deps.events.record({ ...event, outcome: "failure", reason: "unknown_face_challenge", logData: { factor: "face" } });
      throw challengeUnknown();
    }
    const who = { username: challenge.usernameNormalized, userId: challenge.userId };
    const logData = { factor: "face", purpose: challenge.purpose, direction: challenge.direction };
    if (!challenge.live) {
      await face.recordOutcome({ passed: false, reason: "timeout", durationMs: 0 });
      this.deps.events.record({ ...event, ...who, outcome: "failure", reason: "liveness_timeout", logData });
      throw challengeUnknown();
    }
    if (!faceEnabled(settings) || challenge.userDisabled) throw challengeUnknown();
    // A check before Authenticate counts only while its login is pending.
    if (challenge.login && !challenge.login.pending) throw challengeUnknown();
    const config = livenessConfigOfStored(settings.livenessConfig);
    if (frames.length > config.frame_count) throw badFrames(`a clip has at most ${config.frame_count} frames`);

    let result: LivenessResult;
    try {
      result = await this.deps.verifier.verifyLiveness({ frames, direction: challenge.direction as TurnDirection, config });
    } catch (error) {
      if (error instanceof FaceVerifierError && error.reason === "BUSY") throw verifierBusy();
      if (error instanceof FaceVerifierError) throw verifierFailed();
      throw error;
    }
    const durationMs = Math.round(result.durationMs);

    // Identity: the clip's frontal frame against the enrolled template.
    const livenessReason = result.passed ? undefined : (result.reason ?? "other");
    const verdict =
      livenessReason === undefined && challenge.purpose === "sign_in" ? this.identify(tenantId, challenge, result, config) : undefined;
    const reason = livenessReason ?? (verdict === "mismatch" ? "mismatch" : undefined);
    const amr = verdict === "face" ? [AMR.face] : verdict === "liveness" ? [AMR.liveness] : [];
    const outcome: LivenessOutcome = reason === undefined ? { passed: true, durationMs } : { passed: false, reason, durationMs };
    if (challenge.login && verdict !== undefined) {
      // Before Authenticate: the verdict (a mismatch too) waits for the secret, in a single-use result.
      const issued = issueSecret();
      const stored = await face.storeResult(
        {
          hash: issued.hash,
          loginChallengeId: challenge.login.challengeId,
          authReqId: challenge.authReqId,
          userId: challenge.userId,
          verdict,
        },
        outcome,
      );
      if (!stored) throw challengeUnknown();
      this.deps.events.record({
        ...event,
        ...who,
        outcome: reason === undefined ? "success" : "failure",
        reason: reason === undefined ? "face_result_issued" : `liveness_${reason}`,
        logData: { ...logData, duration_ms: durationMs, before_authenticate: true },
      });
      return { result: issued.value, amr: [], enrolled: false };
    }
    if (reason !== undefined) {
      await face.recordOutcome(outcome);
      // A failed face check is a failed guess of its user (the login throttle), as a wrong PIN is.
      await this.deps.login.countFailedAttempt(tenantId, settings.blockConfig, challenge.usernameNormalized, caller.ip);
      this.deps.events.record({
        ...event,
        ...who,
        outcome: "failure",
        reason: `liveness_${reason}`,
        logData: { ...logData, duration_ms: durationMs },
      });
      throw faceNotAccepted(reasonText(reason));
    }

    const userId = challenge.userId;
    if (userId === null) throw challengeUnknown();
    if (challenge.purpose === "enrol") {
      if (!result.embedding) throw verifierFailed();
      const templateId = randomUUID();
      await face.recordOutcome(outcome);
      // Two enrolments started before either finished: the first one stays.
      const saved = await face.saveTemplate({
        id: templateId,
        userId,
        sealed: sealTemplate(this.deps.keyring, tenantId, userId, templateId, result.embedding),
      });
      if (!saved) throw alreadyEnrolled();
      this.deps.events.record({
        ...event,
        ...who,
        outcome: "success",
        reason: "face_enrolled",
        logData: { ...logData, duration_ms: durationMs },
      });
      return { amr: [], enrolled: true };
    }

    const completed = await this.deps.login.completeWithFactor(
      { tenantId, userId, username: challenge.usernameNormalized, ip: caller.ip, authReqId: challenge.authReqId, amr },
      face.recordOutcomeStep(outcome),
    );
    if (!completed.user) throw challengeUnknown();
    this.deps.events.record({
      ...event,
      ...who,
      outcome: "success",
      reason: "authenticated",
      logData: { ...logData, duration_ms: durationMs },
    });
    return { nonce: completed.user.nonce, amr, enrolled: false };
  }

  /** A passed sign-in clip against the user's enrolled template: `face`, `mismatch`, or `liveness` without one. */
  private identify(tenantId: string, challenge: UsedFaceChallenge, result: LivenessResult, config: LivenessConfig): FaceVerdict {
    if (!challenge.template || !result.embedding || challenge.userId === null) return "liveness";
    const template = openTemplate(this.deps.keyring, tenantId, challenge.userId, challenge.template.id, challenge.template.sealed);
    return compareFace(result.embedding, template, config.match_threshold).match ? "face" : "mismatch";
  }
}

const reasonText = (reason: string) => FACE_REASON_TEXT[reason as FaceFailureReason] ?? "the check failed";
