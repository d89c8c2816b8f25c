import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePathTemplate, PathTemplateError, readPathVariables } from "../../src/transcoding/path-template.js";

describe("compilePathTemplate", () => {
  it("turns simple variables into route parameters", () => {
    const compiled = compilePathTemplate("/api/v1/tenants/{tenant_id}/users/{user_id}");
    assert.equal(compiled.route, "/api/v1/tenants/:p0/users/:p1");
    assert.deepEqual(
      readPathVariables(compiled.variables, { p0: "acme", p1: "u1" }).map((v) => [v.fieldPath.join("."), v.value]),
      [
        ["tenant_id", "acme"],
        ["user_id", "u1"],
      ],
    );
  });

  it("keeps literal segments such as .well-known", () => {
    assert.equal(compilePathTemplate("/{tenant_id}/.well-known/openid-configuration").route, "/:p0/.well-known/openid-configuration");
  });

  it("binds nested field paths", () => {
    const compiled = compilePathTemplate("/v1/{widget.id}");
    assert.deepEqual(compiled.variables[0]?.fieldPath, ["widget", "id"]);
  });

  it("joins multi-segment variable templates with their literals", () => {
    const compiled = compilePathTemplate("/v1/{name=shelves/*/books/*}");
    assert.equal(compiled.route, "/v1/shelves/:p0/books/:p1");
    assert.equal(readPathVariables(compiled.variables, { p0: "7", p1: "9" })[0]?.value, "shelves/7/books/9");
  });

  it("maps a trailing ** to a wildcard", () => {
    const compiled = compilePathTemplate("/files/{path=**}");
    assert.equal(compiled.route, "/files/*");
    assert.equal(readPathVariables(compiled.variables, { "*": "a/b/c" })[0]?.value, "a/b/c");
  });

  for (const [template, problem] of [
    ["no-slash", /must start with/],
    ["/a/{b", /unbalanced/],
    ["/a//b", /empty segment/],
    ["/a/**/b", /last segment/],
    ["/a/{b}:verb", /custom verbs/],
    ["/a/{1bad}", /bad field path/],
    ["/a/b c", /bad segment/],
  ] as const) {
    it(`rejects ${template}`, () => {
      assert.throws(
        () => compilePathTemplate(template),
        (error: unknown) => error instanceof PathTemplateError && problem.test(error.message),
      );
    });
  }
});
