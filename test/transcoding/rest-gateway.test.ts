// The REST transcoding layer over real HTTP, against the test-only services: every binding kind,
// parameter source, special response kind and error shape.
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import {
  EchoWidgetResponseSchema,
  OAuthErrorTestService,
  ScimErrorTestService,
  TranscodingTestService,
} from "../../gen/svault/testing/v1/transcoding_service_pb.js";
import { UserService } from "../../gen/svault/user/v1/user_service_pb.js";
import { BindingError, type SuccessRules, successAnswerOf } from "../../src/transcoding/binding.js";
import { answerFormatOf, restJson } from "../../src/transcoding/response-encoder.js";
import { DEFAULT_MAX_LEN } from "../../src/validation/field-rules.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { testServices } from "../support/transcoding-test-service.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ registrations: () => testServices() });
});
after(() => server.close());

const call = (path: string, init?: RequestInit) => fetch(`${server.baseUrl}${path}`, { redirect: "manual", ...init });
const rulesOf = (rules: Partial<SuccessRules>): SuccessRules => ({
  successStatus: 0,
  nullResponse: false,
  redirect: false,
  setsCookie: false,
  ...rules,
});
const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("path templates and query parameters", () => {
  it("binds path variables (including a nested field) and typed query parameters", async () => {
    const query =
      "widget.name=bolt&widget.size=7&widget.colour=COLOUR_BLUE&widget.in_stock=true&widget.tags=a&widget.tags=b&widget.origin.country=NL&widget.serial=9007199254740993&numbers=1&numbers=2";
    const res = await call(`/test/shelves/s%2F1/widgets/w-9?${query}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await res.json(), {
      shelf: "s/1",
      widget: {
        id: "w-9",
        name: "bolt",
        size: 7,
        colour: "COLOUR_BLUE",
        tags: ["a", "b"],
        in_stock: true,
        origin: { country: "NL", city: "" },
        serial: "9007199254740993",
        note: null,
        cipherKey: "",
      },
      numbers: [1, 2],
      protocol: "rest",
    });
  });

  it("accepts enum numbers and ignores unknown query parameters", async () => {
    const res = await call("/test/shelves/s/widgets/w?widget.colour=1&cache_buster=123");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).widget.colour, "COLOUR_RED");
  });

  it("rejects an unknown enum name instead of dropping it", async () => {
    const res = await call("/test/shelves/s/widgets/w?widget.colour=PURPLE");
    assert.equal(res.status, 422);
    const [detail] = (await res.json()).detail;
    assert.deepEqual(detail.loc, ["query", "widget.colour"]);
    assert.match(detail.msg, /'COLOUR_RED'/);
  });

  it("answers 422 naming the query parameter whose value has the wrong type", async () => {
    const res = await call("/test/shelves/s/widgets/w?widget.size=big&widget.in_stock=maybe");
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.deepEqual(
      body.detail.map((d: { loc: string[] }) => d.loc),
      [
        ["query", "widget.size"],
        ["query", "widget.in_stock"],
      ],
    );
    assert.equal(body.detail[0].msg, "Input should be a valid integer");
  });

  it("rejects a repeated value for a single field", async () => {
    const res = await call("/test/shelves/s/widgets/w?widget.size=1&widget.size=2");
    assert.equal(res.status, 422);
    assert.deepEqual((await res.json()).detail[0].loc, ["query", "widget.size"]);
  });
});

describe("bodies", () => {
  it('fills the whole request from a JSON body with `body: "*"` and the path variables', async () => {
    const res = await call(
      "/test/shelves/s1/widgets/w1/echo",
      json({ shelf: "s1", widget: { id: "w1", name: "nut", cipherKey: "k1", inStock: true }, numbers: [3] }),
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.shelf, "s1");
    assert.equal(body.widget.id, "w1");
    assert.equal(body.widget.name, "nut");
    assert.equal(body.widget.cipherKey, "k1");
    assert.equal(body.widget.in_stock, true, "JSON names are accepted on input");
    assert.deepEqual(body.numbers, [3]);
  });

  it("ignores unknown members of a JSON body, at any depth (docs/architecture.md, Unknown fields)", async () => {
    const res = await call("/test/shelves/s1/widgets/w1/echo", json({ colour_of_the_day: "red", widget: { name: "nut", sparkle: true } }));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).widget.name, "nut");
  });

  it("refuses a body that names another resource than the path (422), rather than overriding it", async () => {
    const star = await call("/test/shelves/s1/widgets/w1/echo", json({ shelf: "other", widget: { id: "w2" } }));
    assert.equal(star.status, 422);
    assert.deepEqual(
      ((await star.json()) as { detail: { loc: string[] }[] }).detail.map((d) => d.loc),
      [
        ["body", "shelf"],
        ["body", "widget", "id"],
      ],
    );
    const field = await call("/test/widgets/w7", { method: "PUT", headers: { "content-type": "application/json" }, body: '{"id":"w8"}' });
    assert.equal(field.status, 422);
    assert.deepEqual(((await field.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc, ["body", "id"]);
  });

  it('fills one field from the body with `body: "<field>"`, the rest from the query', async () => {
    const res = await call("/test/widgets/w7?shelf=top", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "gear", size: 3 }),
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.shelf, "top");
    assert.equal(body.widget.id, "w7");
    assert.equal(body.widget.name, "gear");
  });

  it("parses application/x-www-form-urlencoded bodies with typed and repeated fields", async () => {
    const form = new URLSearchParams([
      ["widget.name", "spring"],
      ["widget.size", "12"],
      ["widget.in_stock", "false"],
      ["numbers", "4"],
      ["numbers", "5"],
    ]);
    const res = await call("/test/form-echo/shelf9", { method: "POST", body: form });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.shelf, "shelf9");
    assert.equal(body.widget.size, 12);
    assert.equal(body.widget.in_stock, false);
    assert.deepEqual(body.numbers, [4, 5]);
  });

  it("answers 422 for malformed JSON and for a body that is not an object", async () => {
    const malformed = await call("/test/widgets", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    assert.equal(malformed.status, 422);
    assert.deepEqual((await malformed.json()).detail[0], { loc: ["body"], msg: "JSON decode error", type: "json_invalid" });
    const array = await call("/test/widgets", json([1, 2]));
    assert.equal(array.status, 422);
    assert.deepEqual((await array.json()).detail[0].loc, ["body"]);
  });

  it("refuses prototype-poisoning keys however they are spelled, and reads those words elsewhere", async () => {
    const decodeError = { loc: ["body"], msg: "JSON decode error", type: "json_invalid" };
    for (const body of [
      '{"__proto__":{"admin":true},"widget":{"name":"x"}}',
      '{"widget":{"name":"x","\\u005f_proto__":{"admin":true}}}',
      '{"widget":{"name":"x"},"constructor":{"prototype":{"admin":true}}}',
      '{"widget":{"name":"x"},"\\u0063onstructor" :{"prototype":{"admin":true}}}',
    ]) {
      const res = await call("/test/widgets", { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(res.status, 422, body);
      assert.deepEqual((await res.json()).detail[0], decodeError, body);
    }
    for (const [body, note] of [
      ['{"widget":{"note":"__proto__ constructor"}}', "__proto__ constructor"],
      ['{"widget":{"note":"\\u00e9t\\u00e9"}}', "été"],
      ['\ufeff{"widget":{"note":"bom"}}', "bom"],
    ] as const) {
      const res = await call("/test/shelves/s1/widgets/w1/echo", { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(res.status, 200, body);
      assert.equal((await res.json()).widget.note, note, body);
    }
  });

  it("answers 422 for a JSON value of the wrong type, naming the field", async () => {
    const res = await call("/test/widgets", json({ widget: { name: "x" }, email: 42 }));
    assert.equal(res.status, 422);
    assert.deepEqual((await res.json()).detail[0].loc, ["body", "email"]);
  });

  it("reads null as an unset field", async () => {
    const res = await call("/test/shelves/s1/widgets/w1/echo", json({ widget: { name: null, note: null, origin: null }, numbers: null }));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.widget.name, "");
    assert.equal(body.widget.note, null);
    assert.equal(body.widget.origin, undefined);
    assert.deepEqual(body.numbers, []);
  });

  it("answers 415 in the detail shape for an unsupported content type", async () => {
    const res = await call("/test/widgets", { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" });
    assert.equal(res.status, 415);
    assert.equal(typeof (await res.json()).detail, "string");
  });
});

describe("field rules from the protos", () => {
  it("answers 422 with every violation and its location", async () => {
    const res = await call(
      "/test/widgets",
      json({ widget: { name: "TOO-LONG-NAME", size: 501, tags: ["a", "b", "c", "d"], origin: { country: "NLD" } }, email: "not-an-email" }),
    );
    assert.equal(res.status, 422);
    const detail = (await res.json()).detail as { loc: unknown[]; type: string }[];
    const byLoc = Object.fromEntries(detail.map((d) => [d.loc.join("."), d.type]));
    assert.equal(detail.length, Object.keys(byLoc).length, "one violation per field, the first that fails");
    assert.deepEqual(byLoc, {
      "body.widget.name": "string_too_long",
      "body.widget.size": "less_than_equal",
      "body.widget.tags": "too_long",
      "body.widget.origin.country": "string_too_long",
      "body.email": "value_error.email",
    });
    // The reference's shape has exactly these keys.
    assert.deepEqual(Object.keys(detail[0] ?? {}).sort(), ["loc", "msg", "type"]);
  });

  it("bounds a string without a declared max_len by the default (1024 code points, not UTF-16 units)", async () => {
    const city = (text: string) => call("/test/widgets", json({ widget: { origin: { country: "NL", city: text } }, email: "a@b.example" }));
    assert.equal((await city("🏙".repeat(DEFAULT_MAX_LEN))).status, 201);
    const res = await city("c".repeat(DEFAULT_MAX_LEN + 1));
    assert.equal(res.status, 422);
    assert.deepEqual((await res.json()).detail, [
      {
        loc: ["body", "widget", "origin", "city"],
        msg: `String should have at most ${DEFAULT_MAX_LEN} characters`,
        type: "string_too_long",
      },
    ]);
  });

  it("reports a missing required field", async () => {
    const res = await call("/test/widgets", json({ email: "a@b.example" }));
    assert.equal(res.status, 422);
    assert.deepEqual((await res.json()).detail, [{ loc: ["body", "widget"], msg: "Field required", type: "missing" }]);
  });
});

describe("unset optional fields", () => {
  it("are null in the REST answers of a service with the DETAIL error format, nested ones too", async () => {
    const unset = await (await call("/test/shelves/s/widgets/w")).json();
    assert.ok("note" in unset.widget);
    assert.equal(unset.widget.note, null);
    assert.deepEqual(Object.keys(unset.widget).slice(-2), ["note", "cipherKey"], "in field order");
    assert.equal((await (await call("/test/shelves/s/widgets/w?widget.note=hi")).json()).widget.note, "hi");
    assert.equal((await (await call("/test/shelves/s/widgets/w?widget.note=")).json()).widget.note, "", "set to empty is not unset");
  });

  it("are left out over Connect, whose JSON is standard proto3 JSON", async () => {
    const res = await fetch(`${server.baseUrl}/svault.testing.v1.TranscodingTestService/EchoWidget`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ shelf: "s", widget: { id: "w" } }),
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.widget.id, "w");
    assert.ok(!("note" in body.widget));
  });

  it("are left out by the services of the OAuth and SCIM error formats", () => {
    assert.equal(answerFormatOf(TranscodingTestService).unsetOptional, "null");
    assert.equal(answerFormatOf(UserService).unsetOptional, "null");
    assert.equal(answerFormatOf(OAuthErrorTestService).unsetOptional, "omit");
    assert.equal(answerFormatOf(ScimErrorTestService).unsetOptional, "omit");
    assert.equal(answerFormatOf(OidcService).unsetOptional, "omit");
    const answer = create(EchoWidgetResponseSchema, { widget: { id: "w" } });
    assert.ok(!("note" in ((restJson(EchoWidgetResponseSchema, answer, "omit") as { widget: object }).widget ?? {})));
    assert.equal((restJson(EchoWidgetResponseSchema, answer) as { widget: { note: unknown } }).widget.note, null);
  });
});

describe("special responses", () => {
  it("answers 201 for a method whose success status is 201", async () => {
    const res = await call("/test/widgets", json({ widget: { name: "cog" } }));
    assert.equal(res.status, 201);
    assert.equal((await res.json()).widget.name, "cog");
  });

  it("answers 204 with no body, and 404 in the detail shape for an unknown id", async () => {
    const ok = await call("/test/widgets/w1", { method: "DELETE" });
    assert.equal(ok.status, 204);
    assert.equal(await ok.text(), "");
    const missing = await call("/test/widgets/nope", { method: "DELETE" });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { detail: "Widget nope not found" });
  });

  it("answers 200 with the JSON null for a method with null_response; errors as usual", async () => {
    const ok = await call("/test/widgets/w1/archive", { method: "POST" });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(await ok.text(), "null");
    const missing = await call("/test/widgets/nope/archive", { method: "POST" });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { detail: "Widget nope not found" });
  });

  it("refuses null_response at start-up on a response with fields or a status without a body", () => {
    const { createWidget, archiveWidget } = TranscodingTestService.method;
    const archive = { method: archiveWidget, httpMethod: "POST" } as const;
    assert.deepEqual(successAnswerOf(archive, rulesOf({ nullResponse: true })), {
      status: 200,
      nullBody: true,
      redirect: false,
      setsCookie: false,
    });
    assert.throws(
      () => successAnswerOf({ method: createWidget, httpMethod: "POST" }, rulesOf({ successStatus: 201, nullResponse: true })),
      BindingError,
    );
    assert.throws(() => successAnswerOf(archive, rulesOf({ successStatus: 204, nullResponse: true })), BindingError);
  });

  it("redirects with Location and several Set-Cookie headers, and no body: 302 for the method's `redirect`", async () => {
    const res = await call(`/test/bounce?to=${encodeURIComponent("https://rp.example/cb?code=1&state=x")}`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), "https://rp.example/cb?code=1&state=x");
    assert.deepEqual(res.headers.getSetCookie(), [
      "sid=s-123; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax",
      "pref=dark; Path=/; HttpOnly; SameSite=Lax",
    ]);
    assert.equal(res.headers.get("content-type"), null);
    assert.equal(await res.text(), "");
  });

  it("answers a redirect method's form POST with 303, so that the browser follows with a GET", async () => {
    const res = await call("/test/bounce", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ to: "https://rp.example/logged-out" }).toString(),
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "https://rp.example/logged-out");
    assert.equal(await res.text(), "");
  });

  it("refuses a redirect at start-up on a response with fields, with success_status or with null_response", () => {
    const { createWidget, archiveWidget, renderPage } = TranscodingTestService.method;
    const redirect = rulesOf({ redirect: true, setsCookie: true });
    assert.deepEqual(successAnswerOf({ method: archiveWidget, httpMethod: "GET" }, redirect), {
      status: 302,
      nullBody: false,
      redirect: true,
      setsCookie: true,
    });
    assert.equal(successAnswerOf({ method: archiveWidget, httpMethod: "POST" }, redirect).status, 303);
    for (const method of [createWidget, renderPage]) {
      assert.throws(() => successAnswerOf({ method, httpMethod: "GET" }, redirect), BindingError, method.name);
    }
    assert.throws(() => successAnswerOf({ method: archiveWidget, httpMethod: "GET" }, { ...redirect, successStatus: 307 }), BindingError);
    assert.throws(() => successAnswerOf({ method: archiveWidget, httpMethod: "GET" }, { ...redirect, nullResponse: true }), BindingError);
  });

  it("sends raw bodies with their own content type and the handler's headers", async () => {
    const html = await call("/test/page/welcome");
    assert.equal(html.status, 200);
    assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(html.headers.get("cache-control"), "no-store");
    assert.equal(await html.text(), "<h1>welcome</h1>");
    const scim = await call("/test/page/scim");
    assert.equal(scim.headers.get("content-type"), "application/scim+json");
    assert.deepEqual(await scim.json(), { schemas: [] });
  });

  it("echoes a valid X-Request-Id and generates one otherwise", async () => {
    const given = await call("/test/page/a", { headers: { "x-request-id": "trace-123" } });
    assert.equal(given.headers.get("x-request-id"), "trace-123");
    const generated = await call("/test/page/a", { headers: { "x-request-id": "bad id with spaces" } });
    assert.match(generated.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });
});

describe("error renderers per route family", () => {
  it("renders OAuth errors with WWW-Authenticate on 401 and no-store", async () => {
    const res = await call("/test/oauth/fail", json({ code: "unauthenticated", oauth_error: "invalid_token" }));
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token"/);
    assert.deepEqual(await res.json(), { error: "invalid_token", error_description: "it failed as asked" });
  });

  it("renders OAuth invalid_request as 400 (not 422) for bad input", async () => {
    const res = await call("/test/oauth/fail", { method: "POST", headers: { "content-type": "application/json" }, body: "[" });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, "invalid_request");
  });

  it("hides internals of unexpected failures and logs them", async () => {
    const res = await call("/test/oauth/fail", json({ code: "crash" }));
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.doesNotMatch(text, /hunter2/);
    assert.deepEqual(JSON.parse(text), { error: "server_error", error_description: "Internal Server Error" });
    assert.match(server.logs.text(), /unhandled error in RPC/);
  });

  it("logs a gRPC call's unexpected failure with the call's request id, and hides it from the caller", async () => {
    const client = createGrpcJsClient(OAuthErrorTestService, `127.0.0.1:${server.grpcPort}`);
    try {
      const metadata = new grpc.Metadata();
      metadata.set("x-request-id", "grpc-trace-7");
      const refused = await client.rpc.failOAuth({ code: "crash" }, metadata).then(
        () => assert.fail("the call succeeded"),
        (error: grpc.ServiceError) => error,
      );
      assert.equal(refused.code, grpc.status.INTERNAL);
      assert.doesNotMatch(refused.details, /hunter2/);
      // Logged before the answer was written.
      const line = server.logs.lines
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((logged) => logged.msg === "unhandled error in RPC" && logged.requestId === "grpc-trace-7");
      assert.equal(line?.reqId, "grpc-trace-7", "the call's logger carries its request id");
      assert.equal(line?.rpc, `${OAuthErrorTestService.typeName}/FailOAuth`);
    } finally {
      client.close();
    }
  });

  it("renders SCIM errors as application/scim+json", async () => {
    const res = await call("/test/scim/fail", json({ code: "already_exists" }));
    assert.equal(res.status, 409);
    assert.match(res.headers.get("content-type") ?? "", /^application\/scim\+json/);
    assert.deepEqual(await res.json(), {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "409",
      scimType: "uniqueness",
      detail: "it failed as asked",
    });
  });

  it("maps a plain ConnectError code to its HTTP status", async () => {
    const res = await call("/test/scim/fail", json({ code: "connect" }));
    assert.equal(res.status, 404);
    assert.equal((await res.json()).detail, "plain connect error");
  });
});
