// How Batch Create judges its rows before any of them reaches the database (no server, no
// database): each row on its own, in order; invalid rows fail, repeats of an earlier row are
// duplicates, the rest are inserted with their normalized identity.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BatchUserRow, judgeBatch } from "../../../src/domain/users/user-batch.js";
import { callerWith } from "./callers.js";

const row = (username: string, extra: Partial<BatchUserRow> = {}): BatchUserRow => ({
  username,
  email: `${username.toLowerCase()}@example.com`,
  isDisabled: false,
  isVerified: false,
  roles: [],
  ...extra,
});

/** Ids in order of issue, so that a test can name them. */
function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
}

const admin = callerWith("tenant_admin");

describe("batch judging", () => {
  it("passes valid rows with their stored form and the ids it gives them", () => {
    const judged = judgeBatch(
      admin,
      "t",
      [row("Ann", { locale: "fr", externalId: "x1" }), row("bob", { email: "" })],
      false,
      sequentialIds(),
    );
    assert.deepEqual(judged.failed, []);
    assert.deepEqual(judged.duplicates, []);
    assert.deepEqual(judged.candidates, [
      {
        id: "00000000-0000-4000-8000-000000000001",
        username: "Ann",
        usernameNormalized: "ann",
        email: "ann@example.com",
        emailNormalized: "ann@example.com",
        isDisabled: false,
        isVerified: false,
        locale: "fr",
        roles: [],
        externalId: "x1",
      },
      {
        id: "00000000-0000-4000-8000-000000000002",
        username: "bob",
        usernameNormalized: "bob",
        email: null,
        emailNormalized: null,
        isDisabled: false,
        isVerified: false,
        locale: "",
        roles: [],
        externalId: null,
      },
    ]);
  });

  it("fails each row that breaks a rule of Create User, and only that row", () => {
    const rows = [
      row("other-tenant", { tenantId: "u" }),
      row("bad-id", { userId: "not-a-uuid" }),
      row("bad name"),
      row("x".repeat(129)),
      row("bad-mail", { email: "not-an-email" }),
      row("no-mail", { email: "" }),
      row("long-locale", { locale: "x".repeat(36) }),
      row("long-external", { externalId: "x".repeat(257) }),
      row("unknown-role", { roles: ["god"] }),
      row("repeated-role", { roles: ["tenant_admin", "tenant_admin"] }),
      row("grants-super", { roles: ["super_admin"] }),
      row("fine"),
    ];
    const judged = judgeBatch(admin, "t", rows, true, sequentialIds());
    assert.deepEqual(
      judged.failed,
      rows.slice(0, -1).map((r) => r.username),
    );
    assert.deepEqual(
      judged.candidates.map((c) => c.username),
      ["fine"],
    );
    assert.deepEqual(
      judgeBatch(callerWith("super_admin"), "t", [row("grants-super", { roles: ["super_admin"] })], true).failed,
      [],
      "a super admin may grant super_admin",
    );
    assert.deepEqual(judgeBatch(admin, "t", [row("no-mail", { email: "" })], false).failed, [], "e-mail optional in this tenant");
  });

  it("drops repeats of an earlier valid row's normalized username, e-mail or id (ids compared as Postgres writes them)", () => {
    const id = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
    const judged = judgeBatch(
      admin,
      "t",
      [
        row("carol", { userId: id }),
        row("CAROL", { email: "carol2@example.com" }),
        row("dave", { email: "Carol@Example.com" }),
        row("erin", { userId: id.toLowerCase() }),
        row("bad name"),
        row("bad name"),
        row("frank"),
      ],
      true,
      sequentialIds(),
    );
    assert.deepEqual(judged.duplicates, ["CAROL", "dave", "erin"]);
    assert.deepEqual(judged.failed, ["bad name", "bad name"], "an invalid row is no earlier row to repeat");
    assert.deepEqual(
      judged.candidates.map((c) => [c.username, c.id]),
      [
        ["carol", id.toLowerCase()],
        // Ids are given before the repeat check: CAROL and dave took 1 and 2.
        ["frank", "00000000-0000-4000-8000-000000000003"],
      ],
    );
  });
});
