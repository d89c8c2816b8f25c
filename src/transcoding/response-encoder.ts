// Writes an RPC's answer as a REST response. The status comes from the handler (x-http-code, for
// redirects and the like), else from the method's `success_status` option, else 302/303 for a
// method with the `redirect` option (binding.ts, successAnswerOf), else 200. Response
// headers the handler set (Location, Set-Cookie, Cache-Control, …) are copied through. A
// `google.api.HttpBody` answer is sent raw with its own content type; a method with
// `null_response` answers the JSON `null`; anything else is JSON (SCIM's media type for the SCIM
// service) with the proto field names, in which the services of the DETAIL error format show unset `optional` fields as `null`
// (unset-optional.ts).
//
// An answer the handler declared cacheable (a GET whose Cache-Control is `public`: discovery,
// JWKS) carries an ETag, and a request whose If-None-Match names it gets 304 without a body
// (RFC 9110 §13.1.2). Its JSON text and ETag are kept with the message object: a handler that
// answers with a message it keeps in memory (a document that changes only with its tenant) pays
// for the conversion once, not per request (src/rpc/kept-answers.ts does the same for binary
// Connect and gRPC answers).
import { createHash } from "node:crypto";
import { getOption, hasOption, toJson, type DescMessage, type DescService, type Message } from "@bufbuild/protobuf";
import type { FastifyReply } from "fastify";
import type { HttpBody } from "../../gen/google/api/httpbody_pb.js";
import { ErrorFormat, error_format as errorFormatExtension, method as methodExtension } from "../../gen/svault/api/v1/options_pb.js";
import { HTTP_STATUS_HEADER } from "../rpc/http-response.js";
import { isKeptAnswer } from "../rpc/kept-answers.js";
import { type HttpBinding, type SuccessAnswer, sendsNoBody, successAnswerOf } from "./binding.js";
import { jsonAnswerWriter } from "./json-answer-writer.js";
import { type UnsetOptional, withUnsetOptionalsAsNull } from "./unset-optional.js";

const HTTP_BODY = "google.api.HttpBody";

export function successAnswerOfBinding(binding: HttpBinding): SuccessAnswer {
  const { method } = binding;
  return successAnswerOf(binding, hasOption(method, methodExtension) ? getOption(method, methodExtension) : undefined);
}

/** How a service's REST answers are written, decided by its error format. */
export interface AnswerFormat {
  /** How unset `optional` fields show. */
  readonly unsetOptional: UnsetOptional;
  /** The media type of JSON answers: SCIM's own for the SCIM service (RFC 7644 §3.1). */
  readonly contentType: string;
}

export function answerFormatOf(service: DescService): AnswerFormat {
  const format = hasOption(service, errorFormatExtension) ? getOption(service, errorFormatExtension) : ErrorFormat.UNSPECIFIED;
  return {
    unsetOptional: format === ErrorFormat.UNSPECIFIED ? "null" : "omit",
    contentType: format === ErrorFormat.SCIM ? "application/scim+json; charset=utf-8" : "application/json; charset=utf-8",
  };
}

/**
 * A message as REST JSON: proto field names, implicit fields always, and unset `optional` fields
 * as `null` or left out. The default is the reference-shaped services' `null`.
 */
export function restJson(schema: DescMessage, message: Message, unsetOptional: UnsetOptional = "null"): unknown {
  const json = toJson(schema, message, { useProtoFieldName: true, alwaysEmitImplicit: true });
  return unsetOptional === "null" ? withUnsetOptionalsAsNull(schema, message, json) : json;
}

export function sendResponse(
  reply: FastifyReply,
  binding: HttpBinding,
  success: SuccessAnswer,
  format: AnswerFormat,
  output: Message,
  header: Headers,
): FastifyReply {
  const override = header.get(HTTP_STATUS_HEADER);
  const status = override ? Number(override) : success.status;
  copyHeaders(header, reply);
  reply.code(status);

  const schema = binding.method.output;
  if (schema.typeName === HTTP_BODY) {
    const body = output as HttpBody;
    return reply.type(body.contentType || "application/octet-stream").send(Buffer.from(body.data));
  }
  if (sendsNoBody(status)) return reply.send();
  if (status === 200 && reply.request.method === "GET" && isKeptAnswer(header)) {
    const { text, etag } = cachedEncoding(binding, success, format, output);
    reply.header("etag", etag);
    if (matchesEtag(reply.request.headers["if-none-match"], etag)) return reply.code(304).send();
    return reply.type(format.contentType).send(text);
  }
  return reply.type(format.contentType).send(jsonText(binding, success, format, output));
}

function jsonText(binding: HttpBinding, success: SuccessAnswer, format: AnswerFormat, output: Message): string {
  if (!success.nullBody && binding.responseBody === undefined) {
    const text = jsonAnswerWriter(binding.method.output, format.unsetOptional)?.(output);
    if (text !== undefined) return text;
  }
  let json: unknown = null;
  if (!success.nullBody) {
    json = restJson(binding.method.output, output, format.unsetOptional);
    if (binding.responseBody) json = (json as Record<string, unknown>)[binding.responseBody.name] ?? null;
  }
  return JSON.stringify(json);
}

interface Encoding {
  readonly text: string;
  readonly etag: string;
}

/** The REST encodings of cacheable answers, by message object and by how they are written. */
const encodings = new WeakMap<Message, Map<string, Encoding>>();

function cachedEncoding(binding: HttpBinding, success: SuccessAnswer, format: AnswerFormat, output: Message): Encoding {
  const how = encodingKeyOf(binding, success, format);
  let byHow = encodings.get(output);
  if (!byHow) {
    byHow = new Map();
    encodings.set(output, byHow);
  }
  let encoding = byHow.get(how);
  if (!encoding) {
    const text = jsonText(binding, success, format, output);
    encoding = { text, etag: `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"` };
    byHow.set(how, encoding);
  }
  return encoding;
}

/** A binding's answers are written the same way every time: its key into `encodings`, made once. */
const encodingKeys = new WeakMap<HttpBinding, string>();

function encodingKeyOf(binding: HttpBinding, success: SuccessAnswer, format: AnswerFormat): string {
  let key = encodingKeys.get(binding);
  if (key === undefined) {
    // The same message may be written by bindings that differ in response_body or unset-optional style.
    key = `${binding.responseBody?.name ?? ""}|${success.nullBody}|${format.unsetOptional}`;
    encodingKeys.set(binding, key);
  }
  return key;
}

/** Whether an If-None-Match header names this ETag (weak comparison, RFC 9110 §13.1.2), or is `*`. */
function matchesEtag(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const value = Array.isArray(ifNoneMatch) ? ifNoneMatch.join(",") : ifNoneMatch;
  return value.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || (trimmed.startsWith("W/") ? trimmed.slice(2) : trimmed) === etag;
  });
}

function copyHeaders(header: Headers, reply: FastifyReply): void {
  // `forEach` rather than an iterator: a call's unwritten response headers (ResponseHeaders) then
  // make no array and no iterator, and Headers gives the same entries in the same order either way.
  let cookies = false;
  header.forEach((value, name) => {
    if (name === "set-cookie") cookies = true;
    else if (name !== HTTP_STATUS_HEADER) reply.header(name, value);
  });
  if (cookies) reply.header("set-cookie", header.getSetCookie());
}
