// Face images for the face tests and the benchmark, made at run time from photos that ship inside
// the @vladmandic/face-api npm package (demo/sample1–6.jpg: the package's MIT licence, © Vladimir
// Mandic; the EXIF data names his own cameras). Nothing is copied into this repository: npm ci
// installs the package, and these helpers crop, mirror, tilt and re-encode in memory.
//
// A frame is what a browser would upload: a 640×480 JPEG with one face centred.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { FACE_API_DIRECTORY } from "../../src/biometrics/face-packages.js";

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;

/** A face in one of the package's photos: which photo, and its box there (pixels). */
export interface FaceSource {
  readonly id: string;
  readonly photo: number;
  readonly box: readonly [x: number, y: number, width: number, height: number];
}

/**
 * The faces of the six photos (boxes from Human's detector) that both libraries find once framed
 * alone: 19 people, none of whom appears in two photos (checked by eye; two more faces of photo 4
 * are left out because face-api's detector misses them once cropped).
 */
export const FACES: readonly FaceSource[] = [
  { id: "s1a", photo: 1, box: [334, 316, 352, 352] },
  { id: "s1b", photo: 1, box: [773, 386, 327, 326] },
  { id: "s1c", photo: 1, box: [1438, 205, 279, 279] },
  { id: "s2a", photo: 2, box: [805, 188, 353, 354] },
  { id: "s2b", photo: 2, box: [1370, 112, 347, 348] },
  { id: "s3a", photo: 3, box: [515, 295, 361, 361] },
  { id: "s3b", photo: 3, box: [1005, 187, 367, 367] },
  { id: "s3c", photo: 3, box: [1372, 244, 409, 409] },
  { id: "s4b", photo: 4, box: [611, 64, 278, 278] },
  { id: "s4c", photo: 4, box: [908, 149, 330, 331] },
  { id: "s5a", photo: 5, box: [279, 847, 370, 371] },
  { id: "s5b", photo: 5, box: [525, 400, 308, 309] },
  { id: "s5c", photo: 5, box: [727, 93, 272, 273] },
  { id: "s5d", photo: 5, box: [1045, 171, 319, 319] },
  { id: "s5e", photo: 5, box: [1319, 342, 395, 395] },
  { id: "s6a", photo: 6, box: [177, 456, 360, 361] },
  { id: "s6b", photo: 6, box: [587, 300, 384, 384] },
  { id: "s6c", photo: 6, box: [1081, 280, 368, 369] },
  { id: "s6d", photo: 6, box: [1402, 236, 377, 377] },
];

export function face(id: string): FaceSource {
  const found = FACES.find((f) => f.id === id);
  if (!found) throw new Error(`no face ${id}`);
  return found;
}

const photos = new Map<number, Buffer>();
function photo(n: number): Buffer {
  let bytes = photos.get(n);
  if (!bytes) {
    bytes = readFileSync(join(FACE_API_DIRECTORY, "demo", `sample${n}.jpg`));
    photos.set(n, bytes);
  }
  return bytes;
}

export interface FrameOptions {
  /** The face box's height as a share of the frame's (default 0.5). */
  readonly faceShare?: number;
  /** Mirror horizontally: the same face with the opposite yaw. */
  readonly mirror?: boolean;
  /** Multiply brightness (default 1). */
  readonly brightness?: number;
  readonly quality?: number;
  /** Shift of the crop's centre, in face-box widths (default 0). */
  readonly shift?: number;
}

