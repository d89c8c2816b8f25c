// The pure rules of user administration, without a server or a database: identity normalization
// and the stored form of a user, the role hierarchy, and what a List Users request asks for.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeEmail, normalizeUsername } from "../../../src/sdk/identity-normalization.js";
import { storedFieldsOf } from "../../../src/domain/users/user-admin.js";
import { DEFAULT_LIMIT, userListQueryOf } from "../../../src/domain/users/user-queries.js";
import { assertMayManage } from "../../../src/domain/users/user-record.js";
import { Code, DomainError } from "../../../src/errors/domain-error.js";
import { prefixPattern } from "../../../src/persistence/repositories/user-list-query.js";
import { callerWith } from "./callers.js";

const denied = (run: () => void) =>
  assert.throws(run, (error: unknown) => error instanceof DomainError && error.code === Code.PermissionDenied);

describe("identity normalization", () => {
  it("makes one identity of case, width and surrounding space, and keeps inner characters", () => {
    assert.equal(normalizeUsername("Alice"), "alice");
    assert.equal(normalizeUsername("  ａｌｉｃｅ  "), "alice", "full-width letters and spaces");
    assert.equal(normalizeUsername("Ⅻ.Bob"), "xii.bob", "NFKC compatibility forms");
    assert.equal(normalizeUsername("a b"), "a b");
    assert.equal(normalizeEmail(" Carol@Example.COM "), "carol@example.com");
  });

  it("stores the typed form for display and the normalized one as the identity; '' is no e-mail, no locale", () => {
    const input = { username: "Dave.Smith", email: "", isDisabled: true, isVerified: false, roles: ["tenant_admin"] };
    assert.deepEqual(storedFieldsOf(input), {
      username: "Dave.Smith",
      usernameNormalized: "dave.smith",
      email: null,
      emailNormalized: null,
      isDisabled: true,
      isVerified: false,
      locale: "",
      roles: ["tenant_admin"],
      externalId: null,
    });
    const full = storedFieldsOf({ ...input, email: "Dave@Example.com", locale: "de-DE", externalId: "ext-1" });
    assert.equal(full.email, "Dave@Example.com");
    assert.equal(full.emailNormalized, "dave@example.com");
    assert.equal(full.locale, "de-DE");
    assert.equal(full.externalId, "ext-1");
  });
});

describe("role hierarchy", () => {
  const superAdmin = { roles: ["super_admin"] };
  const plain = { roles: [] };

  it("lets a super admin create, change and delete anyone, super admins included", () => {
    const caller = callerWith("super_admin");
    assertMayManage(caller, undefined, ["super_admin"]);
    assertMayManage(caller, superAdmin, []);
    assertMayManage(caller, superAdmin, undefined);
  });

  it("lets a tenant admin manage users and tenant admins, never grant super_admin", () => {
    const caller = callerWith("tenant_admin");
    assertMayManage(caller, undefined, ["tenant_admin"]);
    assertMayManage(caller, plain, ["tenant_admin"]);
    assertMayManage(caller, { roles: ["tenant_admin"] }, undefined);
    denied(() => assertMayManage(caller, undefined, ["super_admin"]));
    denied(() => assertMayManage(caller, plain, ["tenant_admin", "super_admin"]));
  });

  it("keeps a tenant admin away from a super admin: no change, no removal of the role, no deletion", () => {
    const caller = callerWith("tenant_admin");
    denied(() => assertMayManage(caller, superAdmin, ["super_admin"]));
    denied(() => assertMayManage(caller, superAdmin, []));
    denied(() => assertMayManage(caller, superAdmin, undefined));
  });
});

describe("List Users input", () => {
  it("defaults to the first 10 users, newest first, unfiltered", () => {
    assert.deepEqual(userListQueryOf({}), {
      usernamePrefix: "",
      emailPrefix: "",
      sortBy: "created_at",
      direction: "desc",
      limit: DEFAULT_LIMIT,
      offset: 0,
    });
    assert.equal(userListQueryOf({ limit: 0 }).limit, DEFAULT_LIMIT, "0 is the default");
    assert.equal(userListQueryOf({ sortBy: "" }).sortBy, "created_at");
  });

  it("is ascending only for direction 1", () => {
    assert.equal(userListQueryOf({ sortDirection: 1 }).direction, "asc");
    for (const sortDirection of [-1, 0]) assert.equal(userListQueryOf({ sortDirection }).direction, "desc");
  });

  it("filters by prefixes of the normalized forms; a prefix that normalizes to nothing filters nothing", () => {
    const query = userListQueryOf({ username: " ＡＬ", email: "Bob@", sortBy: "email", limit: 50, offset: 100 });
    assert.equal(query.usernamePrefix, "al");
    assert.equal(query.emailPrefix, "bob@");
    assert.equal(query.sortBy, "email");
    assert.equal(query.limit, 50);
    assert.equal(query.offset, 100);
    assert.equal(userListQueryOf({ username: "   " }).usernamePrefix, "");
  });

  it("refuses a sort field that has no index (the proto's rule, held again before any SQL)", () => {
    assert.throws(
      () => userListQueryOf({ sortBy: "roles; drop table app_user" }),
      (error: unknown) => error instanceof DomainError && error.code === Code.InvalidArgument && error.violations[0]?.path[0] === "sort_by",
    );
  });

  it("matches a prefix literally: like's wildcards and its escape character are escaped", () => {
    assert.equal(prefixPattern("al"), "al%");
    assert.equal(prefixPattern("a_b%c\\d"), "a\\_b\\%c\\\\d%");
  });
});
