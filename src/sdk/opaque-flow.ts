// The client's OPAQUE steps, between the wire formats and @serenity-kit/opaque: what goes into
// Get Challenge (`cipherKey`) and what comes out of its answer (KE3 or a registration record),
// with the identifiers (§3) and the key stretching of the answer's `proto_version` (§2).
import * as opaque from "@serenity-kit/opaque";
import { decodeChallengeData, loginCipherKey, registerCipherKey } from "./challenge-data.js";
import type { OpaqueIdentifiers } from "./identity.js";
import { parseProtoVersion } from "./proto-version.js";

/** Resolves once the OPAQUE WASM module is ready; every step awaits it. */
export const opaqueReady: Promise<void> = opaque.ready;

export interface StartedLogin {
  /** Client state: secret, never sent. */
  readonly clientLoginState: string;
  /** `login:<KE1>`. */
  readonly cipherKey: string;
}

export interface FinishedLogin {
  readonly challengeId: string;
  /** KE3, for Authenticate's `challenge_data`. */
  readonly finishLoginRequest: string;
  /** The OPAQUE session key (the same on the server): not used by the protocol. */
  readonly sessionKey: string;
}

export async function startLogin(secret: string): Promise<StartedLogin> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: secret });
  return { clientLoginState, cipherKey: loginCipherKey(startLoginRequest) };
}

/**
 * KE3 from Get Challenge's answer; undefined when the secret (or an identifier) is wrong — the
 * server already counted the attempt at Get Challenge. Throws for an unusable answer.
 */
export async function finishLogin(params: {
  readonly started: StartedLogin;
  readonly secret: string;
  readonly challengeData: string;
  readonly protoVersion: string;
  readonly identifiers: OpaqueIdentifiers;
}): Promise<FinishedLogin | undefined> {
  await opaque.ready;
  const data = decodeChallengeData(params.challengeData, "login");
  const { keyStretching } = parseProtoVersion(params.protoVersion);
  const result = opaque.client.finishLogin({
    clientLoginState: params.started.clientLoginState,
    loginResponse: data.login_response,
    password: params.secret,
    identifiers: { ...params.identifiers },
    keyStretching,
  });
  if (!result) return undefined;
  return { challengeId: data.challenge_id, finishLoginRequest: result.finishLoginRequest, sessionKey: result.sessionKey };
}

export interface StartedRegistration {
  readonly clientRegistrationState: string;
  /** `register:<registrationRequest>`. */
  readonly cipherKey: string;
}

export interface FinishedRegistration {
  readonly challengeId: string;
  readonly registrationRecord: string;
  /** The proto_version the record was made with: send it with the commitment. */
  readonly protoVersion: string;
}

export async function startRegistration(secret: string): Promise<StartedRegistration> {
  await opaque.ready;
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: secret });
  return { clientRegistrationState, cipherKey: registerCipherKey(registrationRequest) };
}

/** The registration record for the answer of a `register:` Get Challenge / Aux Challenge. */
export async function finishRegistration(params: {
  readonly started: StartedRegistration;
  readonly secret: string;
  readonly challengeData: string;
  /** The suite to register with (must be supported). */
  readonly protoVersion: string;
  readonly identifiers: OpaqueIdentifiers;
}): Promise<FinishedRegistration> {
  await opaque.ready;
  const data = decodeChallengeData(params.challengeData, "register");
  const { keyStretching, value } = parseProtoVersion(params.protoVersion);
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState: params.started.clientRegistrationState,
    registrationResponse: data.registration_response,
    password: params.secret,
    identifiers: { ...params.identifiers },
    keyStretching,
  });
  return { challengeId: data.challenge_id, registrationRecord, protoVersion: value };
}
