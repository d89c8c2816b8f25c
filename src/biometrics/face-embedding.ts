// Face embeddings: face-api's 128-d descriptor of one face (FaceNet-style, compared by Euclidean
// distance), and their byte form for sealing.

export const EMBEDDING_LENGTH = 128;

/** One face's descriptor: 128 finite numbers. */
export type FaceEmbedding = Float32Array;

export interface FaceComparison {
  /** Whether `distance` is within the threshold: the same person, as far as the model can tell. */
  readonly match: boolean;
  readonly distance: number;
}

export function isFaceEmbedding(value: unknown): value is FaceEmbedding {
  return value instanceof Float32Array && value.length === EMBEDDING_LENGTH && value.every(Number.isFinite);
}

/** Euclidean distance between two embeddings. */
export function faceDistance(a: FaceEmbedding, b: FaceEmbedding): number {
  if (!isFaceEmbedding(a) || !isFaceEmbedding(b)) throw new TypeError(`a face embedding is ${EMBEDDING_LENGTH} finite numbers`);
  let sum = 0;
  for (let i = 0; i < EMBEDDING_LENGTH; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** A live embedding against an enrolled template, under `threshold` (liveness_config.match_threshold). */
export function compareFace(embedding: FaceEmbedding, template: FaceEmbedding, threshold: number): FaceComparison {
  const distance = faceDistance(embedding, template);
  return { match: distance <= threshold, distance };
}

/** Little-endian float32s, independent of the machine's byte order. */
export function embeddingToBytes(embedding: FaceEmbedding): Buffer {
  if (!isFaceEmbedding(embedding)) throw new TypeError(`a face embedding is ${EMBEDDING_LENGTH} finite numbers`);
  const bytes = Buffer.alloc(EMBEDDING_LENGTH * 4);
  for (let i = 0; i < EMBEDDING_LENGTH; i++) bytes.writeFloatLE(embedding[i] ?? 0, i * 4);
  return bytes;
}

/** The inverse of embeddingToBytes; undefined when `bytes` is not one. */
export function embeddingFromBytes(bytes: Uint8Array): FaceEmbedding | undefined {
  if (bytes.length !== EMBEDDING_LENGTH * 4) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const embedding = new Float32Array(EMBEDDING_LENGTH);
  for (let i = 0; i < EMBEDDING_LENGTH; i++) embedding[i] = view.readFloatLE(i * 4);
  return isFaceEmbedding(embedding) ? embedding : undefined;
}
