// svault.scim.v1.ScimService: SCIM 2.0 provisioning (docs/scim.md). Resources travel as
// google.protobuf.Struct (JSON objects), so the same handlers serve REST (where the gateway writes
// them as `application/scim+json` and renders errors as RFC 7644 errors), Connect and gRPC.
// The HTTP-only parts go through the response headers: `Location`, `ETag`, and the statuses of
// conditional requests (304 for a matching `If-None-Match`).
import type { JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ScimService } from "../../../gen/svault/scim/v1/scim_service_pb.js";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { Logout } from "../../domain/oidc/logout.js";
import { getResourceType, getSchema, listResourceTypes, listSchemas, serviceProviderConfig } from "../../domain/scim/scim-discovery.js";
import { scimNotFound } from "../../domain/scim/scim-errors.js";
import {
  createScimGroup,
  deleteScimGroup,
  getScimGroup,
  listScimGroups,
  patchScimGroup,
  replaceScimGroup,
} from "../../domain/scim/scim-groups.js";
import { etagMatches } from "../../domain/scim/scim-list.js";
import { projectionOf } from "../../domain/scim/scim-projection.js";
import { GROUP_RESOURCE, USER_RESOURCE } from "../../domain/scim/scim-schema.js";
import {
  createScimUser,
  deleteScimUser,
  getScimUser,
  listScimUsers,
  patchScimUser,
  replaceScimUser,
  type ScimAnswer,
  type ScimBase,
} from "../../domain/scim/scim-users.js";
import { requireTenant } from "../../domain/users/user-admin.js";
import { setHttpStatus } from "../../rpc/http-response.js";
import { principal, repositories } from "../../rpc/context.js";

export interface ScimServiceDeps {
  readonly publicUrl: string;
  readonly logout: Logout;
}

/**
 * A SCIM document as the Struct of a response. The domain builds them from parsed JSON, strings,
 * booleans and numbers only (dates as ISO strings), so they are JSON values by construction.
 */
function struct(document: Record<string, unknown>): JsonObject {
  return document as JsonObject;
}

function notSupported(): DomainError {
  return new DomainError(Code.Unimplemented, "SCIM_ME_NOT_SUPPORTED", "Not supported: change your account through /api/v1/users/me");
}

/** The resource, with its `ETag` and, for a creation, its `Location`. */
function written(ctx: HandlerContext, answer: ScimAnswer, created = false) {
  ctx.responseHeader.set("etag", answer.etag);
  if (created) ctx.responseHeader.set("location", answer.location);
  return { resource: struct(answer.resource) };
}

/** A read: 304 without a body when `If-None-Match` names the current version. */
function read(ctx: HandlerContext, answer: ScimAnswer) {
  ctx.responseHeader.set("etag", answer.etag);
  const ifNoneMatch = ctx.requestHeader.get("if-none-match");
  if (ifNoneMatch && etagMatches(ifNoneMatch, answer.etag)) {
    setHttpStatus(ctx, 304);
    return {};
  }
  return { resource: struct(answer.resource) };
}

const ifMatch = (ctx: HandlerContext) => ctx.requestHeader.get("if-match") ?? undefined;

