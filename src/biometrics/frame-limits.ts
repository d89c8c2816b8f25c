// Bounds on what a client may upload for one face check, checked before any work is queued (bytes,
// count) and before any pixel is decoded (format, dimensions: a small JPEG can declare a huge
// image, a decompression bomb). A 640×480 camera frame at JPEG quality 0.8 is 30–80 KB.
import { MAX_FRAME_COUNT } from "./liveness-config.js";

export const MAX_FRAME_BYTES = 512 * 1024;
export const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
export const MAX_FRAME_WIDTH = 1280;
export const MAX_FRAME_HEIGHT = 1280;
export const MIN_LIVENESS_FRAMES = 2;

/** Why `frames` cannot be a liveness clip of at most `maxFrames` frames, or undefined. */
export function frameUploadProblem(frames: readonly Uint8Array[], maxFrames: number): string | undefined {
  if (!Array.isArray(frames)) return "frames must be a list of JPEG images";
  const limit = Math.min(maxFrames, MAX_FRAME_COUNT);
  if (frames.length < MIN_LIVENESS_FRAMES || frames.length > limit) return `a clip has ${MIN_LIVENESS_FRAMES} to ${limit} frames`;
  let total = 0;
  for (const frame of frames) {
    const problem = singleFrameProblem(frame);
    if (problem) return problem;
    total += frame.byteLength;
  }
  return total > MAX_TOTAL_BYTES ? `the frames may total ${MAX_TOTAL_BYTES} bytes` : undefined;
}

/** Why `frame` cannot be one uploaded frame (by its size alone), or undefined. */
export function singleFrameProblem(frame: Uint8Array): string | undefined {
  if (!(frame instanceof Uint8Array) || frame.byteLength === 0) return "a frame must be a non-empty JPEG image";
  return frame.byteLength > MAX_FRAME_BYTES ? `a frame may have ${MAX_FRAME_BYTES} bytes` : undefined;
}
