// The passkey as the MFA form's possession factor (the engine's `passkey` step): a WebAuthn
// assertion by one of the user's registered passkeys, read and recorded through the passkeys'
// repository (PasskeyRepository: `listOfUser`, `recordUse`), verified with @simplewebauthn/server
// under the sign-in's rules (src/domain/passkeys/passkey-sign-in.ts): the hosted pages' origin and
// the deployment's RP ID, the counter judged only once the signature verified and recorded only
// while it still moves forward (a cloned authenticator fails), and the same amr (`passkeyAmr`:
// `hwk` device-bound, `swk` synced, `user` when verified). User verification is not required —
// Entra's sign-in was the first factor — but user presence is.
import type { AuthenticationResponseJSON, VerifiedAuthenticationResponse } from "@simplewebauthn/server";
import type { PasskeyRepository } from "../../persistence/repositories/passkey-repository.js";
import { PASSKEY_CEREMONY_TIMEOUT_MS } from "../passkeys/passkey-challenges.js";
import { passkeyAmr } from "../passkeys/passkey-sign-in.js";
import { webauthn } from "../passkeys/webauthn.js";
import type { RelyingParty } from "../passkeys/relying-party.js";
import type { FactorChallenge, FactorProof, FactorSubject, MfaFactorVerifier } from "./mfa-factor.js";

/** The passkeys' repository of the request's tenant, as far as this factor uses it. */
export type MfaPasskeys = Pick<PasskeyRepository, "listOfUser" | "recordUse">;

export class PasskeyFactor implements MfaFactorVerifier {
  readonly step = "passkey" as const;

  constructor(
    private readonly passkeys: MfaPasskeys,
    private readonly rp: Pick<RelyingParty, "id" | "publicOrigin">,
  ) {}

  async enrolled(subject: FactorSubject): Promise<boolean> {
    return (await this.passkeys.listOfUser(subject.userId)).length > 0;
  }

  async options(subject: FactorSubject): Promise<FactorChallenge | undefined> {
    const registered = await this.passkeys.listOfUser(subject.userId);
    if (registered.length === 0) return undefined;
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: this.rp.id,
      allowCredentials: registered.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      userVerification: "discouraged",
      timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
    });
    return { challenge: options.challenge, browserOptions: options as unknown as Record<string, unknown> };
  }

  async verify(subject: FactorSubject, challenge: string, answer: unknown): Promise<FactorProof | undefined> {
    const response = answer as AuthenticationResponseJSON;
    if (typeof response?.id !== "string") return undefined;
    const passkey = (await this.passkeys.listOfUser(subject.userId)).find((candidate) => candidate.credentialId === response.id);
    if (!passkey) return undefined;
    let verified: VerifiedAuthenticationResponse;
    try {
      verified = await (await webauthn()).verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.rp.publicOrigin,
        expectedRPID: this.rp.id,
        // Counted below, once the signature is known to be genuine (as the sign-in does).
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: 0, transports: passkey.transports },
        requireUserVerification: false,
      });
    } catch {
      // A malformed answer, a wrong challenge, origin or RP ID.
      return undefined;
    }
    if (!verified.verified) return undefined;
    const { newCounter, credentialBackedUp, userVerified } = verified.authenticationInfo;
    if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) return undefined;
    if (!(await this.passkeys.recordUse(passkey.id, newCounter, credentialBackedUp))) return undefined;
    return { amr: passkeyAmr(passkey.backupEligible, userVerified) };
  }
}
