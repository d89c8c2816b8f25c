// SCIM Groups (RFC 7644 §3): a tenant's groups and their members, who are users of the same
// tenant. Membership changes touch only the memberships that change: a PATCH adding one member
// to a group of 10 000 inserts one row and never reads the others. Every change raises the
// group's version (its ETag). A PATCH or PUT is one statement (GroupRepository.write), preceded
// by a read of the group only when the change depends on it (If-Match, or a PatchOp on the
// group's attributes, which is applied to what was read and written only if still current).
import { randomUUID } from "node:crypto";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { GroupFields, GroupMemberRef, GroupRecord, MembershipDelta } from "../../persistence/repositories/group-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { requireTenant } from "../users/user-admin.js";
import { canonicalize, isObject, type JsonObject } from "./scim-canonical.js";
import { scimBadRequest, scimNotFound } from "./scim-errors.js";
import type { RawFilter } from "./scim-filter.js";
import { checkIfMatch, type ListRequest, listing, listResponse, pageOf } from "./scim-list.js";
import { applyPatch, type PatchOperation, parseTarget, patchOperationsOf } from "./scim-patch.js";
import { carries, type Projection, project } from "./scim-projection.js";
import { GROUP_RESOURCE, GROUP_SCHEMA } from "./scim-schema.js";
import type { ScimAnswer, ScimBase } from "./scim-users.js";

export function groupEtag(group: GroupRecord): string {
  return `W/"${group.version}"`;
}

