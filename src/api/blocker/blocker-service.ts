// svault.tenant.v1.BlockerService.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { BlockerService } from "../../../gen/svault/tenant/v1/blocker_service_pb.js";
import { listBlockedIps, listBlockedUsers, pageRequestOf, unblockIp, unblockUser } from "../../domain/blocker/blocker-lists.js";
import type { BlockedIp, BlockedUser } from "../../persistence/entities/blocked.js";
import { repositories } from "../../rpc/context.js";

function blockMessage(entry: BlockedIp | BlockedUser) {
  return {
    failures: entry.failures,
    reason: entry.reason,
    blockedAt: timestampFromDate(entry.blockedAt),
    ...(entry.blockedUntil ? { blockedUntil: timestampFromDate(entry.blockedUntil) } : {}),
  };
}

export function blockerService(): ServiceImpl<typeof BlockerService> {
  return {
    async listBlockedIps(request, ctx) {
      const page = await listBlockedIps(repositories(ctx, request.tenantId).blocker, pageRequestOf(request));
      return { ...page, data: page.data.map((entry) => ({ ip: entry.ip, ...blockMessage(entry) })) };
    },
    async deleteBlockedIp(request, ctx) {
      await unblockIp(repositories(ctx, request.tenantId).blocker, request.ip);
      return {};
    },
    async listBlockedUsers(request, ctx) {
      const page = await listBlockedUsers(repositories(ctx, request.tenantId).blocker, pageRequestOf(request));
      return { ...page, data: page.data.map((entry) => ({ username: entry.username, ...blockMessage(entry) })) };
    },
    async deleteBlockedUser(request, ctx) {
      await unblockUser(repositories(ctx, request.tenantId).blocker, request.username);
      return {};
    },
  };
}
