// Liveness clips for the API tests of the face step (face-sign-in.test.ts, face-ber.test.ts), as
// the hosted page uploads them: base64 JPEG frames. A passing turn is a photo followed by its
// mirror image (yaw +12° → −13° for s6b: a turn to the user's left; the reverse order turns right),
// as in face-verifier.test.ts.
import sharp from "sharp";
import { face, faceFrame } from "./face-images.js";

/** `count` frames: the first half `start`, the second half `end` (JPEG quality varies, as a camera's would). */
export async function clip(start: Buffer, end: Buffer, count = 8): Promise<string[]> {
  const frames = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp(i < count / 2 ? start : end)
        .jpeg({ quality: 80 + (i % 5) })
        .toBuffer(),
    ),
  );
  return frames.map((frame) => frame.toString("base64"));
}

/** A clip of `who` turning towards `direction` (photo and mirror image). */
export async function turning(who: string, direction: string): Promise<string[]> {
  const photo = await faceFrame(face(who));
  const mirrored = await faceFrame(face(who), { mirror: true });
  // s6b and s3b face slightly to the image's left: photo → mirror is a turn to the user's left.
  return direction === "left" ? clip(photo, mirrored) : clip(mirrored, photo);
}

/** A clip of `who` not moving at all. */
export async function still(who: string): Promise<string[]> {
  const photo = await faceFrame(face(who));
  return clip(photo, photo);
}
