// decodeRequest builds bodies of strings (the login's `challenge` and `proof`) without the JSON
// reader: the message must be exactly the one `fromJson` reads from the same JSON, and anything
// else (JSON names, nulls, Structs, numbers, unknown members) still goes through the JSON reader.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { equals, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { AuthService } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import type { HttpBinding } from "../../../src/transcoding/binding.js";
import { decodeRequest } from "../../../src/transcoding/request-decoder.js";
import { collectBindings } from "../../../src/transcoding/rest-gateway.js";

const bindings = collectBindings([{ service: AuthService, impl: {} }]);
const bindingOf = (name: string) => bindings.find((b) => b.method.name === name) as HttpBinding;

/** What the REST call decodes to, against what fromJson reads from the request's JSON. */
function assertSameAsJsonReader(name: string, body: JsonObject, bodyField: string) {
  const binding = bindingOf(name);
  const decoded = decodeRequest(binding, { params: {}, query: { tenant_id: "acme" }, body, isForm: false });
  const expected = fromJson(binding.method.input, { tenant_id: "acme", [bodyField]: body }, { ignoreUnknownFields: true });
  assert.ok(equals(binding.method.input, decoded, expected), `${name} ${JSON.stringify(body)}`);
  return decoded;
}

describe("decodeRequest of a body of strings", () => {
  it("Get Challenge's body: the nested message as the JSON reader reads it", () => {
    const decoded = assertSameAsJsonReader("GetChallenge", { username: "ann", cipherKey: "login:abc" }, "challenge") as unknown as {
      tenantId: string;
      challenge?: { username: string; cipherKey: string };
    };
    assert.equal(decoded.tenantId, "acme");
    assert.deepEqual({ ...decoded.challenge, $typeName: undefined }, { $typeName: undefined, username: "ann", cipherKey: "login:abc" });
  });

  it("Authenticate's body, by proto names and by JSON names", () => {
    const proof = { username: "ann", cipherKey: "login:abc", challenge_id: "c1", challenge_data: "ke3" };
    assertSameAsJsonReader("Authenticate", proof, "proof");
    assertSameAsJsonReader("Authenticate", { username: "ann", cipherKey: "login:abc", challengeId: "c1", challengeData: "ke3" }, "proof");
  });

  it("an empty body object, a null member, an unknown member, a Struct member", () => {
    assertSameAsJsonReader("Authenticate", {}, "proof");
    assertSameAsJsonReader("Authenticate", { username: "ann", challenge_id: null }, "proof");
    assertSameAsJsonReader("Authenticate", { username: "ann", extra: "ignored" }, "proof");
    assertSameAsJsonReader("Authenticate", { username: "ann", log_data: { device: "phone", n: 2 } }, "proof");
  });

  it("a value of another type is still refused by the JSON reader (422 at its field)", () => {
    const binding = bindingOf("GetChallenge");
    assert.throws(() => decodeRequest(binding, { params: {}, query: {}, body: { username: 5 }, isForm: false }), /invalid REST request/);
  });
});
