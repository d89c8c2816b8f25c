// A small file served from memory: read once at start-up, with a content hash as its ETag so
// that a client revalidating after `max-age` gets a 304 instead of the body.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { FastifyReply, FastifyRequest } from "fastify";

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const CACHE_CONTROL = "public, max-age=300";

export function staticAsset(content: string | Buffer, contentType: string): StaticAsset {
  const body = Buffer.from(content);
  return { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"` };
}

export async function readAsset(file: URL, contentType: string): Promise<StaticAsset> {
  return staticAsset(await readFile(file), contentType);
}

export function sendAsset(
  request: FastifyRequest,
  reply: FastifyReply,
  asset: StaticAsset,
  headers: Record<string, string> = {},
): FastifyReply {
  reply.headers({ ...headers, "cache-control": CACHE_CONTROL, etag: asset.etag });
  if (isCurrent(request.headers["if-none-match"], asset.etag)) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

/** RFC 9110 §13.1.2: a weak comparison against any of the listed tags, or `*`. */
function isCurrent(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}
