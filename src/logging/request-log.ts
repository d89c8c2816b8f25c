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

/** The levels at which a request line (info, or debug for assets) may be written. */
const WRITES_INFO_OR_DEBUG: ReadonlySet<string> = new Set(["trace", "debug", "info"]);

export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  // Above info (LOG_LEVEL=warn) nothing is written: the line is not even built.
  if (!WRITES_INFO_OR_DEBUG.has(request.log.level)) return;
  const line = { method: request.method, path: loggablePath(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
  if ((request.routeOptions.config as AssetRouteConfig).staticAsset) request.log.debug(line, "request");
  else request.log.info(line, "request");
}
