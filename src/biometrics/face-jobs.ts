// The work a face worker does for one job (face-worker.ts runs it; face-verifier.ts sends it):
// a liveness clip or a single frame to embed. Frames stay in memory for the job only; nothing
// here stores or logs them.
import { compareFace, type FaceEmbedding } from "./face-embedding.js";
import type { Tensor3D } from "@tensorflow/tfjs-core";
import type { FaceModels } from "./face-models.js";
import { decodeFrame, embedPixels, observeFrame } from "./frame-analysis.js";
import { isFrontal, type LivenessFailure, type TurnDirection, turnProblem } from "./liveness-check.js";
import type { LivenessConfig } from "./liveness-config.js";

export type FaceJob =
  | {
      readonly kind: "liveness";
      readonly frames: readonly Uint8Array[];
      readonly direction: TurnDirection;
      readonly config: LivenessConfig;
    }
  | { readonly kind: "embed"; readonly frame: Uint8Array };

export interface LivenessOutcome {
  readonly kind: "liveness";
  readonly passed: boolean;
  readonly reason?: LivenessFailure;
  /** The estimated yaw of each frame analysed, in degrees (to one decimal). */
  readonly yawPath: readonly number[];
  /** Distance between the first and last frames' embeddings, when both were computed. */
  readonly distance?: number;
  /** The first (frontal) frame's embedding, when the clip passed. */
  readonly embedding?: FaceEmbedding;
}

/** Why a single frame yields no face to work with. */
type FrameFailure = Extract<LivenessFailure, "no_face" | "several_faces" | "bad_input">;

export type EmbedFailure = FrameFailure | "timeout";

export interface EmbedOutcome {
  readonly kind: "embed";
  readonly embedding?: FaceEmbedding;
  readonly reason?: EmbedFailure;
}

export type FaceJobOutcome = LivenessOutcome | EmbedOutcome;

/** Messages between the pool and a worker; `deadline` is the `Date.now()` at which a job gives up with `timeout`. */
export type ToWorker = { readonly id: number; readonly job: FaceJob; readonly deadline: number };
export type FromWorker =
  | { readonly ready: true }
  | { readonly id: number; readonly outcome: FaceJobOutcome }
  | { readonly id: number; readonly error: string };

export function runFaceJob(models: FaceModels, job: FaceJob, deadline: number): Promise<FaceJobOutcome> {
  return job.kind === "liveness" ? runLiveness(models, job, deadline) : runEmbed(models, job.frame, deadline);
}

type Failed = { readonly failure: FrameFailure };

/** `use` on the decoded frame, whose pixels are disposed afterwards; bad_input when it does not decode. */
async function withFrame<T>(jpeg: Uint8Array, use: (pixels: Tensor3D) => Promise<T | Failed>): Promise<T | Failed> {
  const decoded = await decodeFrame(jpeg);
  if ("problem" in decoded) return { failure: "bad_input" };
  try {
    return await use(decoded.pixels);
  } finally {
    decoded.pixels.dispose();
  }
}

/** The yaw of the frame's one face, or why there is not exactly one. */
async function oneFace(models: FaceModels, pixels: Tensor3D): Promise<{ readonly yaw: number } | Failed> {
  const seen = await observeFrame(models, pixels);
  if (seen.faces > 1) return { failure: "several_faces" };
  return seen.yaw === undefined ? { failure: "no_face" } : { yaw: seen.yaw };
}

async function embedding(models: FaceModels, pixels: Tensor3D): Promise<{ readonly embedding: FaceEmbedding } | Failed> {
  const found = await embedPixels(models, pixels);
  return found ? { embedding: found } : { failure: "no_face" };
}

async function runLiveness(models: FaceModels, job: Extract<FaceJob, { kind: "liveness" }>, deadline: number): Promise<LivenessOutcome> {
  const yawPath: number[] = [];
  const failed = (reason: LivenessFailure, distance?: number): LivenessOutcome => ({
    kind: "liveness",
    passed: false,
    reason,
    yawPath,
    ...(distance === undefined ? {} : { distance }),
  });
  const expired = () => Date.now() > deadline;
  for (const [index, frame] of job.frames.entries()) {
    const seen = await withFrame(frame, (pixels) => oneFace(models, pixels));
    if ("failure" in seen) return failed(seen.failure);
    yawPath.push(Math.round(seen.yaw * 10) / 10);
    // Checked after each frame's work, so that even the shortest timeout stops a job, never a frame.
    if (expired()) return failed("timeout");
    // A clip that does not start frontal fails at its first frame: the rest cannot change that.
    if (index === 0 && !isFrontal(seen.yaw, job.config)) return failed("challenge_not_met");
  }
  const turn = turnProblem(yawPath, job.direction, job.config);
  if (turn) return failed(turn);
  // Identity at both ends of the turn (each already seen with exactly one face): only these two
  // frames go through the costly embedding model.
  const embeddings: FaceEmbedding[] = [];
  for (const frame of [job.frames[0], job.frames.at(-1)]) {
    const embedded = frame ? await withFrame(frame, (pixels) => embedding(models, pixels)) : ({ failure: "bad_input" } as const);
    if ("failure" in embedded) return failed(embedded.failure);
    embeddings.push(embedded.embedding);
  }
  if (expired()) return failed("timeout");
  const [first, last] = embeddings as [FaceEmbedding, FaceEmbedding];
  const { match, distance } = compareFace(last, first, job.config.match_threshold);
  if (!match) return failed("mismatch", distance);
  return { kind: "liveness", passed: true, yawPath, distance, embedding: first };
}

async function runEmbed(models: FaceModels, frame: Uint8Array, deadline: number): Promise<EmbedOutcome> {
  const embedded = await withFrame(frame, async (pixels) => {
    const face = await oneFace(models, pixels);
    return "failure" in face ? face : embedding(models, pixels);
  });
  if ("failure" in embedded) return { kind: "embed", reason: embedded.failure };
  if (Date.now() > deadline) return { kind: "embed", reason: "timeout" };
  return { kind: "embed", embedding: embedded.embedding };
}
