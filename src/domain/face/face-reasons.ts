// Why a face check did not pass, as the 401 FACE_NOT_ACCEPTED's detail words it ("The face check
// did not pass: <text>"). Shared with the hosted page, which tells the user in their language what
// to do again (src/ui/client/face-camera.ts): the words are part of the API.
import type { LivenessFailure } from "../../biometrics/liveness-check.js";

/** Every failure the verifier can answer has its words (a Record over the type: none is missed). */
export type FaceFailureReason = LivenessFailure;

export const FACE_REASON_TEXT: Readonly<Record<FaceFailureReason, string>> = {
  no_face: "no face was found in a frame",
  several_faces: "more than one face was in a frame",
  challenge_not_met: "the head did not turn as asked (start facing the camera, then turn)",
  mismatch: "the face does not match",
  timeout: "the check took too long",
  bad_input: "a frame is not a usable JPEG image",
};

/** The reason a FACE_NOT_ACCEPTED detail names, or undefined. */
export function faceReasonOf(detail: string): FaceFailureReason | undefined {
  const entry = Object.entries(FACE_REASON_TEXT).find(([, text]) => detail.endsWith(text));
  return entry?.[0] as FaceFailureReason | undefined;
}
