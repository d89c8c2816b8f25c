// svault.tenant.v1.BlockerService.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { BlockerService } from "../../../gen/svault/tenant/v1/blocker_service_pb.js";
import { listBlockedIps, listBlockedUsers, pageRequestOf, unblockIp, unblockUser } from "../../domain/blocker/blocker-lists.js";
import type { BlockedIp, BlockedUser } from "../../persistence/entities/blocked.js";
import { entityManager } from "../../rpc/context.js";

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
      const page = await listBlockedIps(entityManager(ctx), request.tenantId, pageRequestOf(request));
      return { ...page, data: page.data.map((entry) => ({ ip: entry.ip, ...blockMessage(entry) })) };
    },
    async deleteBlockedIp(request, ctx) {
      await unblockIp(entityManager(ctx), request.tenantId, request.ip);
      return {};
    },
    async listBlockedUsers(request, ctx) {
      const page = await listBlockedUsers(entityManager(ctx), request.tenantId, pageRequestOf(request));
      return { ...page, data: page.data.map((entry) => ({ username: entry.username, ...blockMessage(entry) })) };
    },
    async deleteBlockedUser(request, ctx) {
      await unblockUser(entityManager(ctx), request.tenantId, request.username);
      return {};
    },
  };
}
