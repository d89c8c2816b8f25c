// Kept answers (src/rpc/kept-answers.ts): a document a handler answers many times is encoded in
// protobuf's binary format once, and only calls that asked for that format get the written-once
// stand-in; REST and JSON calls get the message itself.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { GetJwksResponseSchema, OidcService } from "../../../gen/svault/oidc/v1/oidc_service_pb.js";
import { restCallKey } from "../../../src/rpc/context.js";
import { binaryAnswerWanted, binaryStandInOf, isKeptAnswer, keptBinaryAnswers } from "../../../src/rpc/kept-answers.js";

const jwks = create(GetJwksResponseSchema, {
  keys: [
    { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1", use: "sig", alg: "EdDSA" },
    { kty: "RSA", n: "sXch", e: "AQAB", kid: "k2", x5c: ["MIIB"] },
  ],
});

describe("kept answers", () => {
  it("encode to the same bytes as the message, written once per message", () => {
    const standIn = binaryStandInOf(GetJwksResponseSchema, jwks);
    assert.deepEqual(toBinary(GetJwksResponseSchema, standIn), toBinary(GetJwksResponseSchema, jwks));
    assert.equal(binaryStandInOf(GetJwksResponseSchema, jwks), standIn, "the second call reuses the encoding");
    assert.equal(standIn.keys.length, 0, "the stand-in holds bytes, not fields: it must never be written as JSON");
  });

  it("are the answers declared publicly cacheable", () => {
    assert.equal(isKeptAnswer(new Headers({ "cache-control": "public, max-age=300" })), true);
    assert.equal(isKeptAnswer(new Headers({ "cache-control": "no-store" })), false);
    assert.equal(isKeptAnswer(new Headers()), false);
  });

  it("go written once only to calls that asked for the binary format", async () => {
    for (const type of [
      "application/grpc",
      "application/grpc+proto",
      "application/grpc-web+proto",
      "application/proto",
      "application/connect+proto",
    ]) {
      assert.equal(binaryAnswerWanted(new Headers({ "content-type": type })), true, type);
    }
    for (const type of [
      "application/json",
      "application/grpc+json",
      "application/grpc-web+json",
      "application/connect+json",
      "application/protobuf-ish",
    ]) {
      assert.equal(binaryAnswerWanted(new Headers({ "content-type": type })), false, type);
    }
    const answer = async (contentType: string, rest: boolean) => {
      const contextValues = createContextValues();
      if (rest) contextValues.set(restCallKey, true);
      const handler = keptBinaryAnswers(async () => ({
        stream: false,
        service: OidcService,
        method: OidcService.method.getJwks,
        header: new Headers({ "cache-control": "public, max-age=300" }),
        trailer: new Headers(),
        message: jwks,
      }));
      const res = await handler({
        stream: false,
        service: OidcService,
        method: OidcService.method.getJwks,
        requestMethod: "POST",
        url: "/svault.oidc.v1.OidcService/GetJwks",
        signal: new AbortController().signal,
        header: new Headers({ "content-type": contentType }),
        contextValues,
        message: create(OidcService.method.getJwks.input, { tenantId: "t" }),
      });
      return res.message;
    };
    assert.equal(await answer("application/grpc", false), binaryStandInOf(GetJwksResponseSchema, jwks));
    assert.equal(await answer("application/json", false), jwks, "a JSON call gets the message");
    assert.equal(await answer("application/grpc", true), jwks, "a REST call gets the message, whatever its content type");
  });
});
