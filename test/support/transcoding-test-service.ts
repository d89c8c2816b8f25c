// Implementations of the test-only services of proto/svault/testing/v1, which exercise every
// feature of the REST transcoding layer.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { OAuthErrorTestService, ScimErrorTestService, TranscodingTestService } from "../../gen/svault/testing/v1/transcoding_service_pb.js";
import { DomainError, notFound } from "../../src/errors/domain-error.js";
import { noStore, setCookie } from "../../src/rpc/http-response.js";
import { registerService, type ServiceRegistration } from "../../src/rpc/registry.js";

const transcoding: ServiceImpl<typeof TranscodingTestService> = {
  echoWidget(request, ctx) {
    return { shelf: request.shelf, widget: request.widget, numbers: request.numbers, protocol: ctx.protocolName };
  },
  createWidget(request) {
    return { widget: request.widget };
  },
  deleteWidget(request) {
    if (request.id !== "w1") throw notFound("WIDGET_NOT_FOUND", `Widget ${request.id} not found`);
    return {};
  },
  archiveWidget(request) {
    if (request.id !== "w1") throw notFound("WIDGET_NOT_FOUND", `Widget ${request.id} not found`);
    return {};
  },
  bounce(request, ctx) {
    // Only the Location: the status is the one the method's `redirect` option declares for the
    // binding (302, or 303 after the form POST), applied by the gateway.
    ctx.responseHeader.set("location", request.to || "https://app.example/cb?code=abc");
    setCookie(ctx, "sid", "s-123", { secure: true, maxAgeSeconds: 60 });
    setCookie(ctx, "pref", "dark");
    return {};
  },
  renderPage(request, ctx) {
    noStore(ctx);
    if (request.name === "scim") {
      return { contentType: "application/scim+json", data: new TextEncoder().encode('{"schemas":[]}') };
    }
    return { contentType: "text/html; charset=utf-8", data: new TextEncoder().encode(`<h1>${request.name}</h1>`) };
  },
};

function codeOf(name: string): Code {
  const code = Object.entries(Code).find(([key]) => key.toLowerCase() === name.replace(/_/g, "").toLowerCase());
  return typeof code?.[1] === "number" ? code[1] : Code.Unknown;
}

const oauth: ServiceImpl<typeof OAuthErrorTestService> = {
  failOAuth(request) {
    if (request.code === "crash") throw new Error("database password is hunter2");
    const options = request.oauthError ? { oauthError: request.oauthError } : {};
    throw new DomainError(codeOf(request.code), "TEST_FAILURE", "it failed as asked", options);
  },
};

const scim: ServiceImpl<typeof ScimErrorTestService> = {
  failScim(request) {
    if (request.code === "connect") throw new ConnectError("plain connect error", Code.NotFound);
    throw new DomainError(codeOf(request.code), "TEST_FAILURE", "it failed as asked", { scimType: "uniqueness" });
  },
};

export function testServices(): ServiceRegistration[] {
  return [
    registerService(TranscodingTestService, transcoding),
    registerService(OAuthErrorTestService, oauth),
    registerService(ScimErrorTestService, scim),
  ];
}
