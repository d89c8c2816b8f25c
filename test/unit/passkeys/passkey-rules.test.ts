// The passkey rules that need no database or browser: the factor's `amr`, the friendly name, the
// user handle, what is read of clientDataJSON, and the related origins document's cache.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DomainError } from "../../../src/errors/domain-error.js";
import { clientDataOf } from "../../../src/domain/passkeys/client-data.js";
import { passkeyNameOf } from "../../../src/domain/passkeys/passkey-names.js";
import { passkeyAmr } from "../../../src/domain/passkeys/passkey-assertion.js";
import { RelatedOrigins } from "../../../src/domain/passkeys/related-origins.js";
import { encodedUserHandleOf, userHandleOf } from "../../../src/domain/passkeys/user-handle.js";

const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("passkey rules", () => {
  it("names the factor: hwk for a device-bound passkey, swk for a synced one, user when verified", () => {
    assert.deepEqual(passkeyAmr(false, true), ["hwk", "user"]);
    assert.deepEqual(passkeyAmr(true, true), ["swk", "user"]);
    assert.deepEqual(passkeyAmr(true, false), ["swk"]);
  });

  it("names a passkey as the user did, else by its authenticator model, else 'Passkey'", () => {
    assert.equal(passkeyNameOf("  Work laptop ", "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"), "Work laptop");
    assert.equal(passkeyNameOf("", "FBFC3007-154E-4ECC-8C0B-6E020557D7BD"), "Apple Passwords");
    assert.equal(passkeyNameOf(undefined, "00000000-0000-0000-0000-000000000000"), "Passkey");
    assert.equal(passkeyNameOf("x".repeat(300), "00000000-0000-0000-0000-000000000000").length, 128);
  });

  it("makes the user handle from the user id's 16 bytes", () => {
    const userId = "0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d";
    assert.equal(userHandleOf(userId).length, 16);
    assert.equal(Buffer.from(encodedUserHandleOf(userId), "base64url").toString("hex"), userId.replaceAll("-", ""));
  });

  it("reads the challenge and origin of clientDataJSON, and refuses anything else as invalid input", () => {
    const read = clientDataOf(encoded({ type: "webauthn.get", challenge: "abc", origin: "https://id.example" }));
    assert.deepEqual([read.type, read.challenge, read.origin, read.topOrigin], ["webauthn.get", "abc", "https://id.example", undefined]);
    for (const bad of ["%%%", encoded("text"), encoded({ origin: "https://id.example" }), encoded({ challenge: "", origin: "x" })]) {
      assert.throws(
        () => clientDataOf(bad),
        (error: unknown) => error instanceof DomainError && error.violations[0]?.path[0] === "client_data_json",
      );
    }
  });

  it("builds the related origins from PUBLIC_URL's origin and the clients' web origins, once a minute", async () => {
    let now = 0;
    let loads = 0;
    let uris = ["https://notes.example/callback", "https://notes.example/other", "com.example.app:/cb", "http://localhost:3000/cb"];
    const related = new RelatedOrigins(
      "https://id.example",
      async () => {
        loads++;
        return uris;
      },
      () => now,
    );
    assert.deepEqual(await related.origins(), ["http://localhost:3000", "https://id.example", "https://notes.example"]);
    uris = [];
    now = 59_000;
    assert.equal((await related.origins()).length, 3, "kept for a minute");
    now = 61_000;
    assert.deepEqual(await related.origins(), ["https://id.example"]);
    assert.equal(loads, 2);
  });
});
