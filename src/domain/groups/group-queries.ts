// Reading a tenant's groups for the admin API (GroupService): a page filtered by a display-name
// prefix, and one group with its members. Groups are written only over SCIM (src/domain/scim/).
import { notFound } from "../../errors/domain-error.js";
import type { GroupMemberRef, GroupRecord, GroupRepository } from "../../persistence/repositories/group-repository.js";

export interface ListGroupsInput {
  readonly displayName?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export const DEFAULT_GROUP_LIMIT = 10;

export interface GroupPage {
  readonly data: GroupRecord[];
  readonly hasNext: boolean;
  readonly totalCount: number;
}

/** The page, in display-name order; the prefix is the SCIM `displayName sw` (case-insensitive, served by its index). */
export async function listGroups(groups: GroupRepository, input: ListGroupsInput): Promise<GroupPage> {
  const limit = input.limit || DEFAULT_GROUP_LIMIT;
  const offset = input.offset ?? 0;
  const page = await groups.list({
    filter: input.displayName ? { op: "sw", attribute: "displayName", value: input.displayName, caseExact: false } : undefined,
    sortBy: "displayName",
    descending: false,
    offset,
    limit,
  });
  return { data: page.groups, hasNext: offset + page.groups.length < page.total, totalCount: page.total };
}

export async function getGroup(groups: GroupRepository, groupId: string): Promise<{ group: GroupRecord; members: GroupMemberRef[] }> {
  const group = await groups.find(groupId);
  if (!group) throw notFound("GROUP_NOT_FOUND", `Group ${groupId} not found`);
  const members = (await groups.membersOf([group.id])).get(group.id) ?? [];
  return { group, members };
}
