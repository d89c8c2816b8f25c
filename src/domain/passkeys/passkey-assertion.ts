// The one verification of a passkey assertion (WebAuthn Level 3, §7.2 "Verifying an
// Authentication Assertion"), for every ceremony that takes one: the sign-in (Verify Auth #102,
// also the 2FA step; passkey-sign-in.ts) and the Entra MFA form's passkey step
// (src/domain/mfa/passkey-factor.ts). Both therefore apply the same rules: the deployment's RP ID,
// the origins the tenant allows (relying-party.ts), user presence always and user verification
// when asked, the signature by the stored key, then the counter (judged only once the signature
// is known to be genuine, so that nobody can make a counter regression of someone else's
// credential), and the same `amr`.
//
// The checks are @simplewebauthn/server's verifyAuthenticationResponse's (without its options
// this service never uses: expectedTopOrigin, advancedFIDOConfig); the signature is checked with
// the passkey's node:crypto key made once (passkey-public-keys.ts). Finding the credential, the
// challenge's life and recording the use are the callers' (with the passkeys' repository).
import { createHash } from "node:crypto";
import { AMR } from "../login/factors.js";
import type { ClientData } from "./client-data.js";
import { PasskeyPublicKeys } from "./passkey-public-keys.js";
import type { RelyingParty } from "./relying-party.js";
import { webauthnHelpers } from "./webauthn.js";

/** An assertion as the browser answers it (base64url fields). */
export interface AssertionInput {
  readonly id: string;
  readonly rawId: string;
  readonly clientDataJson: string;
  readonly authenticatorData: string;
  readonly signature: string;
  /** Empty when the authenticator gave none. */
  readonly userHandle: string;
  readonly authenticatorAttachment: string;
}

/** What the verification needs of the stored passkey. */
export interface AssertedPasskey {
  readonly id: string;
  readonly credentialId: string;
  /** The COSE public key. */
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly backupEligible: boolean;
}

export interface AssertionRules {
  /** clientDataJSON's challenge, as issued for this ceremony. */
  readonly expectedChallenge: string;
  /** Passwordless needs it; a second factor after a PIN (or Entra's sign-in) does not. */
  readonly requireUserVerification: boolean;
}

/** Why an assertion was refused (the audit trail's reasons). */
export type AssertionFailure = "origin_not_allowed" | "passkey_not_verified" | "wrong_signature" | "counter_regression";

export type AssertionOutcome =
  | {
      readonly verified: true;
      /** To store, only if it still moves forward (PasskeyRepository.recordUseStep). */
      readonly newCounter: number;
      readonly backedUp: boolean;
      readonly userVerified: boolean;
      /** The factor's amr: `passkeyAmr`. */
      readonly amr: string[];
    }
  | { readonly verified: false; readonly reason: AssertionFailure };

/** RFC 8176 `amr` of a passkey: `hwk` device-bound, `swk` synced (backup eligible), `user` when the authenticator verified the user. */
export function passkeyAmr(backupEligible: boolean, userVerified: boolean): string[] {
  return [backupEligible ? AMR.swk : AMR.hwk, ...(userVerified ? [AMR.user] : [])];
}

/** Whether a validly signed counter did not move forward (a cloned authenticator, or a replay); synced passkeys report 0. */
export function counterRegressed(stored: number, presented: number): boolean {
  return (presented > 0 || stored > 0) && presented <= stored;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();
const BASE64URL = /^[A-Za-z0-9_-]*=*$/;
const TOKEN_BINDING_STATUSES = ["present", "supported", "notSupported"];

export class PasskeyAssertions {
  private readonly rpIdHash: Buffer;

  constructor(
    private readonly rp: Pick<RelyingParty, "id" | "allowsOrigin">,
    private readonly keys = new PasskeyPublicKeys(),
  ) {
    this.rpIdHash = sha256(rp.id);
  }

  async verify(
    tenantId: string,
    passkey: AssertedPasskey,
    input: AssertionInput,
    clientData: ClientData,
    rules: AssertionRules,
  ): Promise<AssertionOutcome> {
    const refused = (reason: AssertionFailure): AssertionOutcome => ({ verified: false, reason });
    if (!(await this.rp.allowsOrigin(tenantId, clientData.origin))) return refused("origin_not_allowed");
    if (!this.wellFormed(passkey, input, clientData, rules.expectedChallenge)) return refused("passkey_not_verified");
    const authenticatorData = Buffer.from(input.authenticatorData, "base64url");
    let flags: { up: boolean; uv: boolean; be: boolean; bs: boolean };
    let counter: number;
    try {
      // Also refuses trailing bytes and malformed extensions, as the library does.
      const parsed = (await webauthnHelpers()).parseAuthenticatorData(new Uint8Array(authenticatorData));
      if (!this.rpIdHash.equals(parsed.rpIdHash)) return refused("passkey_not_verified");
      ({ flags, counter } = parsed);
    } catch {
      return refused("passkey_not_verified");
    }
    if (!flags.up || (rules.requireUserVerification && !flags.uv) || (flags.bs && !flags.be)) return refused("passkey_not_verified");
    let genuine: boolean;
    try {
      const signed = Buffer.concat([authenticatorData, sha256(clientData.bytes)]);
      genuine = await this.keys.verifies(passkey.id, passkey.publicKey, signed, Buffer.from(input.signature, "base64url"));
    } catch {
      // A stored key of a kind registration does not accept.
      return refused("passkey_not_verified");
    }
    if (!genuine) return refused("wrong_signature");
    if (counterRegressed(passkey.counter, counter)) return refused("counter_regression");
    return {
      verified: true,
      newCounter: counter,
      backedUp: flags.bs,
      userVerified: flags.uv,
      amr: passkeyAmr(passkey.backupEligible, flags.uv),
    };
  }

  /** The response's form: this credential, an assertion of this challenge, not in a cross-origin frame, base64url data. */
  private wellFormed(passkey: AssertedPasskey, input: AssertionInput, clientData: ClientData, expectedChallenge: string): boolean {
    const { tokenBinding } = clientData;
    return (
      input.id !== "" &&
      input.id === input.rawId &&
      input.id === passkey.credentialId &&
      clientData.type === "webauthn.get" &&
      clientData.challenge === expectedChallenge &&
      // Only set for a ceremony in a cross-origin iframe, which no page of this service runs in.
      !clientData.topOrigin &&
      (!tokenBinding ||
        (typeof tokenBinding === "object" && TOKEN_BINDING_STATUSES.includes((tokenBinding as { status?: unknown }).status as string))) &&
      BASE64URL.test(input.authenticatorData) &&
      BASE64URL.test(input.signature)
    );
  }
}
