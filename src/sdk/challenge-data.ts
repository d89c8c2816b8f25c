// The small wire formats of the login protocol (§1, §6, §7, §9), shared by the SDK and the
// server: the `challenge_data` of a Get Challenge / Aux Challenge answer, the `cipherKey`
// prefixes, and the plaintext of `encrypted_commitment`. Pure: no framework, no Node APIs.
import { base64urlToBytes, bytesToBase64url, isBase64url, utf8Decode, utf8Encode } from "./base64url.js";

export const CHALLENGE_DATA_VERSION = 1;

export type ChallengeKind = "login" | "register";

/** Login step 1's answer: KE2. */
export interface LoginChallengeData {
  readonly v: 1;
  readonly kind: "login";
  readonly challenge_id: string;
  /** KE2, base64url. */
  readonly login_response: string;
}

/** Registration step 1's answer (also for change and reset). */
export interface RegisterChallengeData {
  readonly v: 1;
  readonly kind: "register";
  readonly challenge_id: string;
  /** OPAQUE registrationResponse, base64url. */
  readonly registration_response: string;
}

export type ChallengeData = LoginChallengeData | RegisterChallengeData;

/** Malformed `challenge_data`, `cipherKey` or commitment plaintext. */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireFormatError";
  }
}

/** base64url (no padding) of the UTF-8 JSON, members in the documented order. */
export function encodeChallengeData(data: ChallengeData): string {
  const json =
    data.kind === "login"
      ? { v: CHALLENGE_DATA_VERSION, kind: data.kind, challenge_id: data.challenge_id, login_response: data.login_response }
      : { v: CHALLENGE_DATA_VERSION, kind: data.kind, challenge_id: data.challenge_id, registration_response: data.registration_response };
  return bytesToBase64url(UTF8.encode(JSON.stringify(json)));
}

// One encoder for every answer (Get Challenge encodes one per login).
const UTF8 = new TextEncoder();

/**
 * Decodes and checks `challenge_data`: `v` must be 1, `kind` known, `challenge_id` a non-empty
 * string and the OPAQUE message base64url. Unknown members are ignored (room for additions).
 * With `expected`, a different kind is an error too.
 */
export function decodeChallengeData(encoded: string, expected: "login"): LoginChallengeData;
export function decodeChallengeData(encoded: string, expected: "register"): RegisterChallengeData;
export function decodeChallengeData(encoded: string, expected?: ChallengeKind): ChallengeData;
export function decodeChallengeData(encoded: string, expected?: ChallengeKind): ChallengeData {
  const json = parseJsonObject(encoded, "challenge_data");
  if (json.v !== CHALLENGE_DATA_VERSION) throw new WireFormatError(`challenge_data: unsupported version ${JSON.stringify(json.v)}`);
  if (json.kind !== "login" && json.kind !== "register") throw new WireFormatError("challenge_data: unknown kind");
  if (expected && json.kind !== expected) throw new WireFormatError(`challenge_data: expected a ${expected} challenge, got ${json.kind}`);
  const challengeId = requireString(json, "challenge_id");
  if (json.kind === "login") {
    return { v: 1, kind: "login", challenge_id: challengeId, login_response: requireBase64url(json, "login_response") };
  }
  return { v: 1, kind: "register", challenge_id: challengeId, registration_response: requireBase64url(json, "registration_response") };
}

export const LOGIN_CIPHER_KEY_PREFIX = "login:";
export const REGISTER_CIPHER_KEY_PREFIX = "register:";

/** The kinds of `cipherKey`, by prefix (made once: both login steps parse one). */
const CIPHER_KEY_PREFIXES = [
  ["login", LOGIN_CIPHER_KEY_PREFIX],
  ["register", REGISTER_CIPHER_KEY_PREFIX],
] as const;

/** `login:<KE1>`. */
export function loginCipherKey(startLoginRequest: string): string {
  return LOGIN_CIPHER_KEY_PREFIX + startLoginRequest;
}

/** `register:<registrationRequest>`. */
export function registerCipherKey(registrationRequest: string): string {
  return REGISTER_CIPHER_KEY_PREFIX + registrationRequest;
}

/** Splits a `cipherKey` into its kind and OPAQUE message; throws WireFormatError otherwise. */
export function parseCipherKey(cipherKey: string): { kind: ChallengeKind; message: string } {
  for (const [kind, prefix] of CIPHER_KEY_PREFIXES) {
    if (cipherKey.startsWith(prefix)) {
      const message = cipherKey.slice(prefix.length);
      if (!isBase64url(message)) throw new WireFormatError("cipherKey: the OPAQUE message is not base64url");
      return { kind, message };
    }
  }
  throw new WireFormatError('cipherKey must start with "login:" or "register:"');
}

/** The plaintext of `encrypted_commitment` (the JWE payload, UTF-8 JSON). */
export interface CommitmentPayload {
  readonly challenge_id: string;
  /** OPAQUE registrationRecord, base64url. */
  readonly registration_record: string;
}

export function encodeCommitmentPayload(payload: CommitmentPayload): Uint8Array {
  return utf8Encode(JSON.stringify({ challenge_id: payload.challenge_id, registration_record: payload.registration_record }));
}

/** Parses and checks a decrypted commitment; unknown members are ignored. */
export function decodeCommitmentPayload(plaintext: Uint8Array): CommitmentPayload {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(plaintext));
  } catch {
    throw new WireFormatError("encrypted_commitment: the payload is not UTF-8 JSON");
  }
  if (!isObject(json)) throw new WireFormatError("encrypted_commitment: the payload is not a JSON object");
  return { challenge_id: requireString(json, "challenge_id"), registration_record: requireBase64url(json, "registration_record") };
}

function parseJsonObject(encoded: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(base64urlToBytes(encoded)));
  } catch {
    throw new WireFormatError(`${what} is not base64url of UTF-8 JSON`);
  }
  if (!isObject(json)) throw new WireFormatError(`${what} is not a JSON object`);
  return json;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireString(json: Record<string, unknown>, name: string): string {
  const value = json[name];
  if (typeof value !== "string" || value.length === 0) throw new WireFormatError(`${name} must be a non-empty string`);
  return value;
}

function requireBase64url(json: Record<string, unknown>, name: string): string {
  const value = requireString(json, name);
  if (!isBase64url(value)) throw new WireFormatError(`${name} must be base64url without padding`);
  return value;
}
