// Verification of Entra's `id_token_hint` (docs/entra-mfa.md, "What is checked"). Entra issues the
// hint already expired, so `exp` is not checked (jose's jwtVerify always would: the signature is
// checked with compactVerify and the claims here); its freshness is bounded by `iat` and `nbf`.
import { compactVerify, errors } from "jose";
import type { EntraDirectory } from "./entra-directory.js";
import { EamRequestError } from "./eam-request.js";

export interface HintRules {
  readonly discoveryUrl: string;
  /** The Entra app's client id: the hint's `aud`. */
  readonly clientId: string;
  readonly allowedTenantIds: readonly string[];
  readonly maxAgeSeconds: number;
}

/** The user the hint names. */
export interface EntraHint {
  readonly tid: string;
  readonly oid: string;
  /** Pairwise per app: echoed, never used to find the user. */
  readonly sub: string;
  readonly preferredUsername?: string | undefined;
  readonly upn?: string | undefined;
  /** `iat`, seconds since the epoch. */
  readonly issuedAt: number;
}

/** Entra's clocks and ours differ a little. */
export const CLOCK_SKEW_SECONDS = 60;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const refuse = (reason: string, message: string) => new EamRequestError(reason, message, true);

export async function verifyIdTokenHint(directory: EntraDirectory, rules: HintRules, hint: string, nowMs: number): Promise<EntraHint> {
  if (!hint) throw refuse("HINT_MISSING", "id_token_hint is required");
  const metadata = await directory.metadata(rules.discoveryUrl).catch((error: Error) => {
    throw new EamRequestError("ENTRA_UNAVAILABLE", error.message, true, "temporarily_unavailable");
  });
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(hint, metadata.keys, { algorithms: ["RS256"] }));
  } catch (error) {
    if (error instanceof errors.JWKSTimeout) {
      throw new EamRequestError("ENTRA_UNAVAILABLE", "Entra's keys could not be read in time", true, "temporarily_unavailable");
    }
    throw refuse("HINT_SIGNATURE", "id_token_hint is not signed by a key of Entra's JWKS");
  }
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    throw refuse("HINT_MALFORMED", "id_token_hint's claims are not JSON");
  }
  const { tid, oid, sub, iss, aud, iat, nbf } = claims;
  if (typeof tid !== "string" || !GUID.test(tid) || typeof oid !== "string" || !GUID.test(oid) || typeof sub !== "string" || !sub) {
    throw refuse("HINT_MALFORMED", "id_token_hint lacks tid, oid or sub");
  }
  if (!rules.allowedTenantIds.some((allowed) => allowed.toLowerCase() === tid.toLowerCase())) {
    throw refuse("HINT_TENANT_NOT_ALLOWED", "The hint's Entra tenant is not allowed");
  }
  if (iss !== metadata.issuerOf(tid)) throw refuse("HINT_ISSUER", "The hint's iss is not Entra's issuer of its tenant");
  if (Array.isArray(aud) ? aud.length !== 1 || aud[0] !== rules.clientId : aud !== rules.clientId) {
    throw refuse("HINT_AUDIENCE", "The hint's aud is not the client id");
  }
  const now = nowMs / 1000;
  if (typeof iat !== "number" || iat > now + CLOCK_SKEW_SECONDS || iat < now - rules.maxAgeSeconds) {
    throw refuse("HINT_STALE", "The hint was not issued recently");
  }
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_SKEW_SECONDS || nbf < now - rules.maxAgeSeconds)) {
    throw refuse("HINT_STALE", "The hint's nbf is out of range");
  }
  const text = (value: unknown) => (typeof value === "string" && value.length <= 256 ? value : undefined);
  return {
    tid: tid.toLowerCase(),
    oid: oid.toLowerCase(),
    sub,
    preferredUsername: text(claims.preferred_username),
    upn: text(claims.upn),
    issuedAt: iat,
  };
}
