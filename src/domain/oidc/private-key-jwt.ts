// `private_key_jwt` client authentication (RFC 7523 §2.2, §3; OpenID Connect Core §9): the
// client proves itself with a short-lived JWT signed with one of its registered keys, whose
// `iss` and `sub` are its client_id and whose `aud` names this server. Each assertion is used
// once: its `jti` is claimed in the database, so a copy replayed on another instance fails too.
import { createHash } from "node:crypto";
import { decodeJwt, jwtVerify } from "jose";
import type { UsedJtiRepository } from "../../persistence/repositories/used-jti-repository.js";
import type { ClientKeys, ClientWithKeys } from "../clients/client-keys.js";
import { oauthError } from "./oauth-error.js";
import { CLIENT_JWT_ALGS } from "./request-object.js";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** An assertion may live at most this long (exp − now): a longer one would keep its jti in the cache for as long. */
const MAX_ASSERTION_LIFETIME_SECONDS = 10 * 60;

export interface ClientAssertionContext {
  readonly keys: ClientKeys;
  readonly usedJtis: UsedJtiRepository;
  readonly clock: () => number;
  /**
   * The `aud` values accepted: the issuer identifier and the token endpoint (RFC 7523 §3, OIDC
   * Core §9), and the URL of the endpoint the assertion is presented at.
   */
  readonly audiences: readonly string[];
}

/** The client_id an assertion claims (its `sub`), before anything is verified; undefined when it is no JWT. */
export function assertedClientId(assertion: string): string | undefined {
  try {
    const { sub, iss } = decodeJwt(assertion);
    return typeof sub === "string" && sub === iss ? sub : undefined;
  } catch {
    return undefined;
  }
}

const failed = () => oauthError("invalid_client", "Client authentication failed");

/** Verifies the assertion of `client` (found by its `sub`); throws invalid_client. */
export async function verifyClientAssertion(
  context: ClientAssertionContext,
  client: ClientWithKeys & { readonly clientId: string; readonly tokenEndpointAuthMethod: string },
  assertion: string,
): Promise<void> {
  if (client.tokenEndpointAuthMethod !== "private_key_jwt") throw failed();
  const keys = await context.keys.keysOf(client);
  if (!keys) throw failed();
  const now = context.clock();
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: CLIENT_JWT_ALGS,
      issuer: client.clientId,
      subject: client.clientId,
      audience: [...context.audiences],
      requiredClaims: ["exp", "jti"],
      currentDate: new Date(now),
      clockTolerance: 30,
    }));
  } catch {
    throw failed();
  }
  const exp = payload.exp as number;
  if (exp * 1000 - now > MAX_ASSERTION_LIFETIME_SECONDS * 1000) {
    throw oauthError("invalid_client", `The client assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  const hash = createHash("sha256").update(`client-assertion\0${client.clientId}\0${payload.jti}`).digest();
  if (!(await context.usedJtis.claim(hash, new Date(exp * 1000 + 30_000), new Date(now)))) {
    throw oauthError("invalid_client", "The client assertion was used before");
  }
}
