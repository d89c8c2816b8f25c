// The one verification of passkey assertions (src/domain/passkeys/passkey-assertion.ts), which the
// sign-in and the Entra MFA form share, judged side by side with @simplewebauthn/server's
// verifyAuthenticationResponse on the same assertions: each of the three algorithms registration
// accepts, and every way an assertion can be wrong, must be accepted or refused by both alike.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import {
  type AssertionOptions,
  assert as signAssertion,
  BE,
  BS,
  createCredential,
  type SoftwareAlgorithm,
  type SoftwareCredential,
  UP,
  UV,
} from "../../../bench/software-authenticator.js";
import { clientDataOf } from "../../../src/domain/passkeys/client-data.js";
import { type AssertionInput, PasskeyAssertions } from "../../../src/domain/passkeys/passkey-assertion.js";
import { PasskeyPublicKeys } from "../../../src/domain/passkeys/passkey-public-keys.js";

const RP_ID = "localhost";
const ORIGIN = "http://localhost:8765";
const CHALLENGE = "c2lnbi1pbi1jaGFsbGVuZ2U";
const rp = { id: RP_ID, allowsOrigin: async (_tenantId: string, origin: string) => origin === ORIGIN };

interface Case {
  readonly name: string;
  readonly options?: AssertionOptions;
  readonly rpId?: string;
  readonly origin?: string;
  readonly challenge?: string;
  readonly storedCounter?: number;
  readonly requireUserVerification?: boolean;
  /** Changes the signed answer afterwards (`same`: the passkey's authenticator, `other`: another one). */
  readonly tamper?: (input: AssertionInput, same: SoftwareCredential, other: SoftwareCredential) => AssertionInput;
  /** This service's reason, or undefined when both accept. */
  readonly refused?: string;
}

const CASES: readonly Case[] = [
  { name: "a synced passkey's assertion" },
  { name: "a device-bound passkey's, its counter moving forward", options: { flags: UP | UV, counter: 8 }, storedCounter: 7 },
  { name: "user verification missing where required", options: { flags: UP | BE | BS }, refused: "passkey_not_verified" },
  { name: "user verification missing where not required", options: { flags: UP | BE | BS }, requireUserVerification: false },
  { name: "user not present", options: { flags: UV | BE | BS }, requireUserVerification: false, refused: "passkey_not_verified" },
  { name: "backed up but not backup eligible", options: { flags: UP | UV | BS }, refused: "passkey_not_verified" },
  { name: "another RP ID", rpId: "evil.example", refused: "passkey_not_verified" },
  { name: "an origin the tenant does not allow", origin: "https://evil.example", refused: "origin_not_allowed" },
  { name: "another challenge", challenge: "b3RoZXI", refused: "passkey_not_verified" },
  { name: "a registration's client data", options: { clientData: { type: "webauthn.create" } }, refused: "passkey_not_verified" },
  {
    name: "a cross-origin frame's",
    options: { clientData: { crossOrigin: true, topOrigin: "https://evil.example" } },
    refused: "passkey_not_verified",
  },
  { name: "bytes after the authenticator data", options: { trailing: Buffer.from([0]) }, refused: "passkey_not_verified" },
  { name: "a counter that went back", options: { flags: UP | UV, counter: 3 }, storedCounter: 3, refused: "counter_regression" },
  {
    name: "a signature over other data",
    tamper: (input, _same, other) => ({ ...input, signature: signAssertion(other, RP_ID, ORIGIN, CHALLENGE, "").signature }),
    refused: "wrong_signature",
  },
  {
    name: "changed authenticator data",
    tamper: (input, same) => ({
      ...input,
      authenticatorData: signAssertion(same, RP_ID, ORIGIN, CHALLENGE, "", { counter: 1 }).authenticatorData,
    }),
    refused: "wrong_signature",
  },
  { name: "an id that is not the raw id", tamper: (input) => ({ ...input, rawId: `${input.rawId}A` }), refused: "passkey_not_verified" },
  {
    name: "authenticator data that is not base64url",
    tamper: (input) => ({ ...input, authenticatorData: "%%%" }),
    refused: "passkey_not_verified",
  },
];

