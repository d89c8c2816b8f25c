// The OpenAPI document (gen/openapi.json, made by scripts/protoc-gen-openapi.ts from the protos)
// and the reference page that renders it, over real HTTP; plus the plugin's mapping of protos to
// OpenAPI, checked on the test-only protos that exercise every REST feature.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { OriginSchema, WidgetSchema } from "../../gen/svault/testing/v1/transcoding_service_pb.js";
import type { Annotations } from "../../scripts/protoc-gen-openapi/annotations.js";
import type {
  Document,
  HttpVerb,
  Operation,
  Parameter,
  Reference,
  Response,
  Schema,
} from "../../scripts/protoc-gen-openapi/openapi-types.js";
import { SchemaCatalog } from "../../scripts/protoc-gen-openapi/schemas.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertReferencesResolve } from "./openapi-assertions.js";
import { runOpenApiPlugin } from "./run-openapi-plugin.js";

const PUBLIC_URL = "https://id.example.test";
const committedFile = new URL("../../gen/openapi.json", import.meta.url);
const packageJson = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

type ServedDocument = Document & { servers: { url: string }[] };

function operationOf(document: Document, path: string, verb: HttpVerb): Operation {
  const operation = document.paths[path]?.[verb];
  assert.ok(operation, `${verb.toUpperCase()} ${path} is documented`);
  return operation;
}

function parameterOf(operation: Operation, name: string): Parameter {
  const parameter = operation.parameters?.find((p) => p.name === name);
  assert.ok(parameter, `${operation.operationId} has the parameter ${name}`);
  return parameter;
}

function componentOf(document: Document, schema: Schema | undefined): Schema {
  const name = schema?.$ref?.replace("#/components/schemas/", "") ?? "";
  const component = document.components.schemas[name];
  assert.ok(component, `${schema?.$ref} is a component`);
  return component;
}

function propertyOf(schema: Schema, name: string): Schema {
  const property = schema.properties?.[name];
  assert.ok(property, `the schema has the property ${name}`);
  return property;
}

function isReference(response: Response | Reference | undefined): response is Reference {
  return response !== undefined && "$ref" in response;
}

function successOf(operation: Operation, status: string): Response {
  const response = operation.responses[status];
  assert.ok(response && !isReference(response), `${operation.operationId} answers ${status}`);
  return response;
}