export function groupResource(group: GroupRecord, members: readonly GroupMemberRef[] | undefined, base: ScimBase): JsonObject {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members
      ? { members: members.map((m) => ({ value: m.id, $ref: `${base.url}/Users/${m.id}`, display: m.username, type: "User" })) }
      : {}),
    meta: {
      resourceType: "Group",
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${base.url}/Groups/${group.id}`,
      version: groupEtag(group),
    },
  };
}

function fieldsOf(canonical: JsonObject): GroupFields {
  const { displayName, externalId } = canonical;
  if (typeof displayName !== "string" || displayName.trim() === "" || displayName.length > 256) {
    throw scimBadRequest("invalidValue", "displayName is required: 1 to 256 characters");
  }
  if (externalId !== undefined && (typeof externalId !== "string" || externalId.length > 256)) {
    throw scimBadRequest("invalidValue", "externalId: at most 256 characters");
  }
  return { displayName, externalId: externalId ?? null };
}

/** The ids of a `members` value: `[{"value": id}, …]` (a single object, or bare ids, are taken too). */
function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const id = isObject(item) ? item.value : item;
    if (typeof id !== "string" || id === "") throw scimBadRequest("invalidValue", "members: each member needs a value (a user id)");
    return id.toLowerCase();
  });
}

async function requireMembers(repos: TenantRepositories, ids: readonly string[]): Promise<void> {
  const unknown = await repos.groups.unknownUsers(ids);
  if (unknown.length > 0) throw scimBadRequest("invalidValue", `members: no user ${unknown.slice(0, 5).join(", ")} in this tenant`);
}

async function requireGroup(repos: TenantRepositories, groupId: string): Promise<GroupRecord> {
  const group = await repos.groups.find(groupId);
  if (!group) throw scimNotFound("Group", groupId);
  return group;
}

async function answer(repos: TenantRepositories, group: GroupRecord, base: ScimBase, projection?: Projection): Promise<ScimAnswer> {
  const members =
    !projection || carries(projection, "members") ? ((await repos.groups.membersOf([group.id])).get(group.id) ?? []) : undefined;
  const resource = groupResource(group, members, base);
  return {
    resource: projection ? project(resource, projection) : resource,
    etag: groupEtag(group),
    location: `${base.url}/Groups/${group.id}`,
  };
}

export async function createScimGroup(repos: TenantRepositories, base: ScimBase, body: JsonObject | undefined): Promise<ScimAnswer> {
  if (!body) throw scimBadRequest("invalidSyntax", "A Group resource is required");
  await requireTenant(repos);
  const canonical = canonicalize(GROUP_RESOURCE, body);
  const fields = fieldsOf(canonical);
  const members = memberIds(canonical.members);
  const group = await repos.transactional(async (tx) => {
    await requireMembers(tx, members);
    const created = await tx.groups.insert({ id: randomUUID(), ...fields });
    await tx.groups.addMembers(created.id, members);
    return created;
  });
  return answer(repos, group, base);
}

export async function getScimGroup(
  repos: TenantRepositories,
  base: ScimBase,
  groupId: string,
  projection: Projection,
): Promise<ScimAnswer> {
  return answer(repos, await requireGroup(repos, groupId), base, projection);
}

export async function listScimGroups(
  repos: TenantRepositories,
  base: ScimBase,
  request: ListRequest,
  projection: Projection,
): Promise<JsonObject> {
  const { query, startIndex } = pageOf(GROUP_RESOURCE, request);
  const { total, groups } = await listing(() => repos.groups.list(query));
  const members = carries(projection, "members") ? await repos.groups.membersOf(groups.map((g) => g.id)) : undefined;
  const resources = groups.map((group) =>
    project(groupResource(group, members ? (members.get(group.id) ?? []) : undefined, base), projection),
  );
  return listResponse(total, startIndex, resources);
}

export async function replaceScimGroup(
  repos: TenantRepositories,
  base: ScimBase,
  groupId: string,
  body: JsonObject | undefined,
  ifMatch: string | undefined,
): Promise<ScimAnswer> {
  if (!body) throw scimBadRequest("invalidSyntax", "A Group resource is required");
  const canonical = canonicalize(GROUP_RESOURCE, body);
  const fields = fieldsOf(canonical);
  const members: MembershipDelta = { keep: false, add: memberIds(canonical.members), remove: [] };
  const group = await writeGroup(repos, groupId, ifMatch, false, () => ({ fields, members }));
  return answer(repos, group, base);
}

/** Tries a write this often when the group changes between its read and the write. */
const WRITE_ATTEMPTS = 10;

/**
 * Writes a group in one statement. The group is read first only when the change needs it (the
 * client's If-Match, or `read` for a change computed from the current attributes); the write then
 * goes through only at the version read, and is tried again on a newer one. When nothing was
 * written, says why: no such group (404), If-Match (412), or a user to add who is not the
 * tenant's (400).
 */
async function writeGroup(
  repos: TenantRepositories,
  groupId: string,
  ifMatch: string | undefined,
  read: boolean,
  change: (current: GroupRecord | undefined) => { fields: GroupFields | undefined; members: MembershipDelta },
): Promise<GroupRecord> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const current = read || ifMatch ? await requireGroup(repos, groupId) : undefined;
    if (current) checkIfMatch(ifMatch, groupEtag(current));
    const { fields, members } = change(current);
    const written = await repos.groups.write(groupId, { version: current?.version, fields, members });
    if (written) return written;
    if (!current) await requireGroup(repos, groupId);
    await requireMembers(repos, members.add);
    // The group changed between the read and the write: again, on the new version (If-Match is checked against it).
  }
  throw new DomainError(Code.Aborted, "SCIM_CONCURRENT_CHANGES", "The group keeps changing: try again");
}

/** A change of memberships, in the order the PatchOp gives it. */
type MembershipChange = { readonly kind: "add" | "remove" | "replace"; readonly ids: string[] } | { readonly kind: "clear" };

/**
 * The net effect of the changes applied in order (what the group's members are after them), and
 * every user they add on the way, all of whom must be users of the tenant (even one removed again
 * by a later operation).
 */
export function netMembership(changes: readonly MembershipChange[]): { delta: MembershipDelta; added: string[] } {
  let keep = true;
  const add = new Set<string>();
  const remove = new Set<string>();
  const added = new Set<string>();
  for (const change of changes) {
    if (change.kind === "clear" || change.kind === "replace") {
      keep = false;
      add.clear();
      remove.clear();
    }
    if (change.kind === "clear") continue;
    for (const id of change.ids) {
      if (change.kind === "remove") {
        add.delete(id);
        if (keep) remove.add(id);
      } else {
        added.add(id);
        add.add(id);
        remove.delete(id);
      }
    }
  }
  return { delta: { keep, add: [...add], remove: [...remove] }, added: [...added] };
}

/** Splits a group PatchOp into membership changes and the operations on the other attributes. */
function splitMembership(operations: readonly PatchOperation[]): { changes: MembershipChange[]; others: PatchOperation[] } {
  const changes: MembershipChange[] = [];
  const others: PatchOperation[] = [];
  for (const operation of operations) {
    const { op, path, value } = operation;
    if (path === undefined) {
      if (op !== "remove" && isObject(value)) {
        const membersKey = Object.keys(value).find((key) => key.toLowerCase() === "members");
        if (membersKey) {
          changes.push({ kind: op === "add" ? "add" : "replace", ids: memberIds(value[membersKey]) });
          const { [membersKey]: _, ...rest } = value;
          if (Object.keys(rest).length > 0) others.push({ op, path, value: rest });
          continue;
        }
      }
      others.push(operation);
      continue;
    }
    const target = parseTarget(GROUP_RESOURCE, path);
    if (target.attribute.name !== "members") {
      others.push(operation);
      continue;
    }
    if (target.sub) throw scimBadRequest("invalidPath", "A member's sub-attributes cannot be changed: add or remove the member");
    if (target.filter) {
      // `members[value eq "<id>"]` (or several joined by `or`): those members.
      if (op !== "remove") throw scimBadRequest("invalidPath", `${op} on a filtered members path is not supported: add the member`);
      changes.push({ kind: "remove", ids: memberValues(target.filter) });
    } else if (op === "remove") {
      changes.push(value === undefined || value === null ? { kind: "clear" } : { kind: "remove", ids: memberIds(value) });
    } else {
      changes.push({ kind: op, ids: memberIds(value) });
    }
  }
  return { changes, others };
}

function memberValues(filter: RawFilter): string[] {
  if (filter.op === "eq" && filter.path.toLowerCase() === "value" && typeof filter.value === "string") return [filter.value.toLowerCase()];
  if (filter.op === "or") return [...memberValues(filter.left), ...memberValues(filter.right)];
  throw scimBadRequest("invalidFilter", 'A members filter must be value eq "<id>" (joined by or)');
}

export async function patchScimGroup(
  repos: TenantRepositories,
  base: ScimBase,
  groupId: string,
  patchOp: JsonObject | undefined,
  ifMatch: string | undefined,
): Promise<ScimAnswer> {
  const { changes, others } = splitMembership(patchOperationsOf(patchOp));
  const { delta, added } = netMembership(changes);
  // Users added and removed again by the same PatchOp must still be the tenant's (as added alone).
  const transient = new Set(delta.add);
  await requireMembers(
    repos,
    added.filter((id) => !transient.has(id)),
  );
  const group = await writeGroup(repos, groupId, ifMatch, others.length > 0, (current) => {
    if (!current || others.length === 0) return { fields: undefined, members: delta };
    const writable: JsonObject = {
      displayName: current.displayName,
      ...(current.externalId !== null ? { externalId: current.externalId } : {}),
    };
    return { fields: fieldsOf(canonicalize(GROUP_RESOURCE, applyPatch(GROUP_RESOURCE, writable, others))), members: delta };
  });
  // Entra ID and Okta do not need the members back: answering them would read every membership.
  return answer(repos, group, base, { include: undefined, exclude: [{ container: undefined, name: "members", sub: undefined }] });
}

export async function deleteScimGroup(repos: TenantRepositories, groupId: string, ifMatch: string | undefined): Promise<void> {
  const current = await requireGroup(repos, groupId);
  checkIfMatch(ifMatch, groupEtag(current));
  if (!(await repos.groups.delete(groupId))) throw scimNotFound("Group", groupId);
}
