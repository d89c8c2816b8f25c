// The face step's browser side (docs/face-liveness.md, "The hosted page"): the camera, the clip,
// and the three calls of the face API (Get Face Enrolment, Start Liveness, Verify Liveness).
//
// The clip is 12–16 frames (the tenant's frame_count) over about two seconds, drawn from the
// camera into a 480 × 360 canvas as JPEG at quality 0.7 — not mirrored (the preview is, the
// frames are what the camera sees, as the server's "left" means). At that size a frame measured
// 10.5 KB on the test's fake camera (a real camera's noise makes more), so 16 frames in base64 JSON
// stay under the service's 1 MiB request limit; a clip that would not is re-encoded at a lower
// quality before it is sent. The server decides; the page
// only guides by a timed sequence (no model runs in the browser).
import { faceReasonOf, type FaceFailureReason } from "../../domain/face/face-reasons.js";
import { parseRetryAfter, SvaultAuthError } from "../../sdk/errors.js";

export const FRAME_WIDTH = 480;
export const FRAME_HEIGHT = 360;
const QUALITIES = [0.7, 0.55, 0.4];
/** The clip's budget in base64 characters: the 1 MiB request limit less room for the rest of the JSON. */
const CLIP_BUDGET = 900 * 1024;
const CLIP_MS = 2000;

export interface LivenessChallenge {
  readonly challenge: string;
  readonly direction: "left" | "right";
  readonly expiresIn: number;
  readonly frameCount: number;
}

export type FacePurpose = "sign_in" | "enrol";

async function post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  if (!res.ok) {
    throw new SvaultAuthError({
      status: res.status,
      detail: typeof json.detail === "string" ? json.detail : res.statusText,
      retryAfter: parseRetryAfter(res.headers.get("retry-after")),
    });
  }
  return json;
}

export async function faceEnrolment(authReqId: string, nonce: string): Promise<{ enrolled: boolean; offerEnrolment: boolean }> {
  const body = await post("/api/v1/face/enrolment", { auth_req_id: authReqId, nonce });
  return { enrolled: body.enrolled === true, offerEnrolment: body.offer_enrolment === true };
}

export async function startLiveness(authReqId: string, nonce: string, purpose: FacePurpose): Promise<LivenessChallenge> {
  const body = await post("/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce, purpose });
  return {
    challenge: String(body.challenge),
    direction: body.direction === "right" ? "right" : "left",
    expiresIn: Number(body.expires_in),
    frameCount: Number(body.frame_count),
  };
}

export async function verifyLiveness(
  authReqId: string,
  challenge: string,
  frames: readonly string[],
): Promise<{ nonce: string; amr: string[] }> {
  const body = await post("/api/v1/face/liveness/verify", { auth_req_id: authReqId, challenge, frames });
  return { nonce: typeof body.nonce === "string" ? body.nonce : "", amr: Array.isArray(body.amr) ? (body.amr as string[]) : [] };
}

/** Why the face step did not finish, for the page to say what to do. */
export type FaceFailure =
  | FaceFailureReason
  /** The challenge expired or was used (too slow, or a second tab). */
  | "challenge"
  /** No more checks for this sign-in (429 without a wait). */
  | "exhausted"
  /** The server's face checks are busy (429 with a wait). */
  | "busy"
  | "camera-denied"
  | "no-camera"
  /** The authorization request is gone (404). */
  | "expired"
  | "error";

export function faceFailureOf(error: unknown): FaceFailure {
  if (error instanceof DOMException) {
    if (error.name === "NotAllowedError" || error.name === "SecurityError") return "camera-denied";
    if (error.name === "NotFoundError" || error.name === "OverconstrainedError" || error.name === "NotReadableError") return "no-camera";
  }
  if (!(error instanceof SvaultAuthError)) return "error";
  if (error.status === 404) return "expired";
  if (error.status === 429) return error.retryAfter !== undefined ? "busy" : "exhausted";
  if (error.status === 401) return faceReasonOf(error.detail) ?? "challenge";
  return "error";
}

export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException("no camera API", "NotFoundError");
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
  });
}

export function stopCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Resolves once the video shows frames (its size is known). */
export function videoReady(video: HTMLVideoElement): Promise<void> {
  if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0) return Promise.resolve();
  return new Promise((resolve) => video.addEventListener("loadeddata", () => resolve(), { once: true }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `count` frames over about two seconds; `onFrame(i)` after each (the page turns its guidance
 * from "look at the camera" to "turn now" after the first frames). Answers base64 JPEGs.
 */
export async function captureClip(video: HTMLVideoElement, count: number, onFrame: (index: number) => void): Promise<string[]> {
  const canvases: HTMLCanvasElement[] = [];
  const interval = CLIP_MS / Math.max(1, count - 1);
  for (let i = 0; i < count; i++) {
    const canvas = document.createElement("canvas");
    canvas.width = FRAME_WIDTH;
    canvas.height = FRAME_HEIGHT;
    (canvas.getContext("2d") as CanvasRenderingContext2D).drawImage(video, 0, 0, FRAME_WIDTH, FRAME_HEIGHT);
    canvases.push(canvas);
    onFrame(i);
    if (i < count - 1) await sleep(interval);
  }
  for (const quality of QUALITIES) {
    const frames = await Promise.all(canvases.map((canvas) => jpegBase64(canvas, quality)));
    if (frames.reduce((sum, frame) => sum + frame.length, 0) <= CLIP_BUDGET) return frames;
  }
  throw new SvaultAuthError({ status: 413, detail: "the clip is too large" });
}

async function jpegBase64(canvas: HTMLCanvasElement, quality: number): Promise<string> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  if (!blob) throw new Error("the frame could not be encoded");
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
