// Registering a passkey for a signed-in user (operations #99 and #100): options that require a
// discoverable credential (resident key) and user verification, so that the passkey alone can
// sign in; the user's registered credentials are excluded. The challenge is stored for the user
// and consumed by the verification, whatever its outcome.
import { randomUUID } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON, verifyRegistrationResponse } from "@simplewebauthn/server";
import { webauthn } from "./webauthn.js";
import type { PasskeyRecord, PasskeyRepository } from "../../persistence/repositories/passkey-repository.js";
import type { UserRepository } from "../../persistence/repositories/user-repository.js";
import { userNotFound } from "../users/user-record.js";
import { clientDataOf } from "./client-data.js";
import { challengeHashOf, issueChallenge, PASSKEY_CEREMONY_TIMEOUT_MS, PASSKEY_CHALLENGE_TTL_SECONDS } from "./passkey-challenges.js";
import { passkeyAlreadyRegistered, passkeysDisabled, registrationNotVerified } from "./passkey-errors.js";
import { passkeyNameOf } from "./passkey-names.js";
import { PASSKEY_ALGORITHM_IDS } from "./passkey-public-keys.js";
import type { RelyingParty } from "./relying-party.js";
import { userHandleOf } from "./user-handle.js";

/** The repositories of the user's tenant, in the request's unit of work. */
export interface RegistrationRepositories {
  readonly tenantId: string;
  readonly passkeys: PasskeyRepository;
  readonly users: UserRepository;
}

/** Verify Registration's body (the reference's fields). */
export interface RegistrationInput {
  readonly id: string;
  readonly rawId: string;
  readonly clientDataJson: string;
  readonly attestationObject: string;
  readonly transports: readonly string[];
  readonly authenticatorAttachment: string;
  readonly name: string;
}

export class PasskeyRegistration {
  constructor(private readonly rp: RelyingParty) {}

  async options(repos: RegistrationRepositories, userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await requireEnabled(repos.passkeys);
    const user = await repos.users.find(userId);
    if (!user) throw userNotFound(userId);
    const registered = await repos.passkeys.listOfUser(userId);
    const challenge = issueChallenge();
    await repos.passkeys.storeChallenge({
      hash: challenge.hash,
      purpose: "register",
      userId,
      authReqId: null,
      ttlSeconds: PASSKEY_CHALLENGE_TTL_SECONDS,
    });
    return (await webauthn()).generateRegistrationOptions({
      rpName: repos.tenantId,
      rpID: this.rp.id,
      userName: user.username,
      userDisplayName: user.username,
      userID: userHandleOf(userId),
      challenge: challenge.bytes,
      timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
      attestationType: "none",
      // Only keys the sign-in can check (passkey-public-keys.ts).
      supportedAlgorithmIDs: [...PASSKEY_ALGORITHM_IDS],
      excludeCredentials: registered.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    });
  }

  async verify(repos: RegistrationRepositories, userId: string, input: RegistrationInput): Promise<PasskeyRecord> {
    await requireEnabled(repos.passkeys);
    const clientData = clientDataOf(input.clientDataJson);
    const challenge = await repos.passkeys.consumeChallenge(challengeHashOf(clientData.challenge));
    if (!challenge?.live || challenge.purpose !== "register" || challenge.userId !== userId) {
      throw registrationNotVerified("unknown or expired challenge; ask for new options");
    }
    if (!(await this.rp.allowsOrigin(repos.tenantId, clientData.origin))) {
      throw registrationNotVerified(`the origin ${clientData.origin} is not one of the tenant's`);
    }
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await (await webauthn()).verifyRegistrationResponse({
        response: registrationResponseOf(input),
        expectedChallenge: clientData.challenge,
        expectedOrigin: clientData.origin,
        expectedRPID: this.rp.id,
        requireUserVerification: true,
        supportedAlgorithmIDs: [...PASSKEY_ALGORITHM_IDS],
      });
    } catch (error) {
      throw registrationNotVerified(error instanceof Error ? error.message : "invalid response");
    }
    const info = verification.registrationInfo;
    if (!verification.verified || !info) throw registrationNotVerified("the attestation did not verify");
    const transports = input.transports.length > 0 ? [...input.transports] : (info.credential.transports ?? []);
    const passkey = {
      id: randomUUID(),
      userId,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports,
      backupEligible: info.credentialDeviceType === "multiDevice",
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name: passkeyNameOf(input.name, info.aaguid),
    };
    if (!(await repos.passkeys.insert(passkey))) throw passkeyAlreadyRegistered();
    return { ...passkey, createdAt: new Date(), lastUsedAt: null };
  }
}

async function requireEnabled(passkeys: PasskeyRepository): Promise<void> {
  if ((await passkeys.passkeysEnabled()) !== true) throw passkeysDisabled();
}

function registrationResponseOf(input: RegistrationInput): RegistrationResponseJSON {
  return {
    id: input.id,
    rawId: input.rawId,
    type: "public-key",
    clientExtensionResults: {},
    ...(input.authenticatorAttachment === "platform" || input.authenticatorAttachment === "cross-platform"
      ? { authenticatorAttachment: input.authenticatorAttachment }
      : {}),
    response: {
      clientDataJSON: input.clientDataJson,
      attestationObject: input.attestationObject,
      transports: [...input.transports],
    },
  };
}
