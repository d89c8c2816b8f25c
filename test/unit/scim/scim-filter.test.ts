// The RFC 7644 §3.4.2.2 filter grammar's corner cases: precedence, parentheses, not, value paths,
// URN-qualified attributes, literals and escapes, case-insensitive names and operators; and what
// is refused as invalidFilter. Pure: no database.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DomainError } from "../../../src/errors/domain-error.js";
import { parseFilter, resolveFilter } from "../../../src/domain/scim/scim-filter.js";
import { GROUP_RESOURCE, USER_RESOURCE } from "../../../src/domain/scim/scim-schema.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

function refused(filter: string): string {
  try {
    resolveFilter(parseFilter(filter), USER_RESOURCE);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.scimType, "invalidFilter", `${filter}: ${error.message}`);
    return error.message;
  }
  assert.fail(`accepted: ${filter}`);
}

describe("parsing", () => {
  it("reads every operator, case-insensitively", () => {
    for (const op of ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw"]) {
      assert.deepEqual(parseFilter(`title ${op} "x"`), { op: op.toLowerCase(), path: "title", value: "x" });
    }
    assert.deepEqual(parseFilter("title PR"), { op: "pr", path: "title" });
  });

  it("binds not over and over or, and parentheses override", () => {
    const a = { op: "eq", path: "a", value: 1 };
    const b = { op: "eq", path: "b", value: 2 };
    const c = { op: "eq", path: "c", value: 3 };
    assert.deepEqual(parseFilter("a eq 1 or b eq 2 and c eq 3"), { op: "or", left: a, right: { op: "and", left: b, right: c } });
    assert.deepEqual(parseFilter("(a eq 1 or b eq 2) and c eq 3"), { op: "and", left: { op: "or", left: a, right: b }, right: c });
    assert.deepEqual(parseFilter("not (a eq 1) and b eq 2"), { op: "and", left: { op: "not", filter: a }, right: b });
    assert.deepEqual(parseFilter("a eq 1 AND b eq 2 OR c eq 3"), { op: "or", left: { op: "and", left: a, right: b }, right: c });
  });

  it("reads literals: strings with escapes, numbers, true, false, null", () => {
    assert.deepEqual(parseFilter('title eq "a \\"quoted\\" \\u00e9 and ) ["'), { op: "eq", path: "title", value: 'a "quoted" é and ) [' });
    assert.deepEqual(parseFilter("x gt -1.5e3"), { op: "gt", path: "x", value: -1500 });
    assert.deepEqual(parseFilter("active eq TRUE"), { op: "eq", path: "active", value: true });
    assert.deepEqual(parseFilter("title eq null"), { op: "eq", path: "title", value: null });
  });

  it("reads value paths and URN-qualified attributes", () => {
    assert.deepEqual(parseFilter('emails[type eq "work" and value co "@x"]'), {
      op: "valuePath",
      path: "emails",
      filter: { op: "and", left: { op: "eq", path: "type", value: "work" }, right: { op: "co", path: "value", value: "@x" } },
    });
    assert.deepEqual(parseFilter(`${ENTERPRISE}:manager.value eq "7"`), { op: "eq", path: `${ENTERPRISE}:manager.value`, value: "7" });
  });

  it("refuses what the grammar does not allow", () => {
    for (const bad of [
      "",
      "userName",
      "userName eq",
      'userName eq "x" and',
      'userName xx "x"',
      'userName eq "unterminated',
      "userName eq unquoted",
      '(userName eq "x"',
      'userName eq "x")',
      'not userName eq "x"',
      'emails[type eq "work"',
      'emails[type eq "w" and addresses[type eq "x"]]',
      'userName eq "x" "y"',
      "and eq 1",
      'userName eq "bad \\q escape"',
      "title eq ~",
    ]) {
      refused(bad);
    }
  });
});

describe("resolution against the schema", () => {
  it("canonicalizes names and compares userName on its normalized form", () => {
    assert.deepEqual(resolveFilter(parseFilter('USERNAME eq "Alice@Example.COM"'), USER_RESOURCE), {
      op: "eq",
      attribute: "userName",
      value: "alice@example.com",
      caseExact: true,
    });
    assert.deepEqual(resolveFilter(parseFilter('name.GIVENNAME sw "a"'), USER_RESOURCE), {
      op: "sw",
      attribute: "name.givenName",
      value: "a",
      caseExact: false,
    });
    assert.deepEqual(resolveFilter(parseFilter('externalId eq "X"'), USER_RESOURCE), {
      op: "eq",
      attribute: "externalId",
      value: "X",
      caseExact: true,
    });
    assert.deepEqual(
      resolveFilter(parseFilter(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department eq "R"`), USER_RESOURCE),
      {
        op: "eq",
        attribute: `${ENTERPRISE}:department`,
        value: "R",
        caseExact: false,
      },
    );
  });

  it("turns multi-valued comparisons into element tests", () => {
    const some = { op: "some", attribute: "emails", filter: { op: "co", attribute: "value", value: "@x", caseExact: false } };
    assert.deepEqual(resolveFilter(parseFilter('emails co "@x"'), USER_RESOURCE), some);
    assert.deepEqual(resolveFilter(parseFilter('emails.value co "@x"'), USER_RESOURCE), some);
    assert.deepEqual(resolveFilter(parseFilter('emails[value co "@x"]'), USER_RESOURCE), some);
    assert.deepEqual(resolveFilter(parseFilter('members[value eq "1"]'), GROUP_RESOURCE), {
      op: "some",
      attribute: "members",
      filter: { op: "eq", attribute: "value", value: "1", caseExact: false },
    });
  });

  it("refuses unknown attributes, complex ones without a sub-attribute, and mistyped values", () => {
    refused('nickname2 eq "x"');
    refused('name eq "x"');
    refused('emails[nope eq "x"]');
    refused('displayName[value eq "x"]');
    refused('active eq "maybe"');
    refused('meta.created gt "yesterday"');
    refused('password eq "secret"');
  });
});
