// One line per answered request, with the path only (the query string may carry codes and
// tokens). Requests for static assets (scripts, styles, pictures, models) are logged at debug:
// a page load fetches dozens, and at info they drowned the requests that matter.
import type { FastifyReply, FastifyRequest } from "fastify";
import { loggablePath } from "./logger.js";

/** A route's `config` as this hook reads it: whether the route serves static assets. */
interface AssetRouteConfig {
  readonly staticAsset?: boolean;
}

/** Route options of a static-asset route (`app.get(path, STATIC_ASSET_ROUTE, handler)`). */
export const STATIC_ASSET_ROUTE = { config: { staticAsset: true } } as const;

export async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const line = { method: request.method, path: loggablePath(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
  if ((request.routeOptions.config as AssetRouteConfig).staticAsset) request.log.debug(line, "request");
  else request.log.info(line, "request");
}
