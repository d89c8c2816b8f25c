// The passkey as the MFA form's possession factor (the engine's `passkey` step): a WebAuthn
// assertion by one of the user's registered passkeys, read and recorded through the passkeys'
// repository (PasskeyRepository: `listOfUser`, `recordUse`) and verified by the sign-in's own
// verification (src/domain/passkeys/passkey-assertion.ts): the same RP ID and origin rules, the
// counter judged only once the signature verified and recorded only while it still moves forward
// (a cloned authenticator fails), and the same amr (`hwk` device-bound, `swk` synced, `user` when
// verified). User verification is not required — Entra's sign-in was the first factor — but user
// presence is.
import type { PasskeyRepository } from "../../persistence/repositories/passkey-repository.js";
import { type ClientData, clientDataOf } from "../passkeys/client-data.js";
import type { AssertionInput, PasskeyAssertions } from "../passkeys/passkey-assertion.js";
import { PASSKEY_CEREMONY_TIMEOUT_MS } from "../passkeys/passkey-challenges.js";
import type { RelyingParty } from "../passkeys/relying-party.js";
import { webauthn } from "../passkeys/webauthn.js";
import type { FactorChallenge, FactorProof, FactorSubject, MfaFactorVerifier } from "./mfa-factor.js";

/** The passkeys' repository of the request's tenant, as far as this factor uses it. */
export type MfaPasskeys = Pick<PasskeyRepository, "listOfUser" | "recordUse">;

export class PasskeyFactor implements MfaFactorVerifier {
  readonly step = "passkey" as const;

  constructor(
    private readonly passkeys: MfaPasskeys,
    private readonly rp: Pick<RelyingParty, "id">,
    private readonly assertions: PasskeyAssertions,
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
    const assertion = assertionOf(answer);
    if (!assertion) return undefined;
    const passkey = (await this.passkeys.listOfUser(subject.userId)).find((candidate) => candidate.credentialId === assertion.id);
    if (!passkey) return undefined;
    let clientData: ClientData;
    try {
      clientData = clientDataOf(assertion.clientDataJson);
    } catch {
      return undefined;
    }
    const verified = await this.assertions.verify(subject.tenantId, passkey, assertion, clientData, {
      expectedChallenge: challenge,
      requireUserVerification: false,
    });
    if (!verified.verified) return undefined;
    if (!(await this.passkeys.recordUse(passkey.id, verified.newCounter, verified.backedUp))) return undefined;
    return { amr: verified.amr };
  }
}

/** The form's answer (a PublicKeyCredential's JSON, as the page posts it), or undefined when it is not an assertion's. */
function assertionOf(answer: unknown): AssertionInput | undefined {
  const credential = (answer ?? {}) as Record<string, unknown>;
  const response = (credential.response ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const [id, rawId, clientDataJson, authenticatorData, signature] = [
    credential.id,
    credential.rawId,
    response.clientDataJSON,
    response.authenticatorData,
    response.signature,
  ].map(text);
  const userHandle = response.userHandle ?? "";
  if (credential.type !== "public-key" || typeof userHandle !== "string") return undefined;
  if (
    id === undefined ||
    rawId === undefined ||
    clientDataJson === undefined ||
    authenticatorData === undefined ||
    signature === undefined
  ) {
    return undefined;
  }
  const attachment = text(credential.authenticatorAttachment) ?? "";
  return { id, rawId, clientDataJson, authenticatorData, signature, userHandle, authenticatorAttachment: attachment };
}
