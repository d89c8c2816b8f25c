// CORS on the REST routes of the RPCs a browser app on another origin may call, with @fastify/cors.
// The caller gives each such RPC a policy (app.ts); every other route — the admin API above all —
// has none: no CORS headers, and a preflight to it is 404, so a browser never lets another
// origin's page read it. Credentials (cookies) are never allowed cross-origin.
//
// The routes with a policy are registered in a scope of their own, with the CORS hook and one
// OPTIONS route per path for preflights, so that no other route pays for the hook.
import fastifyCors, { type FastifyCorsOptions } from "@fastify/cors";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
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
const PREFLIGHT_MAX_AGE = 600;

/** The route's CORS, in its config (not `cors`: @fastify/cors would take that for its own options). */
interface CorsTarget {
  readonly policy: CorsPolicy;
  readonly binding: HttpBinding;
  /** The answer's options but the origin, made once per path. */
  readonly options: FastifyCorsOptions;
}

interface CorsRouteConfig {
  readonly corsTarget?: CorsTarget;
}

const NO_CORS: FastifyCorsOptions = { origin: false };

/** A plugin registering `routes` with CORS as their policies say. */
export function corsRoutes(routes: readonly CorsRoute[]): (scope: FastifyInstance) => Promise<void> {
  return async (scope) => {
    await scope.register(fastifyCors, { hook: "onRequest", delegator: corsOptionsOf });
    const paths = new Map<string, CorsRoute[]>();
    for (const corsRoute of routes) paths.set(corsRoute.route.url, [...(paths.get(corsRoute.route.url) ?? []), corsRoute]);
    for (const [url, sameUrl] of paths) {
      const methods = [
        ...new Set(sameUrl.flatMap(({ binding }) => (binding.httpMethod === "GET" ? ["GET", "HEAD"] : [binding.httpMethod]))),
      ];
      const targetOf = ({ policy, binding }: CorsRoute): CorsTarget => ({ policy, binding, options: optionsOf(policy, methods) });
      for (const corsRoute of sameUrl)
        scope.route({ ...corsRoute.route, config: { ...corsRoute.route.config, corsTarget: targetOf(corsRoute) } });
      const config: CorsRouteConfig = { corsTarget: targetOf(sameUrl[0] as CorsRoute) };
      // Reached when the CORS hook did not answer (no Origin, or one not allowed): what the path allows.
      scope.options(url, { config }, (_request, reply) => reply.code(204).header("allow", methods.join(", ")).send());
    }
  };
}

function optionsOf(policy: CorsPolicy, methods: readonly string[]): FastifyCorsOptions {
  return {
    ...(policy.origins === "*" ? { origin: "*" } : {}),
    methods: [...methods],
    maxAge: PREFLIGHT_MAX_AGE,
    credentials: false,
    // A preflight without Access-Control-Request-Method is answered as one (not 400 in text/plain).
    strictPreflight: false,
    ...(policy.allowedHeaders ? { allowedHeaders: [...policy.allowedHeaders] } : {}),
    ...(policy.exposedHeaders ? { exposedHeaders: [...policy.exposedHeaders] } : {}),
  };
}

/** @fastify/cors's delegator: the CORS of this request's route, for this request's origin. */
function corsOptionsOf(request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void): void {
  const options = corsOptionsFor(request);
  if (options instanceof Promise)
    options.then(
      (resolved) => callback(null, resolved),
      (error: Error) => callback(error, NO_CORS),
    );
  else callback(null, options);
}

/**
 * Synchronous unless an origin check must run (a policy's `origins` function). A request without
 * `Origin` is no browser's cross-origin request: it gets no CORS headers (`Vary: Origin` keeps
 * caches from serving that answer to one).
 */
function corsOptionsFor(request: FastifyRequest): FastifyCorsOptions | Promise<FastifyCorsOptions> {
  const target = (request.routeOptions.config as CorsRouteConfig).corsTarget;
  const origin = request.headers.origin;
  // Routes without a policy here are only the wildcard OPTIONS route of @fastify/cors: 404.
  if (target === undefined || origin === undefined) return NO_CORS;
  const { policy, binding, options } = target;
  if (policy.origins === "*") return options;
  const variables = readPathVariables(binding.variables, request.params as Record<string, string>);
  const path: PathFields = new Map(variables.map(({ fieldPath, value }) => [fieldPath.join("."), value]));
  return policy.origins(origin, path).then((allowed) => (allowed ? { ...options, origin } : NO_CORS));
}
