// CORS on the REST routes of the RPCs a browser app on another origin may call. The caller gives
// each such RPC a policy (app.ts); every other route — the admin API above all — has none: no CORS
// headers, and a preflight to it is 404, so a browser never lets another origin's page read it.
// Credentials (cookies) are never allowed cross-origin.
//
// Each route with a policy gets an onRequest hook of its own, made once with everything its
// answers need (the policy, the path's methods, the headers' values), and one OPTIONS route per
// path for preflights. The headers are those @fastify/cors wrote (this module used it until its
// per-request work showed in the token path's profiles, docs/performance.md): every answer
// `Vary: Origin`; a request from an allowed origin `Access-Control-Allow-Origin` (`*` for the public
// documents, else the origin) and `Access-Control-Expose-Headers`; a preflight from one also
// `Access-Control-Allow-Methods`, `-Allow-Headers` (the policy's, or those asked for, with
// `Vary: Access-Control-Request-Headers`) and `-Max-Age`, answered 204 by the hook. A request
// without `Origin` is no browser's cross-origin request: it pays for one header.
import type { FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from "fastify";
import type { FastifyInstance } from "fastify";
import type { HttpBinding } from "./binding.js";
import { readPathVariables } from "./path-template.js";

/** The request's path variables by field path (`tenant_id`), for an origin check. */
export type PathFields = ReadonlyMap<string, string>;

export interface CorsPolicy {
  /**
   * `*`: any origin (public documents: discovery, JWKS). Otherwise whether `origin` (the request's
   * `Origin` header) may read the answer, given the request's path variables.
   */
  readonly origins: "*" | ((origin: string, path: PathFields) => Promise<boolean>);
  /** Request headers a page may send (a preflight's answer); by default those it asks for. */
  readonly allowedHeaders?: readonly string[];
  /** Response headers a page may read besides the safelisted ones. */
  readonly exposedHeaders?: readonly string[];
}

export interface CorsRoute {
  readonly route: RouteOptions;
  readonly binding: HttpBinding;
  readonly policy: CorsPolicy;
}

/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = "600";

/** What one route's answers need, made once. */
interface RouteCors {
  readonly policy: CorsPolicy;
  readonly binding: HttpBinding;
  /** `Access-Control-Allow-Methods` of a preflight: the methods of the route's path. */
  readonly methods: string;
  readonly allowedHeaders: string | undefined;
  readonly exposedHeaders: string | undefined;
}

/** A plugin registering `routes` with CORS as their policies say. */
export function corsRoutes(routes: readonly CorsRoute[]): (scope: FastifyInstance) => Promise<void> {
  return async (scope) => {
    const paths = new Map<string, CorsRoute[]>();
    for (const corsRoute of routes) paths.set(corsRoute.route.url, [...(paths.get(corsRoute.route.url) ?? []), corsRoute]);
    for (const [url, sameUrl] of paths) {
      const methods = [
        ...new Set(sameUrl.flatMap(({ binding }) => (binding.httpMethod === "GET" ? ["GET", "HEAD"] : [binding.httpMethod]))),
      ];
      const corsOf = ({ policy, binding }: CorsRoute): RouteCors => ({
        policy,
        binding,
        methods: methods.join(", "),
        allowedHeaders: policy.allowedHeaders?.join(", "),
        exposedHeaders: policy.exposedHeaders?.join(", "),
      });
      for (const corsRoute of sameUrl) {
        scope.route({ ...corsRoute.route, onRequest: withHook(corsRoute.route.onRequest, corsHook(corsOf(corsRoute))) });
      }
      // Reached when the hook did not answer (no Origin, or one not allowed): what the path allows.
      scope.options(url, { onRequest: corsHook(corsOf(sameUrl[0] as CorsRoute)) }, (_request, reply) =>
        reply.code(204).header("allow", methods.join(", ")).send(),
      );
    }
  };
}

function withHook(hooks: RouteOptions["onRequest"], hook: onRequestHookHandler): onRequestHookHandler[] {
  return [...(hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]), hook] as onRequestHookHandler[];
}

/** The route's onRequest hook: synchronous unless a policy's origin check must run. */
function corsHook(cors: RouteCors): onRequestHookHandler {
  return (request, reply, done) => {
    addVary(reply, "Origin");
    const origin = request.headers.origin;
    const { policy } = cors;
    if (origin === undefined) done();
    else if (policy.origins === "*") answer(request, reply, done, cors, "*");
    else checkOrigin(request, reply, done, cors, policy.origins, origin);
  };
}

/** A policy's origin check (a promise: the tenant's client origins may have to be read). */
function checkOrigin(
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
  cors: RouteCors,
  origins: (origin: string, path: PathFields) => Promise<boolean>,
  origin: string,
): void {
  const variables = readPathVariables(cors.binding.variables, request.params as Record<string, string>);
  const path: PathFields = new Map(variables.map(({ fieldPath, value }) => [fieldPath.join("."), value]));
  origins(origin, path).then(
    (allowed) => (allowed ? answer(request, reply, done, cors, origin) : done()),
    (error: Error) => done(error),
  );
}

/** The headers of an allowed origin's request; a preflight is answered here. */
function answer(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void, cors: RouteCors, allowOrigin: string): void {
  reply.header("access-control-allow-origin", allowOrigin);
  if (cors.exposedHeaders !== undefined) reply.header("access-control-expose-headers", cors.exposedHeaders);
  if (request.method !== "OPTIONS") {
    done();
    return;
  }
  reply.header("access-control-allow-methods", cors.methods);
  if (cors.allowedHeaders !== undefined) reply.header("access-control-allow-headers", cors.allowedHeaders);
  else {
    addVary(reply, "Access-Control-Request-Headers");
    const asked = request.headers["access-control-request-headers"];
    if (asked !== undefined) reply.header("access-control-allow-headers", asked);
  }
  reply.header("access-control-max-age", PREFLIGHT_MAX_AGE);
  // Safari waits for a body without an explicit length.
  reply.code(204).header("content-length", "0").send();
}

/** Adds `name` to the answer's Vary header, unless it is there already (or `*`). */
function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader("vary");
  if (current === undefined) {
    reply.header("vary", name);
    return;
  }
  const value = Array.isArray(current) ? current.join(", ") : String(current);
  const names = value.split(",").map((part) => part.trim().toLowerCase());
  if (!names.includes("*") && !names.includes(name.toLowerCase())) reply.header("vary", `${value}, ${name}`);
}
