// SCIM Users (RFC 7644 §3) on the tenant's users (docs/scim.md, "Attribute mapping"): userName is
// the username, the primary e-mail the e-mail address, `active` the opposite of disabled, locale
// and externalId their columns; everything else is kept in the user's SCIM profile as given and
// returned as given. Deactivation (`active: false`) and deletion act as the admin API's do:
// sign-in stops at once, sessions end, tokens are revoked, clients hear of it (back-channel
// logout). `password` is never stored nor returned: users set their secret through the tenant's
// reset / invitation e-mail.
import { randomUUID } from "node:crypto";
import type { GroupRef, ScimProfile, ScimUserRecord } from "../../persistence/repositories/scim-user-repository.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import type { Principal } from "../auth/permissions.js";
import { normalizeEmail } from "../../sdk/identity-normalization.js";
import {
  createUser,
  cutOffUser,
  deleteUser,
  duplicateError,
  requireTenant,
  storedFieldsOf,
  type UserAdminDeps,
} from "../users/user-admin.js";
import { assertMayManage } from "../users/user-record.js";
import { canonicalize, isObject, type JsonObject } from "./scim-canonical.js";
import { scimBadRequest, scimNotFound } from "./scim-errors.js";
import { checkIfMatch, type ListRequest, listing, listResponse, pageOf, weakEtag } from "./scim-list.js";
import { applyPatch, patchOperationsOf } from "./scim-patch.js";
import { carries, type Projection, project } from "./scim-projection.js";
import { ENTERPRISE_USER_SCHEMA, USER_RESOURCE, USER_SCHEMA } from "./scim-schema.js";

/** Where the tenant's SCIM resources live: `{PUBLIC_URL}/scim/v2/{tenant}`. */
export interface ScimBase {
  readonly url: string;
}

export interface ScimAnswer {
  readonly resource: JsonObject;
  readonly etag: string;
  readonly location: string;
}

/** The columns' attributes: everything else of a user is their SCIM profile. */
const COLUMN_ATTRIBUTES = new Set(["userName", "externalId", "active", "locale"]);
const USERNAME = /^[^\s\p{C}]{1,128}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function userEtag({ user, profile }: ScimUserRecord): string {
  return weakEtag(user.username, user.externalId, user.isDisabled, user.locale, user.email, profile, user.updatedAt.toISOString());
}

/** The user's e-mail addresses: the profile's, or the one of a user made otherwise. */
function emailsOf({ user, profile }: ScimUserRecord): unknown {
  if (profile.emails !== undefined) return profile.emails;
  return user.email ? [{ value: user.email, primary: true }] : undefined;
}

/** What a client may change of the user, in canonical form (what PATCH works on). */
function writableUser(record: ScimUserRecord): JsonObject {
  const { user, profile } = record;
  const emails = emailsOf(record);
  return {
    userName: user.username,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    ...profile,
    ...(emails !== undefined ? { emails } : {}),
    active: !user.isDisabled,
    ...(user.locale ? { locale: user.locale } : {}),
  };
}

export function userResource(record: ScimUserRecord, groups: readonly GroupRef[] | undefined, base: ScimBase): JsonObject {
  const { user } = record;
  const { userName, externalId, ...rest } = writableUser(record);
  const extensions = Object.keys(rest).filter((key) => key.startsWith("urn:"));
  const location = `${base.url}/Users/${user.id}`;
  return {
    schemas: [USER_SCHEMA, ...extensions.sort((a, b) => (a === ENTERPRISE_USER_SCHEMA ? -1 : b === ENTERPRISE_USER_SCHEMA ? 1 : 0))],
    id: user.id,
    ...(externalId !== undefined ? { externalId } : {}),
    userName,
    ...rest,
    ...(groups && groups.length > 0
      ? { groups: groups.map((g) => ({ value: g.id, $ref: `${base.url}/Groups/${g.id}`, display: g.displayName, type: "direct" })) }
      : {}),
    meta: {
      resourceType: "User",
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location,
      version: userEtag(record),
    },
  };
}

interface ScimUserInput {
  readonly username: string;
  readonly email: string;
  readonly isDisabled: boolean;
  readonly locale: string | undefined;
  readonly externalId: string | undefined;
  readonly profile: ScimProfile;
}

function stringAttribute(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length > max) throw scimBadRequest("invalidValue", `${name}: at most ${max} characters`);
  return value;
}

/** The primary e-mail address (or the first), the one the user's account uses. */
function primaryEmail(emails: unknown): string {
  if (!Array.isArray(emails) || emails.length === 0) return "";
  const chosen = emails.find((e) => isObject(e) && e.primary === true) ?? emails[0];
  const value = isObject(chosen) ? chosen.value : undefined;
  if (typeof value !== "string" || value.length > 254 || !EMAIL.test(value)) {
    throw scimBadRequest("invalidValue", "emails: the primary value must be an e-mail address");
  }
  return value;
}

