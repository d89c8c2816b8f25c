// One REST binding → one OpenAPI operation: its parameters, request body, success response (the
// method's `success_status`, `null_response`, `redirect` and `sets_cookie`) and the error responses
// of its service's error format, which also decides whether unset `optional` fields are `null` or
// left out.
import type { DescMessage } from "@bufbuild/protobuf";
import { STATUS_CODES } from "node:http";
import { type HttpBinding, type SuccessAnswer, sendsNoBody, successAnswerOf } from "../../src/transcoding/binding.js";
import type { UnsetOptional } from "../../src/transcoding/unset-optional.js";
import type { Annotations, ErrorStyle } from "./annotations.js";
import { docOf } from "./comments.js";
import { errorResponses } from "./error-responses.js";
import type { Header, HttpVerb, MediaType, Operation, RequestBody, Response } from "./openapi-types.js";
import { pathParameters, queryParameters } from "./parameters.js";
import { openApiPath } from "./paths.js";
import type { SchemaCatalog } from "./schemas.js";

const HTTP_BODY = "google.api.HttpBody";

export interface BoundOperation {
  readonly path: string;
  readonly verb: HttpVerb;
  readonly operation: Operation;
}

export function operationOf(binding: HttpBinding, operationId: string, catalog: SchemaCatalog, annotations: Annotations): BoundOperation {
  const { method } = binding;
  const { summary, description } = docOf(method);
  const { path, segmentPatterns } = openApiPath(binding.template);
  const style = annotations.errorStyle(method.parent);
  // As the REST gateway decides (src/transcoding/response-encoder.ts, answerFormatOf).
  const unset: UnsetOptional = style === "detail" ? "null" : "omit";
  const parameters = [
    ...pathParameters(binding, catalog, segmentPatterns, unset),
    ...queryParameters(binding, catalog, annotations, unset),
  ];
  const requestBody = requestBodyOf(binding, catalog, style, unset);
  const success = successAnswerOf(binding, annotations.methodRules(method));
  const operation: Operation = {
    tags: [method.parent.name],
    ...(summary ? { summary } : {}),
    ...(description && description !== summary ? { description } : {}),
    operationId,
    ...(method.deprecated ? { deprecated: true } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(success.status)]: successResponse(binding, success, catalog, unset, style),
      ...errorResponses(style),
    },
  };
  return { path, verb: binding.httpMethod.toLowerCase() as HttpVerb, operation };
}

/** The gateway parses JSON and form bodies on every route, and SCIM's media type too. */
function requestContentTypes(style: ErrorStyle): string[] {
  return ["application/json", "application/x-www-form-urlencoded", ...(style === "scim" ? ["application/scim+json"] : [])];
}

function requestBodyOf(binding: HttpBinding, catalog: SchemaCatalog, style: ErrorStyle, unset: UnsetOptional): RequestBody | undefined {
  const { body } = binding;
  if (body === undefined) return undefined;
  let media: MediaType;
  let description: string | undefined;
  if (body === "*") {
    // Top-level fields bound to the path come from there; nested ones may be sent in both.
    const fromPath = new Set(binding.variables.filter((v) => v.fieldPath.length === 1).map((v) => v.fieldPath.join(".")));
    media = { schema: catalog.messageWithout(binding.method.input, fromPath, unset) };
  } else {
    media = { schema: catalog.value(body, unset) };
    description = docOf(body).description;
  }
  return {
    ...(description ? { description } : {}),
    content: Object.fromEntries(requestContentTypes(style).map((type) => [type, media])),
  };
}

const LOCATION: Header = {
  description: "Where the browser goes next.",
  required: true,
  schema: { type: "string", format: "uri-reference" },
};

const SET_COOKIE: Header = {
  description: "A cookie the answer sets or clears (one header per cookie), when it does.",
  schema: { type: "string" },
};

function successResponse(
  binding: HttpBinding,
  success: SuccessAnswer,
  catalog: SchemaCatalog,
  unset: UnsetOptional,
  style: ErrorStyle,
): Response {
  const { description, content } = successBody(binding, success, catalog, unset, style);
  const headers: Record<string, Header> = {
    ...(success.redirect ? { Location: LOCATION } : {}),
    ...(success.setsCookie ? { "Set-Cookie": SET_COOKIE } : {}),
  };
  return { description, ...(Object.keys(headers).length > 0 ? { headers } : {}), ...(content ? { content } : {}) };
}

function successBody(
  binding: HttpBinding,
  { status, nullBody, redirect }: SuccessAnswer,
  catalog: SchemaCatalog,
  unset: UnsetOptional,
  style: ErrorStyle,
): Pick<Response, "description" | "content"> {
  const output: DescMessage = binding.method.output;
  const reason = STATUS_CODES[status] ?? "Success";
  if (redirect) return { description: `${reason}: a browser redirect to \`Location\`, without a body.` };
  // The gateway sends no body with these, whatever the handler returned.
  if (sendsNoBody(status)) return { description: reason };
  const description = docOf(output).summary ?? reason;
  if (nullBody) return { description, content: { "application/json": { schema: { type: "null" } } } };
  if (output.typeName === HTTP_BODY) return { description: `${reason}: a body in the media type the method sets.`, content: { "*/*": {} } };
  const schema = binding.responseBody ? catalog.value(binding.responseBody, unset) : catalog.message(output, unset);
  // As the REST gateway answers (src/transcoding/response-encoder.ts, answerFormatOf).
  return { description, content: { [style === "scim" ? "application/scim+json" : "application/json"]: { schema } } };
}
