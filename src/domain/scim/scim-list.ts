// The list operations' shared parts (RFC 7644 §3.4.2): the filter, sorting and paging of a
// request as the repositories' page query, versions (ETags), and the ListResponse.
import type { ResourceFilter, ScimPageQuery } from "../../persistence/repositories/scim-filter-sql.js";
import { UnsupportedFilter } from "../../persistence/repositories/scim-filter-sql.js";
import { createHash } from "node:crypto";
import type { JsonObject } from "./scim-canonical.js";
import { preconditionFailed, scimBadRequest } from "./scim-errors.js";
import { invalidFilter, parseFilter, resolveFilter } from "./scim-filter.js";
import { LIST_RESPONSE_SCHEMA, type ResourceSchema, resolveAttribute } from "./scim-schema.js";

/** The most resources one page carries (ServiceProviderConfig `filter.maxResults`); a larger `count` is capped. */
export const MAX_RESULTS = 200;
/** The page size when the request names none. */
export const DEFAULT_COUNT = 100;
/** Beyond any tenant's size; keeps the offset a number the database takes. */
const MAX_START_INDEX = 1_000_000_000_000;

export interface ListRequest {
  readonly filter: string;
  readonly startIndex?: bigint | undefined;
  readonly count?: bigint | undefined;
  readonly sortBy: string;
  readonly sortOrder: string;
}

export interface ListPage {
  readonly query: ScimPageQuery;
  readonly startIndex: number;
}

export function filterOf(resource: ResourceSchema, filter: string): ResourceFilter | undefined {
  return filter.trim() === "" ? undefined : resolveFilter(parseFilter(filter), resource);
}

export function pageOf(resource: ResourceSchema, request: ListRequest): ListPage {
  const startIndex = Math.min(Math.max(Number(request.startIndex ?? 1n), 1), MAX_START_INDEX);
  const count = Math.min(Math.max(Number(request.count ?? BigInt(DEFAULT_COUNT)), 0), MAX_RESULTS);
  let sortBy: string | undefined;
  if (request.sortBy.trim() !== "") {
    const resolved = resolveAttribute(resource, request.sortBy.trim());
    if (!resolved || (resolved.attribute.type === "complex" && !resolved.sub)) {
      throw scimBadRequest("invalidValue", `Cannot sort by "${request.sortBy}"`);
    }
    sortBy = resolved.path;
  }
  return {
    startIndex,
    query: {
      filter: filterOf(resource, request.filter),
      sortBy,
      descending: request.sortOrder === "descending",
      offset: startIndex - 1,
      limit: count,
    },
  };
}

/** Runs a repository's list; a filter or sort its storage cannot evaluate is `invalidFilter`. */
export async function listing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnsupportedFilter) throw invalidFilter(error.message);
    throw error;
  }
}

export function listResponse(total: number, startIndex: number, resources: JsonObject[]): JsonObject {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A weak ETag over what makes a version: equal content, equal tag. */
export function weakEtag(...parts: unknown[]): string {
  return `W/"${createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 22)}"`;
}

function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, "");
}

/** RFC 7232 weak comparison of `If-Match` / `If-None-Match` (a list, or `*`) with the current version. */
export function etagMatches(header: string, current: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => opaque(tag) === opaque(current));
}

/** `If-Match`: the write goes ahead only on the version the client read (412 otherwise). */
export function checkIfMatch(ifMatch: string | undefined, current: string): void {
  if (ifMatch && !etagMatches(ifMatch, current)) throw preconditionFailed();
}
