// svault.oidc.v1.MfaAdminService: a tenant's Entra settings and account links (beyond the reference).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntraSettingsSchema, EntraUserLinkSchema, MfaAdminService } from "../../../gen/svault/oidc/v1/mfa_admin_service_pb.js";
import { createEntraUserLink, deleteEntraUserLink, getEntraSettings, updateEntraSettings } from "../../domain/mfa/entra-settings.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import type { EntraSettingsRecord, EntraUserLinkRecord } from "../../persistence/repositories/entra-mfa-repository.js";
import { repositories } from "../../rpc/context.js";

function settingsMessage(settings: EntraSettingsRecord): MessageInitShape<typeof EntraSettingsSchema> {
  return { ...settings, allowedTenantIds: [...settings.allowedTenantIds] };
}

function linkMessage(link: EntraUserLinkRecord): MessageInitShape<typeof EntraUserLinkSchema> {
  return { ...link, createdAt: timestampFromDate(link.createdAt) };
}

/** The tenant's repositories, once it is known to exist (an unknown tenant is a 404, not a failed write). */
async function tenantRepositories(ctx: HandlerContext, tenantId: string) {
  const repos = repositories(ctx, tenantId);
  await getTenant(repos);
  return repos;
}

export function mfaAdminService(): ServiceImpl<typeof MfaAdminService> {
  return {
    async getEntraSettings(request, ctx) {
      return { settings: settingsMessage(await getEntraSettings(await tenantRepositories(ctx, request.tenantId))) };
    },
    async updateEntraSettings(request, ctx) {
      const saved = await updateEntraSettings(await tenantRepositories(ctx, request.tenantId), request);
      return { settings: settingsMessage(saved) };
    },
    async listEntraUserLinks(request, ctx) {
      const links = await (await tenantRepositories(ctx, request.tenantId)).entraMfa.links(request.userId || undefined);
      return { links: links.map(linkMessage) };
    },
    async createEntraUserLink(request, ctx) {
      return { link: linkMessage(await createEntraUserLink(await tenantRepositories(ctx, request.tenantId), request)) };
    },
    async deleteEntraUserLink(request, ctx) {
      await deleteEntraUserLink(await tenantRepositories(ctx, request.tenantId), request.entraTenantId, request.objectId);
      return {};
    },
  };
}
