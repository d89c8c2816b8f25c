// The face as the MFA form's inherence factor (the engine's `face` step; docs/entra-mfa.md,
// "Factors"): the sign-in's liveness check — a head turn to a side the server picks at random,
// answered within the tenant's `challenge_timeout_seconds`, verified in the face worker pool
// (exactly one face, a frontal start, the turn, the same person first and last) — and a match of
// the clip's frontal frame against the user's enrolled template (amr `face`). The challenge (the
// side and its deadline) lives in the MFA flow, which is single use, so no face challenge row is
// needed. Every check counts in the Liveness Report's rollup; the flow counts a failure in the
// login throttle and audits it.
import { randomInt } from "node:crypto";
import { compareFace } from "../../biometrics/face-embedding.js";
import { openTemplate } from "../../biometrics/face-templates.js";
import { frameUploadProblem } from "../../biometrics/frame-limits.js";
import { TURN_DIRECTIONS, type TurnDirection } from "../../biometrics/liveness-check.js";
import { livenessConfigOfStored } from "../../biometrics/liveness-config.js";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import type { FaceRepository } from "../../persistence/repositories/face-repository.js";
import type { LivenessVerifier } from "../face/face-step.js";
import { AMR } from "../login/factors.js";
import type { FactorChallenge, FactorProof, FactorSubject, MfaFactorVerifier } from "./mfa-factor.js";

/** The face rows of the request's tenant, as far as this factor uses them. */
export type MfaFaces = Pick<FaceRepository, "settings" | "hasTemplate" | "templateOf" | "recordOutcome">;

export interface FaceFactorDeps {
  readonly verifier: LivenessVerifier;
  readonly keyring: Keyring;
  readonly clock: () => number;
  /** Picks the head turn (tests fix it); random by default. */
  readonly pickDirection?: () => TurnDirection;
}

const isDirection = (value: string): value is TurnDirection => (TURN_DIRECTIONS as readonly string[]).includes(value);

/** The form's answer: `{"frames": ["<base64 JPEG>", …]}`; undefined when it is not that. */
function framesOf(answer: unknown): Uint8Array[] | undefined {
  const frames = (answer as { frames?: unknown } | null)?.frames;
  if (!Array.isArray(frames) || !frames.every((frame) => typeof frame === "string")) return undefined;
  return frames.map((frame) => Buffer.from(frame, "base64"));
}

export class FaceFactor implements MfaFactorVerifier {
  readonly step = "face" as const;

  constructor(
    private readonly faces: MfaFaces,
    private readonly deps: FaceFactorDeps,
  ) {}

  enrolled(subject: FactorSubject): Promise<boolean> {
    return this.faces.hasTemplate(subject.userId);
  }

  /** The side to turn to and what the page captures; the flow keeps `<side>.<deadline in epoch ms>`. */
  async options(subject: FactorSubject): Promise<FactorChallenge | undefined> {
    const settings = await this.faces.settings();
    if (!settings || !(await this.faces.hasTemplate(subject.userId))) return undefined;
    const config = livenessConfigOfStored(settings.livenessConfig);
    const direction = this.deps.pickDirection?.() ?? (TURN_DIRECTIONS[randomInt(TURN_DIRECTIONS.length)] as TurnDirection);
    const deadline = this.deps.clock() + config.challenge_timeout_seconds * 1000;
    return {
      challenge: `${direction}.${deadline}`,
      browserOptions: { direction, frame_count: config.frame_count, expires_in: config.challenge_timeout_seconds },
    };
  }

  async verify(subject: FactorSubject, challenge: string, answer: unknown): Promise<FactorProof | undefined> {
    const [direction = "", deadline = ""] = challenge.split(".");
    if (!isDirection(direction) || !(Number(deadline) > this.deps.clock())) return undefined;
    const settings = await this.faces.settings();
    const frames = framesOf(answer);
    if (!settings || !frames) return undefined;
    const config = livenessConfigOfStored(settings.livenessConfig);
    if (frameUploadProblem(frames, config.frame_count)) return undefined;
    let result: Awaited<ReturnType<LivenessVerifier["verifyLiveness"]>>;
    try {
      result = await this.deps.verifier.verifyLiveness({ frames, direction, config });
    } catch {
      // Busy, or a worker that died: no verdict, so no pass.
      return undefined;
    }
    const durationMs = Math.round(result.durationMs);
    const failed = async (reason: string) => {
      await this.faces.recordOutcome({ passed: false, reason, durationMs });
      return undefined;
    };
    if (!result.passed) return failed(result.reason ?? "other");
    const template = await this.faces.templateOf(subject.userId);
    if (!template || !result.embedding) return failed("other");
    const enrolled = openTemplate(this.deps.keyring, subject.tenantId, subject.userId, template.id, template.sealed);
    if (!compareFace(result.embedding, enrolled, config.match_threshold).match) return failed("mismatch");
    await this.faces.recordOutcome({ passed: true, durationMs });
    return { amr: [AMR.face] };
  }
}
