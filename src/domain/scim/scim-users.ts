// SCIM Users (RFC 7644 §3) on the tenant's users (docs/scim.md, "Attribute mapping"): userName is
// the username, the primary e-mail the e-mail address, `active` the opposite of disabled, locale
// and externalId their columns; everything else is kept in the user's SCIM profile as given and
// returned as given. Deactivation (`active: false`) and deletion act as the admin API's do:
// sign-in stops at once, sessions end, tokens are revoked, clients hear of it (back-channel
// logout). `password` is never stored nor returned: users set their secret through the tenant's
// reset / invitation e-mail.
//
// Round trips: a read is one statement (the user's groups come with the row); a PUT or PATCH is
// a read and one `update … returning` guarded by the read's row version (re-done, rarely, when
// the user changed in between), with no transaction held open across them — except when it
// deactivates the user, which ends their sessions and tokens in the same transaction.
import { randomUUID } from "node:crypto";
import { Code, DomainError } from "../../errors/domain-error.js";
import type { ScimProfile, ScimUserRecord } from "../../persistence/repositories/scim-user-repository.js";
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

export function userResource(record: ScimUserRecord, base: ScimBase): JsonObject {
  const { user, groups } = record;
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

/** A read that needs no groups: the user's own columns only (a new user has none; a deletion needs the version only). */
const NO_GROUPS: Projection = { include: undefined, exclude: [{ container: undefined, name: "groups", sub: undefined }] };

async function requireScimUser(repos: TenantRepositories, userId: string, projection?: Projection): Promise<ScimUserRecord> {
  const record = await repos.scimUsers.find(userId, { groups: !projection || carries(projection, "groups") });
  if (!record) throw scimNotFound("User", userId);
  return record;
}

function answer(record: ScimUserRecord, base: ScimBase, projection?: Projection): ScimAnswer {
  const resource = userResource(record, base);
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
    // A new user is in no group yet.
    return requireScimUser(tx, user.id, NO_GROUPS);
  });
  return answer(record, base);
}

export async function getScimUser(repos: TenantRepositories, base: ScimBase, userId: string, projection: Projection): Promise<ScimAnswer> {
  return answer(await requireScimUser(repos, userId, projection), base, projection);
}

export async function listScimUsers(
  repos: TenantRepositories,
  base: ScimBase,
  request: ListRequest,
  projection: Projection,
): Promise<JsonObject> {
  const { query, startIndex } = pageOf(USER_RESOURCE, request);
  const { total, users } = await listing(() => repos.scimUsers.list(query, { groups: carries(projection, "groups") }));
  const resources = users.map((record) => project(userResource(record, base), projection));
  return listResponse(total, startIndex, resources);
}

/** Tries a write this often when the user changes between its read and the write. */
const WRITE_ATTEMPTS = 10;

/**
 * Writes `next` over the user, as read, at the version `ifMatch` names; ends their sessions when
 * it disables them. The write goes through only if the user is still as read (row version), and
 * is computed again from a new read otherwise.
 */
async function writeUser(
  deps: UserAdminDeps,
  repos: TenantRepositories,
  caller: Principal,
  base: ScimBase,
  userId: string,
  ifMatch: string | undefined,
  next: (current: ScimUserRecord, emailRequired: boolean) => ScimUserInput,
): Promise<ScimAnswer> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const found = await repos.scimUsers.findForWrite(userId);
    if (!found) throw scimNotFound("User", userId);
    const { record: current, emailRequired } = found;
    checkIfMatch(ifMatch, userEtag(current));
    assertMayManage(caller, current.user, current.user.roles);
    const input = next(current, emailRequired);
    const sameEmail =
      (current.user.email ?? "") === input.email || normalizeEmail(current.user.email ?? "") === normalizeEmail(input.email);
    const { roles: _, ...fields } = storedFieldsOf({
      username: input.username,
      email: input.email,
      isDisabled: input.isDisabled,
      isVerified: current.user.isVerified && sameEmail,
      roles: current.user.roles,
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    });
    const write = (tx: TenantRepositories) => tx.scimUsers.write(userId, current.rowVersion, fields, input.profile);
    try {
      if (input.isDisabled && !current.user.isDisabled) {
        // Deactivation: sign-in stops, and the sessions and tokens end, in one transaction.
        const done = await repos.transactional(async (tx) => {
          const record = await write(tx);
          return record && { record, ended: await cutOffUser(tx, userId) };
        });
        if (done) {
          deps.logout.announce(repos.tenantId, done.ended);
          return answer(done.record, base);
        }
      } else {
        const record = await write(repos);
        if (record) return answer(record, base);
      }
    } catch (error) {
      throw duplicateError(error) ?? error;
    }
    // The user changed since the read: again, from what they are now (If-Match is checked against it).
  }
  throw new DomainError(Code.Aborted, "SCIM_CONCURRENT_CHANGES", "The user keeps changing: try again");
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
  const current = await requireScimUser(repos, userId, NO_GROUPS);
  checkIfMatch(ifMatch, userEtag(current));
  await deleteUser(deps, repos, caller, userId);
}
