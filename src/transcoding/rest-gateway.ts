// The REST surface: one Fastify route per google.api.http binding of every registered RPC, all
// served by the same generic handler. The handler builds the request message, runs the Connect
// implementation through the same interceptors as Connect and gRPC (auth, validation, database,
// error boundary) and writes the answer and errors in the route family's REST shape.
import { getOption, hasOption, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createServiceImplSpec, type HandlerContext, type Interceptor, type UnaryResponse } from "@connectrpc/connect";
import type { FastifyBodyParser, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { parse as parseQueryString } from "node:querystring";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { error_format as errorFormatExtension } from "../../gen/svault/api/v1/options_pb.js";
import type { FieldViolation } from "../errors/domain-error.js";
import { requestContextValues, restCallKey } from "../rpc/context.js";
import { asDomainError } from "../rpc/interceptors/error-boundary.js";
import type { ServiceRegistration } from "../rpc/registry.js";
import { outputOf, UnaryInvoker } from "../rpc/unary-invoker.js";
import { compileBinding, locationOf, type HttpBinding } from "./binding.js";
import { restCallContext } from "./call-context.js";
import { type CorsPolicy, type CorsRoute, corsRoutes } from "./cors.js";
import { rendererFor, type ErrorRenderer, type RestError } from "./error-renderers.js";
import { fastifyErrorHandler, sendRendered } from "./framework-errors.js";
import { decodeRequest, RestDecodeError, type StringFields } from "./request-decoder.js";
import { answerFormatOf, sendResponse, successAnswerOfBinding } from "./response-encoder.js";

export interface RestGatewayOptions {
  readonly registrations: readonly ServiceRegistration[];
  readonly interceptors: readonly Interceptor[];
  readonly shutdownSignal?: AbortSignal;
  /** The CORS of an RPC's routes, for the few a browser app on another origin may call (cors.ts). */
  readonly corsPolicyOf?: (method: DescMethodUnary) => CorsPolicy | undefined;
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
  // Many clients send `Content-Type: application/json` with every request, bodiless DELETEs and
  // POSTs included: an empty body is no body (Fastify's parser refuses it with 400). A binding that
  // needs a body then answers for its missing fields, like for `{}`.
  const json = app.getDefaultJsonParser("error", "error");
  const jsonOrNothing: FastifyBodyParser<string> = (request, body, done) => {
    if (body === "") return done(null, undefined);
    const value = parsedWithoutPoisonSuspects(body);
    return value === NEEDS_DEFAULT_PARSER ? json(request, body, done) : done(null, value);
  };
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(["application/json", "application/scim+json"], { parseAs: "string" }, jsonOrNothing);

  // Fastify's own failures (malformed JSON, unsupported media type, body too large) in the
  // route family's error shape.
  app.setErrorHandler(fastifyErrorHandler((request) => (request.routeOptions.config as Partial<RouteConfig>).renderer ?? rendererFor(0)));

  const specs = new Map(options.registrations.map((r) => [r.service, createServiceImplSpec(r.service, r.impl)]));
  const withCors: CorsRoute[] = [];
  for (const binding of collectBindings(options.registrations)) {
    const service = binding.method.parent;
    const spec = specs.get(service)?.methods[binding.method.localName];
    if (spec?.kind !== "unary") continue;
    const renderer = errorRendererOf(service);
    const success = successAnswerOfBinding(binding);
    const answerFormat = answerFormatOf(service);
    const config: RouteConfig = { renderer };
    // The method's interceptor chain, composed once for all its calls (unary-invoker.ts).
    const invoker = new UnaryInvoker(spec, options.interceptors);

    const route: RouteOptions = {
      method: binding.httpMethod,
      url: binding.route,
      config,
      // Not async, and returning nothing: the answer is written with `reply.send` when the call
      // settles (Fastify then waits for it, as for any handler that returns undefined). An async
      // handler cost a promise and a microtask for its await, one more for resolving with the
      // reply (a thenable: Reply#then), and Fastify's `then` on the handler's promise one more.
      handler: (request: FastifyRequest, reply: FastifyReply): void => {
        const values = requestContextValues({ requestId: request.id, clientAddress: request.ip, logger: request.log }).set(
          restCallKey,
          true,
        );
        const ctx = restCallContext(service, binding.method, request, values, options.shutdownSignal);
        let answered: Promise<UnaryResponse>;
        try {
          const input = decodeRequest(binding, {
            params: request.params as Record<string, string>,
            query: request.query as StringFields,
            body: request.body ?? undefined,
            isForm: (request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"),
          });
          answered = invoker.invoke(ctx, input);
        } catch (error) {
          sendFailure(binding, renderer, request, reply, ctx, error);
          return;
        }
        // Neither callback throws (nobody waits for the promise `then` makes).
        answered.then(
          (response) => {
            try {
              sendResponse(reply, binding, success, answerFormat, outputOf(response, ctx), ctx.responseHeader);
            } catch (error) {
              sendFailure(binding, renderer, request, reply, ctx, error);
            }
          },
          (error: unknown) => {
            sendFailure(binding, renderer, request, reply, ctx, error);
          },
        );
      },
    };
    const policy = options.corsPolicyOf?.(binding.method);
    if (policy) withCors.push({ route, binding, policy });
    else app.route(route);
  }
  if (withCors.length > 0) await app.register(corsRoutes(withCors));
}

const NEEDS_DEFAULT_PARSER = Symbol("needs the default parser");

/**
 * A JSON body as Fastify's default parser reads it, when the text cannot hold a key that parser
 * refuses (secure-json-parse with both prototype poisonings an error): it looks for a
 * `"__proto__":` or `"constructor":` key, each letter literal or `\uXXXX`-escaped, so a text with
 * neither word and no `\u` escape has none, and its two regular expressions need not scan it.
 * Anything else — such a word, an escape, a byte-order mark, malformed JSON — is left to the
 * default parser, which answers as it always did (the value, or the 400 of a malformed body).
 */
export function parsedWithoutPoisonSuspects(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff || text.includes("\\u") || text.includes("__proto__") || text.includes("constructor")) {
    return NEEDS_DEFAULT_PARSER;
  }
  try {
    return JSON.parse(text);
  } catch {
    return NEEDS_DEFAULT_PARSER;
  }
}

/**
 * A call's failure in the route family's error shape, with the headers its handler set. Never
 * throws: should writing the failure fail, Fastify's error handling gets that error, as it got
 * whatever an async handler's promise rejected with.
 */
function sendFailure(
  binding: HttpBinding,
  renderer: ErrorRenderer,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: HandlerContext,
  error: unknown,
): void {
  try {
    copyResponseHeaders(ctx.responseHeader, reply);
    const restError = toRestError(binding, error, request);
    if (restError.retryAfterSeconds) reply.header("retry-after", String(restError.retryAfterSeconds));
    sendRendered(reply, renderer(restError));
  } catch (failure) {
    if (reply.sent) request.log.error({ err: failure }, "REST error answer failed after it was sent");
    else reply.send(failure instanceof Error ? failure : new Error(String(failure)));
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

/** Headers a handler set before failing (e.g. `WWW-Authenticate`) still reach the client. */
function copyResponseHeaders(header: Headers, reply: FastifyReply): void {
  header.forEach((value, name) => {
    if (name !== "x-http-code") reply.header(name, value);
  });
}
