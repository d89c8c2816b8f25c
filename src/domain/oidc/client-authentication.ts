// OAuth client authentication at the token and revocation endpoints (RFC 6749 §2.3):
// `client_secret_basic` (HTTP Basic, form-urlencoded parts), `client_secret_post`, `none` for
// public clients, and `private_key_jwt` (private-key-jwt.ts). Confidential clients may use
// either secret method, unless they registered private_key_jwt: then only that.
import { secretMatches } from "../../crypto/secret-hash.js";
import { DomainError } from "../../errors/domain-error.js";
import type { Client } from "../../persistence/entities/client.js";
import type { ClientRepository } from "../../persistence/repositories/client-repository.js";
import { oauthError } from "./oauth-error.js";
import { assertedClientId, type ClientAssertionContext, JWT_BEARER_ASSERTION, verifyClientAssertion } from "./private-key-jwt.js";
import type { RateLimiter } from "../ratelimit/rate-limiter.js";

/** Where client authentication finds a client by its client_id (a cache of ClientRepository's lookup). */
export type ClientLookup = Pick<ClientRepository, "findForAuthentication">;

export interface PresentedClientCredentials {
  readonly authorization: string | null;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAssertionType?: string;
  readonly clientAssertion?: string;
}

function basicCredentials(authorization: string | null): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  try {
    return { id: formDecoded(decoded.slice(0, colon)), secret: formDecoded(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** A form-urlencoded part (RFC 6749 §2.3.1); generated ids and secrets have nothing to decode, and are returned as they are. */
function formDecoded(part: string): string {
  if (!part.includes("%") && !part.includes("+")) return part;
  return decodeURIComponent(part.replace(/\+/g, " "));
}

/** Who attempts a client authentication, for the rate limits (domain/ratelimit/). */
export interface ClientAuthenticationAttempt {
  readonly limits: RateLimiter;
  readonly address: string;
  /**
   * What verifies a `private_key_jwt` assertion, made only when one is presented (its audiences
   * and repositories cost more than a secret's whole check); without it assertions are refused.
   */
  readonly assertions?: () => ClientAssertionContext;
}

/**
 * The authenticated client, or invalid_client / invalid_request. A failure counts against the
 * address and, when the client exists, against the client (rate limits): past either limit the
 * answer is 429 instead, and an address past its limit is refused before anything is looked at.
 */
export async function authenticateClient(
  clients: ClientLookup,
  tenantId: string,
  presented: PresentedClientCredentials,
  attempt: ClientAuthenticationAttempt,
): Promise<Client> {
  const { limits } = attempt;
  const addressFailures = limits.bucket("addressFailures", attempt.address);
  limits.refuseKnown([addressFailures]);
  let credentials: { id: string; secret: string; assertion?: string };
  try {
    credentials = credentialsOf(presented);
  } catch (error) {
    await limits.count([addressFailures]);
    throw error;
  }
  const client = await clients.findForAuthentication(credentials.id);
  const refused = credentials.assertion
    ? await assertionRefusal(client, credentials.assertion, attempt.assertions?.())
    : refusal(client, credentials.secret);
  if (refused || !client) {
    await limits.count([addressFailures, client ? limits.bucket("clientFailures", client.clientId, tenantId) : undefined]);
    throw refused ?? oauthError("invalid_client", "Client authentication failed");
  }
  return client;
}

/** The client id and secret (or assertion) of one of the methods; throws when the request is malformed or names no client. */
function credentialsOf(presented: PresentedClientCredentials): { id: string; secret: string; assertion?: string } {
  if (presented.clientAssertion || presented.clientAssertionType) {
    if (presented.clientAssertionType !== JWT_BEARER_ASSERTION || !presented.clientAssertion) {
      throw oauthError("invalid_client", `client_assertion_type must be ${JWT_BEARER_ASSERTION}, with a client_assertion`);
    }
    if (presented.authorization || presented.clientSecret)
      throw oauthError("invalid_request", "Use one client authentication method, not two");
    const id = assertedClientId(presented.clientAssertion);
    if (!id || (presented.clientId && presented.clientId !== id)) throw oauthError("invalid_client", "Client authentication failed");
    return { id, secret: "", assertion: presented.clientAssertion };
  }
  const basic = basicCredentials(presented.authorization);
  if (presented.authorization?.toLowerCase().startsWith("basic") && !basic)
    throw oauthError("invalid_client", "Malformed HTTP Basic credentials");
  if (basic && presented.clientSecret) throw oauthError("invalid_request", "Use one client authentication method, not two");
  if (basic && presented.clientId && presented.clientId !== basic.id)
    throw oauthError("invalid_client", "client_id does not match the credentials");
  const id = basic?.id ?? presented.clientId;
  if (!id) throw oauthError("invalid_client", "Client authentication failed");
  return { id, secret: basic?.secret ?? presented.clientSecret };
}

/** Why `assertion` does not authenticate `client`, or undefined when it does. */
async function assertionRefusal(
  client: Client | undefined,
  assertion: string,
  context: ClientAssertionContext | undefined,
): Promise<DomainError | undefined> {
  if (!client || client.isLock || !context) return oauthError("invalid_client", "Client authentication failed");
  try {
    await verifyClientAssertion(context, client, assertion);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

/** Why `secret` does not authenticate `client`, or undefined when it does. */
function refusal(client: Client | undefined, secret: string): DomainError | undefined {
  if (!client || client.isLock) return oauthError("invalid_client", "Client authentication failed");
  if (client.tokenEndpointAuthMethod === "private_key_jwt")
    return oauthError("invalid_client", "This client authenticates with private_key_jwt");
  if (client.clientType === "confidential") {
    if (!secret || !client.secretHash || !secretMatches(secret, client.secretHash))
      return oauthError("invalid_client", "Client authentication failed");
  } else if (secret) {
    return oauthError("invalid_client", "Public clients authenticate with none: send no secret");
  }
  return undefined;
}