function userInputOf(body: JsonObject | undefined, emailRequired: boolean): ScimUserInput {
  if (!body) throw scimBadRequest("invalidSyntax", "A User resource is required");
  const canonical = canonicalize(USER_RESOURCE, body);
  const username = canonical.userName;
  if (typeof username !== "string" || !USERNAME.test(username)) {
    throw scimBadRequest("invalidValue", "userName is required: 1 to 128 characters without spaces");
  }
  const email = primaryEmail(canonical.emails);
  if (emailRequired && !email) throw scimBadRequest("invalidValue", "emails: the tenant requires an e-mail address");
  const profile: ScimProfile = {};
  for (const [key, value] of Object.entries(canonical)) if (!COLUMN_ATTRIBUTES.has(key)) profile[key] = value;
  return {
    username,
    email,
    isDisabled: canonical.active === false,
    locale: stringAttribute(canonical.locale, "locale", 35),
    externalId: stringAttribute(canonical.externalId, "externalId", 256),
    profile,
  };
}

async function requireScimUser(repos: TenantRepositories, userId: string, lock = false): Promise<ScimUserRecord> {
  const record = await repos.scimUsers.find(userId, { lock });
  if (!record) throw scimNotFound("User", userId);
  return record;
}

async function answer(repos: TenantRepositories, record: ScimUserRecord, base: ScimBase, projection?: Projection): Promise<ScimAnswer> {
  const groups =
    !projection || carries(projection, "groups") ? (await repos.scimUsers.groupsOf([record.user.id])).get(record.user.id) : undefined;
  const resource = userResource(record, groups, base);
  return {
    resource: projection ? project(resource, projection) : resource,
    etag: userEtag(record),
    location: `${base.url}/Users/${record.user.id}`,
  };
}

export async function createScimUser(
  repos: TenantRepositories,
  caller: Principal,
  base: ScimBase,
  body: JsonObject | undefined,
): Promise<ScimAnswer> {
  const tenant = await requireTenant(repos);
  const input = userInputOf(body, tenant.hasUsernameAndEmail);
  const record = await repos.transactional(async (tx) => {
    const user = await createUser(tx, caller, {
      userId: randomUUID(),
      username: input.username,
      email: input.email,
      isDisabled: input.isDisabled,
      // The address came from the organization's directory; the user proves it with the invitation mail.
      isVerified: false,
      roles: [],
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    });
    await tx.scimUsers.saveProfile(user.id, input.profile);
    return requireScimUser(tx, user.id);
  });
  return answer(repos, record, base);
}

export async function getScimUser(repos: TenantRepositories, base: ScimBase, userId: string, projection: Projection): Promise<ScimAnswer> {
  return answer(repos, await requireScimUser(repos, userId), base, projection);
}

export async function listScimUsers(
  repos: TenantRepositories,
  base: ScimBase,
  request: ListRequest,
  projection: Projection,
): Promise<JsonObject> {
  const { query, startIndex } = pageOf(USER_RESOURCE, request);
  const { total, users } = await listing(() => repos.scimUsers.list(query));
  const groups = carries(projection, "groups")
    ? await repos.scimUsers.groupsOf(users.map((u) => u.user.id))
    : new Map<string, GroupRef[]>();
  const resources = users.map((record) => project(userResource(record, groups.get(record.user.id), base), projection));
  return listResponse(total, startIndex, resources);
}

/** Writes `next` over the user (locked, at the version `ifMatch` names); ends their sessions when it disables them. */
async function writeUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  base: ScimBase,
  userId: string,
  ifMatch: string | undefined,
  next: (current: ScimUserRecord, emailRequired: boolean) => ScimUserInput,
): Promise<ScimAnswer> {
  const tenant = await requireTenant(repos);
  const { record, ended } = await repos.transactional(async (tx) => {
    const current = await requireScimUser(tx, userId, true);
    checkIfMatch(ifMatch, userEtag(current));
    assertMayManage(caller, current.user, current.user.roles);
    const input = next(current, tenant.hasUsernameAndEmail);
    const sameEmail =
      (current.user.email ?? "") === input.email || normalizeEmail(current.user.email ?? "") === normalizeEmail(input.email);
    try {
      await tx.users.update(
        userId,
        storedFieldsOf({
          username: input.username,
          email: input.email,
          isDisabled: input.isDisabled,
          isVerified: current.user.isVerified && sameEmail,
          roles: current.user.roles,
          ...(input.locale !== undefined ? { locale: input.locale } : {}),
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
        }),
      );
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
    await tx.scimUsers.saveProfile(userId, input.profile);
    const ended = input.isDisabled && !current.user.isDisabled ? await cutOffUser(tx, userId) : [];
    return { record: await requireScimUser(tx, userId), ended };
  });
  deps.logout.announce(repos.tenantId, ended);
  return answer(repos, record, base);
}

export function replaceScimUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  base: ScimBase,
  userId: string,
  body: JsonObject | undefined,
  ifMatch: string | undefined,
): Promise<ScimAnswer> {
  return writeUser(deps, repos, caller, base, userId, ifMatch, (_current, emailRequired) => userInputOf(body, emailRequired));
}

export function patchScimUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  base: ScimBase,
  userId: string,
  patchOp: JsonObject | undefined,
  ifMatch: string | undefined,
): Promise<ScimAnswer> {
  const operations = patchOperationsOf(patchOp);
  return writeUser(deps, repos, caller, base, userId, ifMatch, (current, emailRequired) =>
    userInputOf(applyPatch(USER_RESOURCE, writableUser(current), operations), emailRequired),
  );
}

export async function deleteScimUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  userId: string,
  ifMatch: string | undefined,
): Promise<void> {
  const current = await requireScimUser(repos, userId);
  checkIfMatch(ifMatch, userEtag(current));
  await deleteUser(deps, repos, caller, userId);
}
