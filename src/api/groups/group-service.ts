// svault.user.v1.GroupService: a tenant's groups, read-only (beyond the reference; SCIM writes them).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { GroupSchema, GroupService } from "../../../gen/svault/user/v1/group_service_pb.js";
import { getGroup, listGroups } from "../../domain/groups/group-queries.js";
import type { GroupMemberRef, GroupRecord } from "../../persistence/repositories/group-repository.js";
import { repositories } from "../../rpc/context.js";

function groupMessage(group: GroupRecord, members: readonly GroupMemberRef[] = []): MessageInitShape<typeof GroupSchema> {
  return {
    groupId: group.id,
    displayName: group.displayName,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    members: members.map((member) => ({ userId: member.id, username: member.username })),
    createdAt: timestampFromDate(group.createdAt),
    updatedAt: timestampFromDate(group.updatedAt),
  };
}

export function groupService(): ServiceImpl<typeof GroupService> {
  return {
    async listGroups(request, ctx) {
      const page = await listGroups(repositories(ctx, request.tenantId).groups, {
        displayName: request.displayName,
        ...(request.limit !== undefined ? { limit: request.limit } : {}),
        ...(request.offset !== undefined ? { offset: request.offset } : {}),
      });
      return { data: page.data.map((group) => groupMessage(group)), hasNext: page.hasNext, totalCount: page.totalCount };
    },
    async getGroup(request, ctx) {
      const { group, members } = await getGroup(repositories(ctx, request.tenantId).groups, request.groupId);
      return { group: groupMessage(group, members) };
    },
  };
}
