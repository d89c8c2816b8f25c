// The REST surface: one Fastify route per google.api.http binding of every registered RPC, all
// served by the same generic handler. The handler builds the request message, runs the Connect
// implementation through the same interceptors as Connect and gRPC (auth, validation, database,
// error boundary) and writes the answer and errors in the route family's REST shape.
import { getOption, hasOption, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createServiceImplSpec, type Interceptor } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parse as parseQueryString } from "node:querystring";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { error_format as errorFormatExtension } from "../../gen/svault/api/v1/options_pb.js";
import type { FieldViolation } from "../errors/domain-error.js";
import { requestContextValues } from "../rpc/context.js";
import { asDomainError } from "../rpc/interceptors/error-boundary.js";
import type { ServiceRegistration } from "../rpc/registry.js";
import { compileBinding, locationOf, type HttpBinding } from "./binding.js";
import { restCallContext } from "./call-context.js";
import { rendererFor, type ErrorRenderer, type RestError } from "./error-renderers.js";
import { decodeRequest, RestDecodeError, type StringFields } from "./request-decoder.js";
import { sendResponse, successAnswerOfBinding, unsetOptionalOf } from "./response-encoder.js";

export interface RestGatewayOptions {
  readonly registrations: readonly ServiceRegistration[];
  readonly interceptors: readonly Interceptor[];
  readonly shutdownSignal?: AbortSignal;
}

interface RouteConfig {
  readonly renderer: ErrorRenderer;
}

/** Every REST binding of the registered services, in registration order. */
export function collectBindings(registrations: readonly ServiceRegistration[]): HttpBinding[] {
  const bindings: HttpBinding[] = [];
  for (const { service } of registrations) {
    for (const method of service.methods) {
      if (method.methodKind !== "unary" || !hasOption(method, http)) continue;
      const rule = getOption(method, http);
      for (const binding of [rule, ...rule.additionalBindings]) bindings.push(bindingOf(method as DescMethodUnary, binding));
    }
  }
  return bindings;
}

function bindingOf(method: DescMethodUnary, rule: HttpRule): HttpBinding {
  const { pattern } = rule;
  if (pattern.case === undefined || pattern.case === "custom") {
    throw new Error(`${method.parent.typeName}.${method.name}: custom HTTP methods are not supported`);
  }
  const httpMethod = pattern.case.toUpperCase() as HttpBinding["httpMethod"];
  return compileBinding(method, httpMethod, pattern.value, rule.body, rule.responseBody);
}

export function errorRendererOf(service: DescService): ErrorRenderer {
  return rendererFor(hasOption(service, errorFormatExtension) ? getOption(service, errorFormatExtension) : 0);
}

export async function restGateway(app: FastifyInstance, options: RestGatewayOptions): Promise<void> {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    done(null, parseQueryString(body as string));
  });
  app.addContentTypeParser("application/scim+json", { parseAs: "string" }, app.getDefaultJsonParser("error", "error"));

  // Fastify's own failures (malformed JSON, unsupported media type, body too large) in the
  // route family's error shape.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const renderer = (request.routeOptions.config as Partial<RouteConfig>).renderer ?? rendererFor(0);
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, "REST request failed");
    const restError: RestError =
      error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
        ? restErrorOf(Code.InvalidArgument, "JSON decode error", [{ path: ["body"], message: "JSON decode error", type: "json_invalid" }])
        : restErrorOf(codeOfHttpStatus(status), status >= 500 ? "Internal Server Error" : error.message, []);
    const rendered = renderer(restError);
    // Keep Fastify's precise 4xx (413, 415) where the code table would say 400.
    const precise = status >= 400 && status < 500 && rendered.status !== 422 ? status : rendered.status;
    return sendError(reply, { ...rendered, status: precise });
  });

  const specs = new Map(options.registrations.map((r) => [r.service, createServiceImplSpec(r.service, r.impl)]));
  // Connect copies the list itself when it builds a call's interceptor chain.
  const interceptors = [...options.interceptors];
  for (const binding of collectBindings(options.registrations)) {
    const service = binding.method.parent;
    const spec = specs.get(service)?.methods[binding.method.localName];
    if (spec?.kind !== "unary") continue;
    const renderer = errorRendererOf(service);
    const success = successAnswerOfBinding(binding);
    const unsetOptional = unsetOptionalOf(service);
    const config: RouteConfig = { renderer };

    app.route({
      method: binding.httpMethod,
      url: binding.route,
      config,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const values = requestContextValues({ requestId: request.id, clientAddress: request.ip, logger: request.log });
        const ctx = restCallContext(service, binding.method, request, values, options.shutdownSignal);
        try {
          const input = decodeRequest(binding, {
            params: request.params as Record<string, string>,
            query: request.query as StringFields,
            body: request.body ?? undefined,
            isForm: (request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"),
          });
          const output = await invokeUnaryImplementation(spec, ctx, input, interceptors);
          return sendResponse(reply, binding, success, unsetOptional, output, ctx.responseHeader);
        } catch (error) {
          copyResponseHeaders(ctx.responseHeader, reply);
          const restError = toRestError(binding, error, request);
          if (restError.retryAfterSeconds) reply.header("retry-after", String(restError.retryAfterSeconds));
          return sendError(reply, renderer(restError));
        }
      },
    });
  }
}

function toRestError(binding: HttpBinding, error: unknown, request: FastifyRequest): RestError {
  if (error instanceof RestDecodeError) return restErrorOf(Code.InvalidArgument, "invalid request", error.violations);
  const domain = asDomainError(error);
  if (domain) {
    const violations = domain.violations.map((v): FieldViolation => ({ ...v, path: locationOf(binding, v.path) }));
    return {
      code: domain.code,
      message: domain.message,
      violations,
      oauthError: domain.oauthError,
      scimType: domain.scimType,
      retryAfterSeconds: domain.retryAfterSeconds,
    };
  }
  if (error instanceof ConnectError && error.code !== Code.Internal && error.code !== Code.Unknown) {
    return restErrorOf(error.code, error.rawMessage, []);
  }
  // The error boundary interceptor logged it already when it came from the handler.
  if (!(error instanceof ConnectError)) request.log.error({ err: error }, "REST request failed");
  return restErrorOf(Code.Internal, "Internal Server Error", []);
}

function restErrorOf(code: Code, message: string, violations: FieldViolation[]): RestError {
  return { code, message, violations, oauthError: undefined, scimType: undefined };
}

function codeOfHttpStatus(status: number): Code {
  if (status === 400 || status === 422) return Code.InvalidArgument;
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 404) return Code.NotFound;
  if (status === 413) return Code.ResourceExhausted;
  if (status === 415) return Code.InvalidArgument;
  if (status === 429) return Code.ResourceExhausted;
  return Code.Internal;
}

/** Headers a handler set before failing (e.g. `WWW-Authenticate`) still reach the client. */
function copyResponseHeaders(header: Headers, reply: FastifyReply): void {
  for (const [name, value] of header) if (name !== "x-http-code") reply.header(name, value);
}

function sendError(reply: FastifyReply, rendered: ReturnType<ErrorRenderer>): FastifyReply {
  for (const [name, value] of Object.entries(rendered.headers)) reply.header(name, value);
  return reply.code(rendered.status).type(rendered.contentType).send(JSON.stringify(rendered.body));
}
