// The browser bundle (scripts/build-sdk.mjs), built afresh into an empty temporary directory —
// no node_modules within reach, so it must be self-contained — and loaded in Node as an ES module:
// registration and login round trips against the in-process OPAQUE server. (A real-browser test
// comes with the hosted login page.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { InProcessAuthServer } from "./support/in-process-auth-server.js";

type Sdk = typeof import("../../src/sdk/index.js");

const ISSUER = "https://id.example.com/acme";
let dir: string;
let bundlePath: string;
let sdk: Sdk;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "svault-sdk-bundle-"));
  bundlePath = join(dir, "svault-sdk.js");
  execFileSync(process.execPath, [join(import.meta.dirname, "..", "..", "scripts", "build-sdk.mjs"), "--outfile", bundlePath], {
    stdio: "pipe",
  });
  sdk = (await import(pathToFileURL(bundlePath).href)) as Sdk;
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the browser bundle", () => {
  it("is one self-contained ES module with the OPAQUE WASM inlined and no Node imports", () => {
    const code = readFileSync(bundlePath, "utf8");
    assert.doesNotMatch(code, /\bfrom\s*["']/, "no import of another module");
    assert.doesNotMatch(code, /["']node:/, "no Node built-in");
    assert.match(code, /AGFzbQ/, "the WASM module (\\0asm) in base64");
    assert.ok(code.length < 1024 * 1024, `${code.length} bytes`);
  });

  it("exports the SDK", () => {
    for (const name of [
      "SvaultAuthClient",
      "RestTransport",
      "ConnectTransport",
      "SvaultAuthError",
      "encodeSecret",
      "weakPinReason",
      "weakPatternReason",
      "parseProtoVersion",
      "encodeChallengeData",
      "decodeChallengeData",
      "encryptCommitment",
    ]) {
      assert.equal(typeof (sdk as Record<string, unknown>)[name], "function", name);
    }
    assert.equal(sdk.PROTO_VERSION_LIGHT, PROTO_VERSION_LIGHT);
    assert.equal(sdk.weakPinReason("123456"), "The digits are an ascending sequence");
  });

  it("registers and logs in against the in-process OPAQUE server", async () => {
    const server = await InProcessAuthServer.create({ tenantId: "acme", issuer: ISSUER, registrationVersion: PROTO_VERSION_LIGHT });
    const client = new sdk.SvaultAuthClient({ transport: server.transport(), issuer: ISSUER });
    const policy = { usePin: true, pinSize: 6, usePattern: true, patterSize: 3, loginOrder: ["PATTERN", "PIN"] };
    const secret = sdk.encodeSecret(policy, { pin: "482915", pattern: [2, 4, 6, 7] });
    assert.equal(secret, "pinpat/v1|PATTERN:2-4-6-7|PIN:482915");

    await client.register({ username: "Alice", email: "alice@example.com", secret });
    assert.equal(server.users.get("alice")?.protoVersion, PROTO_VERSION_LIGHT);
    const result = await client.login({ username: "alice", secret });
    assert.equal(typeof result.nonce, "string");

    server.calls.length = 0;
    const wrong = sdk.encodeSecret(policy, { pin: "482916", pattern: [2, 4, 6, 7] });
    await assert.rejects(client.login({ username: "alice", secret: wrong }), (error: unknown) => {
      assert.ok(error instanceof sdk.SvaultAuthError);
      assert.equal(error.status, 401);
      return true;
    });
    assert.deepEqual(server.calls, ["getChallenge"]);
  });
});
