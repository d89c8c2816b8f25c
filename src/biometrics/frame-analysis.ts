// One frame through the models, in a worker thread: decode (JPEG only, dimensions checked from the
// header before decoding), count the faces and estimate the yaw with Human, and embed a face with
// face-api. Pixels live in memory only for the call; every tensor is disposed before returning.
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import type { FaceEmbedding } from "./face-embedding.js";
import type { FaceModels } from "./face-models.js";
import { MAX_FRAME_HEIGHT, MAX_FRAME_WIDTH } from "./frame-limits.js";

// libvips' operation cache would keep decoded frames after their job: a user's face in memory for
// no purpose (frames never repeat).
sharp.cache(false);

/** The decoded RGB image, or why it is not an acceptable frame. */
export type DecodedFrame = { readonly pixels: tf.Tensor3D } | { readonly problem: string };

export async function decodeFrame(jpeg: Uint8Array): Promise<DecodedFrame> {
  const maxPixels = MAX_FRAME_WIDTH * MAX_FRAME_HEIGHT;
  try {
    const image = sharp(jpeg, { limitInputPixels: maxPixels, failOn: "error", sequentialRead: true });
    const { format, width = 0, height = 0 } = await image.metadata();
    if (format !== "jpeg") return { problem: "a frame must be a JPEG image" };
    if (width > MAX_FRAME_WIDTH || height > MAX_FRAME_HEIGHT) {
      return { problem: `a frame may be at most ${MAX_FRAME_WIDTH}×${MAX_FRAME_HEIGHT} pixels` };
    }
    const { data, info } = await image.removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
    return { pixels: tf.tensor3d(data, [info.height, info.width, 3], "int32") };
  } catch {
    // sharp's message may quote the input; the caller only learns that it is not a valid JPEG.
    return { problem: "a frame is not a valid JPEG image" };
  }
}

export interface FrameObservation {
  readonly faces: number;
  /** Degrees; when exactly one face was found. */
  readonly yaw?: number;
}

export async function observeFrame(models: FaceModels, pixels: tf.Tensor3D): Promise<FrameObservation> {
  const result = await models.human.detect(pixels);
  const [face, ...others] = result.face;
  if (!face || others.length > 0) return { faces: result.face.length };
  const yaw = face.rotation?.angle.yaw;
  return yaw === undefined ? { faces: 0 } : { faces: 1, yaw: (yaw * 180) / Math.PI };
}

/** The embedding of the frame's most confident face, or undefined when face-api finds none. */
export async function embedPixels(models: FaceModels, pixels: tf.Tensor3D): Promise<FaceEmbedding | undefined> {
  // face-api's types name its bundled copy of tfjs; at run time both libraries use tfjs-core's one engine.
  const input = pixels as unknown as Parameters<FaceModels["faceApi"]["detectSingleFace"]>[0];
  const found = await models.faceApi.detectSingleFace(input, models.faceApiDetector).withFaceLandmarks().withFaceDescriptor();
  return found ? Float32Array.from(found.descriptor) : undefined;
}