describe("the service's OpenAPI document and reference page", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { PUBLIC_URL } });
  });
  after(() => server.close());

  it("serves /openapi.json: OpenAPI 3.1 with this deployment's server and the /health operation", async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(res.headers.get("cache-control"), "public, max-age=300");
    const document = (await res.json()) as ServedDocument;

    assert.equal(document.openapi, "3.1.0");
    assert.equal(document.info.title, "Secrets Vault OIDC Service");
    assert.equal(document.info.version, packageJson.version);
    assert.deepEqual(document.servers, [{ url: PUBLIC_URL }]);
    assertReferencesResolve(document);

    const health = operationOf(document, "/health", "get");
    assert.equal(health.operationId, "HealthService_Check");
    assert.deepEqual(health.tags, ["HealthService"]);
    assert.match(health.summary ?? "", /database reachable/);
    const body = componentOf(document, successOf(health, "200").content?.["application/json"]?.schema);
    assert.equal(body.type, "object");
    assert.deepEqual(Object.keys(body.properties ?? {}), ["status", "version", "env"]);
    assert.deepEqual(health.responses["422"], { $ref: "#/components/responses/ValidationError" });
  });

  it("leaves out the test-only and gRPC-only services", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as ServedDocument;
    assert.ok(!Object.keys(document.paths).some((path) => path.startsWith("/test/")));
    assert.ok(!Object.keys(document.components.schemas).some((name) => /^(svault\.testing|grpc)\./.test(name)));
    assert.ok(!document.tags.some((tag) => /TestService|^Health$|^ServerReflection$/.test(tag.name)));
  });

  it("serves the committed file with only `servers` added, and revalidates with its ETag", async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    const { servers, ...served } = (await res.json()) as ServedDocument;
    assert.deepEqual(servers, [{ url: PUBLIC_URL }]);
    assert.deepEqual(served, JSON.parse(await readFile(committedFile, "utf8")));

    const etag = res.headers.get("etag");
    assert.ok(etag);
    const again = await fetch(`${server.baseUrl}/openapi.json`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  });

  it("serves /docs: an HTML page under a strict CSP whose script and style sheet load from here", async () => {
    const res = await fetch(`${server.baseUrl}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(res.headers.get("content-security-policy") ?? "", /(^|;\s*)default-src 'self'(;|$)/);
    const html = await res.text();
    assert.match(html, /^<!doctype html>/i);
    // Nothing inline that the CSP would block.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i);
    assert.doesNotMatch(html, /<style|\sstyle=/i);

    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/gi)].map((match) => new URL(match[1] ?? "", res.url));
    assert.equal(assets.length, 2, "one script and one style sheet");
    for (const asset of assets) {
      assert.equal(asset.origin, server.baseUrl, `${asset} is served by this service`);
      const loaded = await fetch(asset);
      assert.equal(loaded.status, 200, `${asset} loads`);
      assert.match(loaded.headers.get("content-type") ?? "", /^(text\/javascript|text\/css)/);
      assert.ok((await loaded.text()).length > 0);
    }
  });
});

describe("gen/openapi.json", () => {
  it("is what the plugin makes from the protos now (run `npm run generate` when this fails)", async () => {
    const generated = await runOpenApiPlugin();
    assert.equal(await readFile(committedFile, "utf8"), generated);
  });

  it("documents the JSON null of the operations that return nothing, RFC 7009 revocation included", async () => {
    const document = JSON.parse(await readFile(committedFile, "utf8")) as Document;
    const nullAnswers = [
      ["/api/v1/auth/register", "post"],
      ["/api/v1/auth/logout", "post"],
      ["/api/v1/auth/sessions/revoke-all", "post"],
      ["/api/v1/auth/verify-email", "get"],
      ["/api/v1/auth/reset-password", "post"],
      ["/api/v1/auth/reset-password/code", "post"],
      ["/api/v1/auth/change-password", "post"],
      ["/api/v1/tenants/{tenant_id}/users/batch-delete", "post"],
      ["/api/v1/tenants/{tenant_id}/users/{user_id}/email", "put"],
      ["/oidc/revoke", "post"],
      ["/{tenant_id}/revoke", "post"],
    ] as const;
    for (const [path, verb] of nullAnswers) {
      assert.deepEqual(
        successOf(operationOf(document, path, verb), "200").content,
        { "application/json": { schema: { type: "null" } } },
        path,
      );
    }
  });

  it("documents the browser redirects: 302 (303 after the form POST) with Location, Set-Cookie where it is set, no body", async () => {
    const document = JSON.parse(await readFile(committedFile, "utf8")) as Document;
    const redirects = [
      ["/api/v1/auth/signin", "get", "302", true],
      ["/api/v1/auth/oidc/logout", "get", "302", true],
      ["/api/v1/auth/oidc/logout", "post", "303", true],
      ["/{tenant_id}/authorize", "get", "302", false],
      ["/oidc/{tenant_id}/authorize", "get", "302", false],
      ["/oidc/authorize", "get", "302", false],
      // OpenID Connect Core §3.1.2.1: the authorization endpoint takes a form POST too.
      ["/{tenant_id}/authorize", "post", "303", false],
      ["/oidc/{tenant_id}/authorize", "post", "303", false],
      ["/oidc/authorize", "post", "303", false],
    ] as const;
    for (const [path, verb, status, setsCookie] of redirects) {
      const operation = operationOf(document, path, verb);
      const success = Object.keys(operation.responses).filter((code) => /^[23]/.test(code));
      assert.deepEqual(success, [status], `${verb} ${path}: only the redirect, never 200`);
      const response = successOf(operation, status);
      assert.equal(response.content, undefined, `${verb} ${path}: no body`);
      assert.deepEqual(Object.keys(response.headers ?? {}), setsCookie ? ["Location", "Set-Cookie"] : ["Location"], `${verb} ${path}`);
      assert.equal(response.headers?.Location?.required, true);
      assert.deepEqual(response.headers?.Location?.schema, { type: "string", format: "uri-reference" });
      assert.equal(response.headers?.["Set-Cookie"]?.required, undefined, "a cookie is not always set");
    }
    // No other operation answers with a redirect, and the empty messages are not documented as bodies.
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => Object.keys(operation.responses).some((code) => /^3/.test(code)))
        .map(([verb]) => `${verb} ${path}`),
    );
    assert.deepEqual(documented.sort(), redirects.map(([path, verb]) => `${verb} ${path}`).sort());
    for (const name of ["svault.auth.v1.SignInResponse", "svault.auth.v1.OidcLogoutResponse", "svault.oidc.v1.AuthorizeResponse"]) {
      assert.equal(document.components.schemas[name], undefined, name);
    }
  });

  it("marks optional fields nullable in the reference-shaped services only, as the gateway answers them", async () => {
    const document = JSON.parse(await readFile(committedFile, "utf8")) as Document;
    const component = (name: string) => componentOf(document, { $ref: `#/components/schemas/${name}` });
    const user = component("svault.user.v1.User");
    assert.deepEqual(propertyOf(user, "external_id").type, ["string", "null"]);
    assert.deepEqual(propertyOf(user, "locale").type, ["string", "null"]);
    assert.equal(propertyOf(user, "username").type, "string", "implicit presence: never null");
    assert.deepEqual(propertyOf(component("svault.apikey.v1.ApiKey"), "last_use_at").type, ["string", "null"]);
    assert.deepEqual(propertyOf(component("svault.tenant.v1.Tenant"), "liveness_config").anyOf, [
      { $ref: "#/components/schemas/svault.tenant.v1.LivenessConfig" },
      { type: "null" },
    ]);
    // A nullable field with allowed values allows null too.
    const createClient = operationOf(document, "/api/v1/clients", "post").requestBody?.content["application/json"]?.schema;
    assert.deepEqual(propertyOf(component(createClient?.$ref?.split("/").at(-1) ?? ""), "client_type").enum, [
      "public",
      "confidential",
      null,
    ]);
    // OAuth shapes: an absent member is left out, never null.
    const tokens = component("svault.oidc.v1.TokenResponse");
    assert.equal(propertyOf(tokens, "refresh_token").type, "string");
    assert.equal(propertyOf(tokens, "id_token").type, "string");
  });
});

