// The liveness decision from what the models saw, free of any model so that it can be reasoned
// about (and tested) on its own: a frontal start, then a head turn of at least the configured
// angle in the requested direction. Identity (first and last frames the same person) is judged
// on the embeddings afterwards.
import type { LivenessConfig } from "./liveness-config.js";

/** The user's own left or right, seen in frames as the camera captures them (not mirrored). */
export type TurnDirection = "left" | "right";

export const TURN_DIRECTIONS: readonly TurnDirection[] = ["left", "right"];

export type LivenessFailure = "no_face" | "several_faces" | "challenge_not_met" | "mismatch" | "timeout" | "bad_input";

/**
 * How far the head turned from `startYaw` towards `direction`, in degrees. Human's yaw decreases
 * when the user turns to their own left (the nose moves to the image's right).
 */
export function turnTowards(direction: TurnDirection, startYaw: number, yaw: number): number {
  return direction === "left" ? startYaw - yaw : yaw - startYaw;
}

/** Whether a frame's yaw (degrees) is close enough to frontal to start a clip. */
export function isFrontal(yaw: number, config: LivenessConfig): boolean {
  return Math.abs(yaw) <= config.max_start_yaw_degrees;
}

/** Whether the yaw path (degrees, one per frame) shows the challenge: undefined when it does. */
export function turnProblem(yawPath: readonly number[], direction: TurnDirection, config: LivenessConfig): "challenge_not_met" | undefined {
  const start = yawPath[0];
  if (start === undefined || !isFrontal(start, config)) return "challenge_not_met";
  const widest = Math.max(...yawPath.map((yaw) => turnTowards(direction, start, yaw)));
  return widest >= config.min_turn_degrees ? undefined : "challenge_not_met";
}