async function libraryAccepts(credential: SoftwareCredential, input: AssertionInput, c: Case): Promise<boolean> {
  try {
    const result = await verifyAuthenticationResponse({
      response: {
        id: input.id,
        rawId: input.rawId,
        type: "public-key",
        clientExtensionResults: {},
        response: { clientDataJSON: input.clientDataJson, authenticatorData: input.authenticatorData, signature: input.signature },
      },
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: credential.credentialId, publicKey: credential.cosePublicKey, counter: c.storedCounter ?? 0 },
      requireUserVerification: c.requireUserVerification ?? true,
    });
    return result.verified;
  } catch {
    return false;
  }
}

for (const algorithm of ["ES256", "EdDSA", "RS256"] as SoftwareAlgorithm[]) {
  describe(`a passkey assertion (${algorithm}) is judged as @simplewebauthn/server judges it`, () => {
    const assertions = new PasskeyAssertions(rp, new PasskeyPublicKeys());
    const credential = createCredential(algorithm);
    const other = createCredential(algorithm);
    for (const c of CASES) {
      it(c.refused ? `refuses ${c.name} (${c.refused})` : `accepts ${c.name}`, async () => {
        const signed = signAssertion(credential, c.rpId ?? RP_ID, c.origin ?? ORIGIN, c.challenge ?? CHALLENGE, "", c.options);
        const answer = { ...signed, authenticatorAttachment: "platform" };
        const input = c.tamper ? c.tamper(answer, credential, other) : answer;
        const passkey = {
          id: `passkey-of-${credential.credentialId}`,
          credentialId: credential.credentialId,
          publicKey: credential.cosePublicKey,
          counter: c.storedCounter ?? 0,
          backupEligible: ((c.options?.flags ?? BE) & BE) !== 0,
        };
        const outcome = await assertions.verify("acme", passkey, input, clientDataOf(input.clientDataJson), {
          expectedChallenge: CHALLENGE,
          requireUserVerification: c.requireUserVerification ?? true,
        });
        assert.equal(outcome.verified ? undefined : outcome.reason, c.refused);
        assert.equal(await libraryAccepts(credential, input, c), c.refused === undefined, "the library judges it alike");
        if (outcome.verified) {
          const flags = c.options?.flags ?? UP | UV | BE | BS;
          assert.equal(outcome.newCounter, c.options?.counter ?? 0);
          assert.deepEqual(outcome.amr, [flags & BE ? "swk" : "hwk", ...(flags & UV ? ["user"] : [])]);
        }
      });
    }
  });
}

describe("the passkeys' public keys", () => {
  it("are made again when a passkey's stored key is not the one kept", async () => {
    const keys = new PasskeyPublicKeys();
    const assertions = new PasskeyAssertions(rp, keys);
    const first = createCredential();
    const second = createCredential();
    const judge = async (stored: SoftwareCredential, signer: SoftwareCredential) => {
      const input = {
        ...signAssertion(signer, RP_ID, ORIGIN, CHALLENGE, ""),
        id: stored.credentialId,
        rawId: stored.credentialId,
        authenticatorAttachment: "",
      };
      const passkey = {
        id: "same-row",
        credentialId: stored.credentialId,
        publicKey: stored.cosePublicKey,
        counter: 0,
        backupEligible: true,
      };
      const outcome = await assertions.verify("acme", passkey, input, clientDataOf(input.clientDataJson), {
        expectedChallenge: CHALLENGE,
        requireUserVerification: true,
      });
      return outcome.verified;
    };
    assert.equal(await judge(first, first), true);
    assert.equal(await judge(second, first), false, "the key kept for the row is not used for another stored key");
    assert.equal(await judge(second, second), true);
  });
});
