// `GET /ui/brand.css?tenant_id=&client_id=&v=`: the stylesheet of a tenant's (and client's) brand
// colours (brand.ts). The pages link it with `v`, the hash of its content, so a browser may keep
// it for a year: new colours make a new URL. A request for another version gets the current one,
// not to be kept, with an ETag to revalidate.
import { TenantRepositories } from "../persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../persistence/unit-of-work.js";
import type { FastifyReply, FastifyRequest } from "fastify";
import { getClient } from "../domain/clients/client-admin.js";
import { getTenant } from "../domain/tenants/tenant-admin.js";
import type { Database } from "../persistence/database.js";
import { brandColoursOf, brandStylesheet, stylesheetVersion } from "./brand.js";
import { type PageQuery, queryText, undefinedIfNotFound } from "./page-context.js";

export function brandStylesheetRoute(database: Database) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as PageQuery;
    const em = database.orm.em.fork();
    const tenant = await getTenant(new TenantRepositories(new UnitOfWork(em), queryText(query, "tenant_id", 63))).catch(
      undefinedIfNotFound,
    );
    if (!tenant) return reply.code(404).header("cache-control", "no-store").send({ detail: "Not Found" });
    const clientId = queryText(query, "client_id", 128);
    const client = clientId
      ? await getClient(new TenantRepositories(new UnitOfWork(em), tenant.id), clientId).catch(undefinedIfNotFound)
      : undefined;
    const css = brandStylesheet(brandColoursOf(tenant, client));
    const version = stylesheetVersion(css);
    const etag = `"${version}"`;
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .header("etag", etag)
      .header("cache-control", queryText(query, "v", 64) === version ? "public, max-age=31536000, immutable" : "no-cache");
    if (request.headers["if-none-match"] === etag) return reply.code(304).send();
    return reply.send(css);
  };
}