export function scimService(deps: ScimServiceDeps): ServiceImpl<typeof ScimService> {
  const baseOf = (tenantId: string): ScimBase => ({ url: `${deps.publicUrl}/scim/v2/${tenantId}` });
  const documentationUri = `${deps.publicUrl}/docs`;
  /** The public documents exist for existing tenants only. */
  const tenantBase = async (ctx: HandlerContext, tenantId: string) => {
    await requireTenant(repositories(ctx, tenantId));
    return baseOf(tenantId);
  };
  return {
    async getServiceProviderConfig(request, ctx) {
      return { resource: struct(serviceProviderConfig(await tenantBase(ctx, request.tenantId), documentationUri)) };
    },
    async listSchemas(request, ctx) {
      return { resource: struct(listSchemas(await tenantBase(ctx, request.tenantId))) };
    },
    async getSchema(request, ctx) {
      return { resource: struct(getSchema(await tenantBase(ctx, request.tenantId), request.schemaUri)) };
    },
    async listResourceTypes(request, ctx) {
      return { resource: struct(listResourceTypes(await tenantBase(ctx, request.tenantId))) };
    },
    async getResourceType(request, ctx) {
      return { resource: struct(getResourceType(await tenantBase(ctx, request.tenantId), request.resourceTypeId)) };
    },

    async createUser(request, ctx) {
      const repos = repositories(ctx, request.tenantId);
      return written(ctx, await createScimUser(repos, principal(ctx), baseOf(request.tenantId), request.resource), true);
    },
    async listUsers(request, ctx) {
      const projection = projectionOf(USER_RESOURCE, request.attributes, request.excludedAttributes);
      return { resource: struct(await listScimUsers(repositories(ctx, request.tenantId), baseOf(request.tenantId), request, projection)) };
    },
    async getUser(request, ctx) {
      const projection = projectionOf(USER_RESOURCE, request.attributes, request.excludedAttributes);
      return read(ctx, await getScimUser(repositories(ctx, request.tenantId), baseOf(request.tenantId), request.userId, projection));
    },
    async replaceUser(request, ctx) {
      const repos = repositories(ctx, request.tenantId);
      const base = baseOf(request.tenantId);
      return written(ctx, await replaceScimUser(deps, repos, principal(ctx), base, request.userId, request.resource, ifMatch(ctx)));
    },
    async patchUser(request, ctx) {
      const repos = repositories(ctx, request.tenantId);
      const base = baseOf(request.tenantId);
      return written(ctx, await patchScimUser(deps, repos, principal(ctx), base, request.userId, request.patchOp, ifMatch(ctx)));
    },
    async deleteUser(request, ctx) {
      await deleteScimUser(deps, repositories(ctx, request.tenantId), principal(ctx), request.userId, ifMatch(ctx));
      return {};
    },

    async createGroup(request, ctx) {
      return written(ctx, await createScimGroup(repositories(ctx, request.tenantId), baseOf(request.tenantId), request.resource), true);
    },
    async listGroups(request, ctx) {
      const projection = projectionOf(GROUP_RESOURCE, request.attributes, request.excludedAttributes);
      return { resource: struct(await listScimGroups(repositories(ctx, request.tenantId), baseOf(request.tenantId), request, projection)) };
    },
    async getGroup(request, ctx) {
      const projection = projectionOf(GROUP_RESOURCE, request.attributes, request.excludedAttributes);
      return read(ctx, await getScimGroup(repositories(ctx, request.tenantId), baseOf(request.tenantId), request.groupId, projection));
    },
    async replaceGroup(request, ctx) {
      const repos = repositories(ctx, request.tenantId);
      return written(ctx, await replaceScimGroup(repos, baseOf(request.tenantId), request.groupId, request.resource, ifMatch(ctx)));
    },
    async patchGroup(request, ctx) {
      const repos = repositories(ctx, request.tenantId);
      const answer = await patchScimGroup(repos, baseOf(request.tenantId), request.groupId, request.patchOp, ifMatch(ctx));
      // 204 as Okta documents it (RFC 7644 §3.5.2 allows it): the members are not read back.
      setHttpStatus(ctx, 204);
      return written(ctx, answer);
    },
    async deleteGroup(request, ctx) {
      await deleteScimGroup(repositories(ctx, request.tenantId), request.groupId, ifMatch(ctx));
      return {};
    },

    async getMe(request, ctx) {
      const caller = principal(ctx);
      if (caller.tenantId !== request.tenantId) throw scimNotFound("User", "me");
      const projection = projectionOf(USER_RESOURCE, request.attributes, request.excludedAttributes);
      return read(ctx, await getScimUser(repositories(ctx, request.tenantId), baseOf(request.tenantId), caller.userId, projection));
    },
    async createMe() {
      throw notSupported();
    },
    async replaceMe() {
      throw notSupported();
    },
    async patchMe() {
      throw notSupported();
    },
    async deleteMe() {
      throw notSupported();
    },

    async catchAll() {
      throw new DomainError(Code.NotFound, "SCIM_NO_SUCH_ENDPOINT", "No such SCIM endpoint");
    },
  };
}