describe("protoc-gen-openapi on the test-only protos", () => {
  let document: Document;
  before(async () => {
    // `exclude=` documents every package, svault.testing included.
    document = JSON.parse(await runOpenApiPlugin({ opt: ["exclude="], paths: ["proto/svault/testing"] })) as Document;
  });

  it("writes a document whose references all resolve", () => {
    assert.equal(document.openapi, "3.1.0");
    assertReferencesResolve(document);
    assert.deepEqual(
      document.tags.map((tag) => tag.name),
      ["TranscodingTestService", "OAuthErrorTestService", "ScimErrorTestService"],
    );
  });

  it("turns path variables, nested ones included, into required path parameters", () => {
    const echo = operationOf(document, "/test/shelves/{shelf}/widgets/{widget.id}", "get");
    assert.equal(echo.operationId, "TranscodingTestService_EchoWidget");
    assert.deepEqual(
      echo.parameters?.filter((p) => p.in === "path").map((p) => [p.name, p.required]),
      [
        ["shelf", true],
        ["widget.id", true],
      ],
    );
  });

  it("offers the other fields as query parameters with dotted names, types and rules", () => {
    const echo = operationOf(document, "/test/shelves/{shelf}/widgets/{widget.id}", "get");
    const query = echo.parameters?.filter((p) => p.in === "query").map((p) => p.name);
    assert.deepEqual(query, [
      "widget.name",
      "widget.size",
      "widget.colour",
      "widget.tags",
      "widget.in_stock",
      "widget.origin.country",
      "widget.origin.city",
      "widget.serial",
      "widget.note",
      "widget.cipherKey",
      "numbers",
    ]);
    assert.deepEqual(parameterOf(echo, "widget.name").schema, { type: "string", maxLength: 8, pattern: "^[a-z]*$" });
    assert.deepEqual(parameterOf(echo, "widget.size").schema, { type: "integer", format: "int32", minimum: 0, maximum: 500 });
    assert.deepEqual(parameterOf(echo, "widget.tags").schema, { type: "array", items: { type: "string" }, maxItems: 3 });
    assert.deepEqual(parameterOf(echo, "widget.origin.country").schema, { type: "string", minLength: 2, maxLength: 2 });
    assert.deepEqual(parameterOf(echo, "widget.colour").schema, { $ref: "#/components/schemas/svault.testing.v1.Colour" });
    assert.equal(parameterOf(echo, "widget.serial").schema.type, "string", "int64 travels as a string");
    assert.equal(parameterOf(echo, "numbers").schema.type, "array");
    assert.equal(parameterOf(echo, "widget.name").description, "Its name.");
  });

  it("documents each additional binding, with JSON and form bodies", () => {
    const form = operationOf(document, "/test/form-echo/{shelf}", "post");
    assert.equal(form.operationId, "TranscodingTestService_EchoWidget_3");
    const content = form.requestBody?.content ?? {};
    assert.deepEqual(Object.keys(content), ["application/json", "application/x-www-form-urlencoded"]);
    // body "*": the fields the path sets are not asked for again.
    const body = content["application/x-www-form-urlencoded"]?.schema;
    assert.deepEqual(Object.keys(body?.properties ?? {}), ["widget", "numbers"]);
    assert.equal(
      form.parameters?.some((p) => p.in === "query"),
      false,
    );

    const put = operationOf(document, "/test/widgets/{widget.id}", "put");
    assert.equal(put.operationId, "TranscodingTestService_EchoWidget_2");
    assert.deepEqual(put.requestBody?.content["application/json"]?.schema, { $ref: "#/components/schemas/svault.testing.v1.Widget" });
    assert.deepEqual(
      put.parameters?.map((p) => `${p.in}:${p.name}`),
      ["path:widget.id", "query:shelf", "query:numbers"],
    );
    assert.equal(
      operationOf(document, "/test/shelves/{shelf}/widgets/{widget.id}/echo", "post").operationId,
      "TranscodingTestService_EchoWidget_1",
    );
  });

  it("answers with the method's success status: 201 with a body, 204 without, 200 null for null_response", () => {
    const create = operationOf(document, "/test/widgets", "post");
    assert.deepEqual(successOf(create, "201").content?.["application/json"]?.schema, {
      $ref: "#/components/schemas/svault.testing.v1.CreateWidgetResponse",
    });
    assert.equal(create.responses["200"], undefined);
    const remove = operationOf(document, "/test/widgets/{id}", "delete");
    assert.deepEqual(successOf(remove, "204"), { description: "No Content" });
    const archive = operationOf(document, "/test/widgets/{id}/archive", "post");
    assert.deepEqual(successOf(archive, "200").content, { "application/json": { schema: { type: "null" } } });
    assert.deepEqual(Object.keys(successOf(operationOf(document, "/test/page/{name}", "get"), "200").content ?? {}), ["*/*"]);
  });

  it("documents a method with `redirect` as 302 from GET and 303 from the form POST, with Location and Set-Cookie", () => {
    const location = { description: "Where the browser goes next.", required: true, schema: { type: "string", format: "uri-reference" } };
    const cookie = { description: "A cookie the answer sets or clears (one header per cookie), when it does.", schema: { type: "string" } };
    const get = operationOf(document, "/test/bounce", "get");
    assert.deepEqual(get.responses["302"], {
      description: "Found: a browser redirect to `Location`, without a body.",
      headers: { Location: location, "Set-Cookie": cookie },
    });
    assert.equal(get.responses["200"], undefined);
    const post = operationOf(document, "/test/bounce", "post");
    assert.deepEqual(post.responses["303"], {
      description: "See Other: a browser redirect to `Location`, without a body.",
      headers: { Location: location, "Set-Cookie": cookie },
    });
    assert.deepEqual(Object.keys(post.requestBody?.content ?? {}), ["application/json", "application/x-www-form-urlencoded"]);
    assert.equal(document.components.schemas["svault.testing.v1.BounceResponse"], undefined, "the empty message is no body");
  });

  it("maps messages to schemas with proto field names, proto3 JSON types and field rules", () => {
    const createRequest = componentOf(document, { $ref: "#/components/schemas/svault.testing.v1.CreateWidgetRequest" });
    assert.deepEqual(createRequest.required, ["widget"]);
    assert.equal(propertyOf(createRequest, "email").format, "email");

    const widget = componentOf(document, { $ref: "#/components/schemas/svault.testing.v1.Widget" });
    assert.ok(propertyOf(widget, "in_stock") && propertyOf(widget, "cipherKey"), "proto field names, not JSON names");
    assert.equal(propertyOf(widget, "name").maxLength, 8);
    assert.equal(propertyOf(widget, "name").pattern, "^[a-z]*$");
    assert.equal(propertyOf(widget, "size").minimum, 0);
    assert.equal(propertyOf(widget, "size").maximum, 500);
    assert.equal(propertyOf(widget, "tags").maxItems, 3);
    assert.equal(propertyOf(widget, "serial").format, "int64");
    assert.equal(propertyOf(widget, "origin").$ref, "#/components/schemas/svault.testing.v1.Origin");

    const colour = componentOf(document, { $ref: "#/components/schemas/svault.testing.v1.Colour" });
    assert.deepEqual(colour.enum, ["COLOUR_UNSPECIFIED", "COLOUR_RED", "COLOUR_BLUE"]);

    const bounce = operationOf(document, "/test/bounce", "get");
    assert.equal(parameterOf(bounce, "to").schema.format, "uri");

    assert.deepEqual(propertyOf(widget, "note").type, ["string", "null"], "optional: null when unset (DETAIL format)");
    const echo = operationOf(document, "/test/shelves/{shelf}/widgets/{widget.id}", "get");
    assert.equal(parameterOf(echo, "widget.note").schema.type, "string", "a query parameter is never null");
  });

  it("refuses a message with optional fields in services that render them differently", () => {
    const annotations: Annotations = {
      http: () => undefined,
      fieldRules: () => undefined,
      stringFormat: () => undefined,
      methodRules: () => undefined,
      errorStyle: () => "detail",
    };
    const catalog = new SchemaCatalog(annotations);
    assert.deepEqual(
      catalog.message(OriginSchema, "null"),
      catalog.message(OriginSchema, "omit"),
      "no optional fields: one schema serves both",
    );
    catalog.message(WidgetSchema, "null");
    assert.throws(() => catalog.message(WidgetSchema, "omit"), /svault\.testing\.v1\.Widget has optional fields/);
  });

  it("documents each service's error format", () => {
    const errorsOf = (path: string) => operationOf(document, path, "post").responses;
    assert.deepEqual(errorsOf("/test/widgets")["422"], { $ref: "#/components/responses/ValidationError" });
    assert.deepEqual(errorsOf("/test/widgets").default, { $ref: "#/components/responses/DetailError" });
    assert.deepEqual(errorsOf("/test/oauth/fail")["400"], { $ref: "#/components/responses/OAuthError" });
    assert.deepEqual(errorsOf("/test/scim/fail").default, { $ref: "#/components/responses/ScimError" });
    assert.deepEqual(Object.keys(document.components.responses.ScimError?.content ?? {}), ["application/scim+json"]);
    const oauth = document.components.responses.OAuthError?.content?.["application/json"]?.schema;
    assert.deepEqual(oauth?.required, ["error"]);
  });
});