/** A 640×480 JPEG of `source`'s face, centred, from its photo. */
export async function faceFrame(source: FaceSource, options: FrameOptions = {}): Promise<Buffer> {
  const { faceShare = 0.5, mirror = false, brightness = 1, quality = 85, shift = 0 } = options;
  const [x, y, width, height] = source.box;
  const image = sharp(photo(source.photo));
  const { width: photoWidth = 0, height: photoHeight = 0 } = await image.metadata();
  // The crop with the frame's aspect ratio whose height makes the face `faceShare` of it.
  const cropHeight = Math.round(height / faceShare);
  const cropWidth = Math.round((cropHeight * FRAME_WIDTH) / FRAME_HEIGHT);
  const centreX = x + width / 2 + shift * width;
  const centreY = y + height / 2;
  const left = Math.round(centreX - cropWidth / 2);
  const top = Math.round(centreY - cropHeight / 2);
  // Parts of the crop outside the photo are filled grey (a face near the photo's edge).
  const extend = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    right: Math.max(0, left + cropWidth - photoWidth),
    bottom: Math.max(0, top + cropHeight - photoHeight),
    background: "#808080",
  };
  const padded = await image.extend(extend).toBuffer();
  const crop = await sharp(padded)
    .extract({ left: left + extend.left, top: top + extend.top, width: cropWidth, height: cropHeight })
    .resize(FRAME_WIDTH, FRAME_HEIGHT)
    .toBuffer();
  // Only this face: the rest of the photo (a neighbour's face) behind a grey backdrop.
  const scale = FRAME_HEIGHT / cropHeight;
  const backdrop = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${FRAME_WIDTH}" height="${FRAME_HEIGHT}">` +
      `<ellipse cx="${FRAME_WIDTH / 2 - shift * width * scale}" cy="${FRAME_HEIGHT / 2}" rx="${0.62 * width * scale}" ry="${0.72 * height * scale}" fill="#fff"/></svg>`,
  );
  // (sharp composites last in a pipeline, hence one pipeline per step.)
  const masked = await sharp(crop)
    .ensureAlpha()
    .composite([{ input: backdrop, blend: "dest-in" }])
    .png()
    .toBuffer();
  let frame = sharp(await sharp(masked).flatten({ background: "#808080" }).toBuffer());
  if (mirror) frame = frame.flop();
  if (brightness !== 1) frame = frame.modulate({ brightness });
  return frame.jpeg({ quality }).toBuffer();
}

/** A frame with two faces side by side (each half of the frame). */
export async function twoFacesFrame(a: FaceSource, b: FaceSource): Promise<Buffer> {
  const half = async (source: FaceSource) =>
    sharp(await faceFrame(source, { faceShare: 0.4 }))
      .resize(FRAME_WIDTH / 2, FRAME_HEIGHT, { fit: "cover" })
      .toBuffer();
  return sharp({ create: { width: FRAME_WIDTH, height: FRAME_HEIGHT, channels: 3, background: "#808080" } })
    .composite([
      { input: await half(a), left: 0, top: 0 },
      { input: await half(b), left: FRAME_WIDTH / 2, top: 0 },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A frame without a face: a smooth gradient with noise, like a wall in a dim room. */
export async function noFaceFrame(): Promise<Buffer> {
  const pixels = Buffer.alloc(FRAME_WIDTH * FRAME_HEIGHT * 3);
  let seed = 7;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const x = (i / 3) % FRAME_WIDTH;
    pixels[i] = 90 + Math.round((x / FRAME_WIDTH) * 60) + (seed % 12);
  }
  return sharp(pixels, { raw: { width: FRAME_WIDTH, height: FRAME_HEIGHT, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * `frame` as a flat print held in front of the camera and turned by `degrees` about its vertical
 * axis (a perspective projection, the camera's focal length equal to its distance: a print at
 * arm's length): what a tilted photo attack looks like.
 */
export async function tiltedPrint(frame: Buffer, degrees: number): Promise<Buffer> {
  const { data, info } = await sharp(frame).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const out = Buffer.alloc(width * height * 3, 64);
  const angle = (degrees * Math.PI) / 180;
  const distance = 1.5 * width;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      // Inverse mapping: the point of the print that the camera sees at (u, v).
      const du = u - width / 2;
      const x = (du * distance) / (distance * Math.cos(angle) - du * Math.sin(angle));
      const y = ((v - height / 2) * (distance + x * Math.sin(angle))) / distance;
      const sx = Math.round(x + width / 2);
      const sy = Math.round(y + height / 2);
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) continue;
      data.copy(out, (v * width + u) * 3, (sy * width + sx) * 3, (sy * width + sx) * 3 + 3);
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** An .mjpeg file for Chromium's fake camera (--use-file-for-fake-video-capture): JPEGs one after the other. */
export function mjpeg(frames: readonly Buffer[]): Buffer {
  return Buffer.concat(frames);
}
