// Writes an RPC's answer as a REST response. The status comes from the handler (x-http-code, for
// redirects and the like), else from the method's `success_status` option, else 302/303 for a
// method with the `redirect` option (binding.ts, successAnswerOf), else 200. Response
// headers the handler set (Location, Set-Cookie, Cache-Control, …) are copied through. A
// `google.api.HttpBody` answer is sent raw with its own content type; a method with
// `null_response` answers the JSON `null`; anything else is JSON with the proto field names, in
// which the services of the DETAIL error format show unset `optional` fields as `null`
// (unset-optional.ts).
import { getOption, hasOption, toJson, type DescMessage, type DescService, type Message } from "@bufbuild/protobuf";
import type { FastifyReply } from "fastify";
import type { HttpBody } from "../../gen/google/api/httpbody_pb.js";
import { ErrorFormat, error_format as errorFormatExtension, method as methodExtension } from "../../gen/svault/api/v1/options_pb.js";
import { HTTP_STATUS_HEADER } from "../rpc/http-response.js";
import { type HttpBinding, type SuccessAnswer, sendsNoBody, successAnswerOf } from "./binding.js";
import { type UnsetOptional, withUnsetOptionalsAsNull } from "./unset-optional.js";

const HTTP_BODY = "google.api.HttpBody";

export function successAnswerOfBinding(binding: HttpBinding): SuccessAnswer {
  const { method } = binding;
  return successAnswerOf(binding, hasOption(method, methodExtension) ? getOption(method, methodExtension) : undefined);
}

/** How the service's REST answers show unset `optional` fields (decided by its error format). */
export function unsetOptionalOf(service: DescService): UnsetOptional {
  const format = hasOption(service, errorFormatExtension) ? getOption(service, errorFormatExtension) : ErrorFormat.UNSPECIFIED;
  return format === ErrorFormat.UNSPECIFIED ? "null" : "omit";
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
  unsetOptional: UnsetOptional,
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
  let json: unknown = null;
  if (!success.nullBody) {
    json = restJson(schema, output, unsetOptional);
    if (binding.responseBody) json = (json as Record<string, unknown>)[binding.responseBody.name] ?? null;
  }
  return reply.type("application/json; charset=utf-8").send(JSON.stringify(json));
}

function copyHeaders(header: Headers, reply: FastifyReply): void {
  for (const [name, value] of header) {
    if (name === HTTP_STATUS_HEADER || name === "set-cookie") continue;
    reply.header(name, value);
  }
  const cookies = header.getSetCookie();
  if (cookies.length > 0) reply.header("set-cookie", cookies);
}
