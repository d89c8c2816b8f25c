// Request objects (RFC 9101, OpenID Connect Core §6.1): the parameters of an authorization
// request as the claims of a JWT the client signed with one of its registered keys. Its claims
// replace the parameters outside it (RFC 9101 §6.3), whose `client_id` must name the same client.
// Unsigned objects (`alg: none`) only for a client whose `request_object_signing_alg` is `none`:
// anyone could have written them.
import { decodeProtectedHeader, type JWTPayload, jwtVerify, UnsecuredJWT } from "jose";
import type { ClientKeys, ClientWithKeys } from "../clients/client-keys.js";
import { oauthError } from "./oauth-error.js";

/**
 * The signing algorithms of request objects and client assertions (asymmetric only). `Ed25519`
 * is the fully-specified name of EdDSA with Ed25519 (RFC 9864), which newer clients send.
 */
export const CLIENT_JWT_ALGS = ["EdDSA", "Ed25519", "ES256", "RS256", "PS256"];

/** The algorithms a registered `request_object_signing_alg` admits (EdDSA under either name). */
export function algorithmsOf(registered: string | null | undefined): string[] {
  if (!registered) return CLIENT_JWT_ALGS;
  return registered === "EdDSA" || registered === "Ed25519" ? ["EdDSA", "Ed25519"] : [registered];
}

/** The parameters of an authorization request, as they arrive in a query, a form or a request object. */
export type AuthorizeParams = Record<string, string | readonly string[]>;

/** The authorization parameters a request object may carry (others are ignored, as unknown parameters are). */
const PARAMETERS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "prompt",
  "code_challenge",
  "code_challenge_method",
  "login_hint",
  "email_hint",
  "max_age",
  "response_mode",
  "resource",
  "ui_locales",
  "acr_values",
  "dpop_jkt",
];

export interface RequestObjectClient extends ClientWithKeys {
  readonly clientId: string;
  readonly requestObjectSigningAlg?: string | null;
}

const invalid = (description: string) => oauthError("invalid_request_object", description);

/**
 * The parameters of a request object of `client`, verified for `issuer` (its `aud`). Throws
 * `invalid_request_object` (an OAuth error) when it cannot be used.
 */
export async function requestObjectParams(
  keys: ClientKeys,
  client: RequestObjectClient,
  jwt: string,
  issuer: string,
  now: number,
): Promise<AuthorizeParams> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw invalid("The request object is not a JWT");
  }
  const required = client.requestObjectSigningAlg;
  let payload: JWTPayload;
  if (alg === "none") {
    if (required !== "none") throw invalid("Unsigned request objects are not accepted for this client");
    try {
      payload = UnsecuredJWT.decode(jwt, { currentDate: new Date(now) }).payload;
    } catch {
      throw invalid("The request object is malformed or expired");
    }
  } else {
    if (required === "none") throw invalid("This client's request objects are registered as unsigned");
    const clientKeys = await keys.keysOf(client);
    if (!clientKeys) throw invalid("The client has no usable registered keys (jwks or jwks_uri)");
    try {
      ({ payload } = await jwtVerify(jwt, clientKeys, {
        algorithms: algorithmsOf(required),
        currentDate: new Date(now),
        clockTolerance: 30,
      }));
    } catch {
      throw invalid("The request object's signature, algorithm or lifetime does not verify with the client's keys");
    }
  }
  // RFC 9101 §10.2: the object names its client and this server, so it cannot be replayed elsewhere.
  if (payload.iss !== undefined && payload.iss !== client.clientId) throw invalid("The request object's iss must be the client_id");
  if (payload.aud !== undefined && !(Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(issuer)) {
    throw invalid("The request object's aud must be this issuer");
  }
  if (payload.client_id !== undefined && payload.client_id !== client.clientId) {
    throw invalid("The request object's client_id differs from the request's");
  }
  if ("request" in payload || "request_uri" in payload) throw invalid("A request object cannot hold request or request_uri");
  return paramsOfClaims(payload, client.clientId);
}

/** Parameters as stored (JSON): strings, and lists of strings; anything else is dropped. */
export function storedParams(stored: Record<string, unknown>): AuthorizeParams {
  const params: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (typeof value === "string") params[name] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === "string")) params[name] = value;
  }
  return params;
}

function paramsOfClaims(payload: JWTPayload, clientId: string): AuthorizeParams {
  const params: Record<string, string | readonly string[]> = { client_id: clientId };
  for (const name of PARAMETERS) {
    const value = payload[name];
    if (value === undefined || value === null) continue;
    if (name === "max_age") {
      // A number of seconds (OIDC Core §3.1.2.1); some clients send it as a string.
      const seconds =
        typeof value === "number" ? value : typeof value === "string" && /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(seconds) || seconds < 0) throw invalid("The request object's max_age must be a number of seconds");
      params[name] = String(seconds);
    } else if (typeof value === "string") params[name] = value;
    else if (name === "resource" && Array.isArray(value) && value.every((item) => typeof item === "string")) params[name] = value;
    else throw invalid(`The request object's ${name} has the wrong type`);
  }
  return params;
}
