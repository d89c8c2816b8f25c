// Registration, change and reset share the OPAQUE registration (docs/login-protocol.md §6, §9):
// step 1 answers a registrationResponse for a fresh credential identifier; step 2 receives the
// registration record inside a JWE to the tenant's X25519 key, and consumes the challenge.
import * as opaque from "@serenity-kit/opaque";
import { compactDecrypt, decodeProtectedHeader } from "jose";
import { encodeChallengeData, decodeCommitmentPayload, parseCipherKey, WireFormatError } from "../../sdk/challenge-data.js";
import { PROTO_VERSION_DEFAULT, parseProtoVersion } from "../../sdk/proto-version.js";
import type { RateLimiter } from "../ratelimit/rate-limiter.js";
import type { TenantKeyStore } from "../tenants/tenant-key-store.js";
import { normalizeUsername } from "../../sdk/identity-normalization.js";
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { type ChallengePurpose, isUnexpired } from "./challenges.js";
import type { NewCredential } from "./credentials.js";
import { invalidCommitment, invalidField } from "./login-errors.js";
import type { OpaqueSetups } from "./opaque-setups.js";
import { randomId } from "./single-use-secrets.js";

/** Long enough for a slow device's Argon2id and a user retyping the secret. */
export const REGISTRATION_CHALLENGE_TTL_SECONDS = 600;

export interface RegistrationDeps {
  readonly setups: OpaqueSetups;
  readonly keys: TenantKeyStore;
  /** Each challenge costs work and a stored row: they are limited per client address. */
  readonly limits: RateLimiter;
}

/** In the tenant of the repositories it is given. */
export interface RegistrationChallengeInput {
  readonly username: string;
  readonly cipherKey: string;
  readonly purpose: Exclude<ChallengePurpose, "login">;
  /** The user whose credential changes (Aux Challenge); null for registration and reset. */
  readonly userId: string | null;
  readonly authReqId: string | null;
  /** The client address asking (rate limit of registration challenges). */
  readonly address: string;
}

/** In the tenant of the repositories it is given. */
export interface CommitmentInput {
  readonly encryptedCommitment: string;
  readonly protoVersion: string;
  readonly purpose: Exclude<ChallengePurpose, "login">;
  /** The username the challenge must be for (registration, reset). */
  readonly username?: string;
  /** The user the challenge must be for (change). */
  readonly userId?: string;
}

/** A commitment whose version was checked and whose payload was decrypted (`open`). */
export interface OpenedCommitment {
  readonly input: CommitmentInput;
  readonly payload: ReturnType<typeof decodeCommitmentPayload>;
}

export class OpaqueRegistration {
  constructor(private readonly deps: RegistrationDeps) {}

  async challenge(repos: TenantRepositories, input: RegistrationChallengeInput): Promise<{ challengeData: string; protoVersion: string }> {
    const registrationRequest = registrationMessageOf(input.cipherKey);
    await this.deps.limits.take([this.deps.limits.bucket("registrationChallenges", input.address)]);
    const serverSetup = await this.deps.setups.forTenant(repos.tenantId);
    const credentialId = randomId();
    let registrationResponse: string;
    try {
      ({ registrationResponse } = opaque.server.createRegistrationResponse({
        serverSetup,
        userIdentifier: credentialId,
        registrationRequest,
      }));
    } catch {
      throw invalidField(["cipherKey"], "cipherKey does not hold a valid OPAQUE registration request");
    }
    const challengeId = randomId();
    await repos.challenges.insert({
      id: challengeId,
      purpose: input.purpose,
      username_normalized: normalizeUsername(input.username),
      user_id: input.userId,
      ke1_hash: null,
      server_state_sealed: null,
      credential_id: credentialId,
      auth_req_id: input.authReqId,
      proto_version: PROTO_VERSION_DEFAULT,
      ttlSeconds: REGISTRATION_CHALLENGE_TTL_SECONDS,
    });
    return {
      challengeData: encodeChallengeData({
        v: 1,
        kind: "register",
        challenge_id: challengeId,
        registration_response: registrationResponse,
      }),
      protoVersion: PROTO_VERSION_DEFAULT,
    };
  }

  /**
   * Checks the version and decrypts the commitment. Called before the caller's transaction: the
   * tenant's key may have to be read, on a connection of the key store's own, and the embedded
   * database has only one — taken by the transaction, it would wait for itself.
   */
  async open(tenantId: string, input: CommitmentInput): Promise<OpenedCommitment> {
    try {
      parseProtoVersion(input.protoVersion);
    } catch (error) {
      throw invalidField(["proto_version"], error instanceof Error ? error.message : "unsupported proto_version", "unsupported");
    }
    return { input, payload: await this.decrypt(tenantId, input.encryptedCommitment) };
  }

  /** Consumes the opened commitment's challenge in the unit of work of `repos`; returns the new credential. */
  async complete(repos: TenantRepositories, opened: OpenedCommitment): Promise<NewCredential> {
    const { input, payload } = opened;
    const challenge = await repos.challenges.consume(payload.challenge_id);
    const matches =
      challenge &&
      isUnexpired(challenge) &&
      challenge.purpose === input.purpose &&
      (input.username === undefined || challenge.username_normalized === normalizeUsername(input.username)) &&
      (input.userId === undefined || challenge.user_id === input.userId);
    if (!matches || challenge.credential_id === null) {
      throw invalidCommitment("The challenge is unknown, expired, already used or for another account");
    }
    return { credentialId: challenge.credential_id, record: payload.registration_record, protoVersion: input.protoVersion };
  }

  private async decrypt(tenantId: string, jwe: string) {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(jwe).kid;
    } catch {
      throw invalidCommitment("encrypted_commitment is not a compact JWE");
    }
    const key = kid ? await this.deps.keys.publishedKey(tenantId, kid, "ECDH-ES") : undefined;
    if (!key) throw invalidCommitment("encrypted_commitment is not addressed to a current encryption key of this tenant");
    try {
      const { plaintext } = await compactDecrypt(jwe, key.privateKey, {
        keyManagementAlgorithms: ["ECDH-ES"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      return decodeCommitmentPayload(plaintext);
    } catch (error) {
      throw invalidCommitment(error instanceof WireFormatError ? error.message : "encrypted_commitment does not decrypt");
    }
  }
}

function registrationMessageOf(cipherKey: string): string {
  try {
    const parsed = parseCipherKey(cipherKey);
    if (parsed.kind !== "register") throw new WireFormatError('this step needs a "register:" cipherKey');
    return parsed.message;
  } catch (error) {
    throw invalidField(["cipherKey"], error instanceof Error ? error.message : "invalid cipherKey");
  }
}
