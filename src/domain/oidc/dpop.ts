// DPoP proofs (RFC 9449): a JWT the client signs for each request with a key it holds, naming
// the request's method and URL (and at a resource, the hash of the access token). A token issued
// with a proof carries the key's thumbprint (`cnf.jkt`) and is refused without a proof of that
// key. Each proof is used once (its `jti`, claimed in the database, per key) and is fresh: its
// `iat` within a minute of now, and at the token endpoint a `nonce` this server issued
// (`DPoP-Nonce`, §8), so that proofs made in advance by a compromised client are worthless.
// Nonces are stateless: an HMAC of the current five-minute window under a key derived from the
// KEK, so every instance issues and accepts the same ones; the previous window's stays valid.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { base64url, calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from "jose";
import { DomainError } from "../../errors/domain-error.js";
import type { UsedJtiRepository } from "../../persistence/repositories/used-jti-repository.js";

export const DPOP_ALGS = ["EdDSA", "Ed25519", "ES256", "RS256", "PS256"];
const PROOF_MAX_AGE_SECONDS = 60;
const NONCE_WINDOW_MS = 5 * 60_000;

/** Where the proof is checked: the token endpoint answers 400, a resource 401 (RFC 9449 §5, §7.1). */
export type DpopSite = "token" | "resource";

export function dpopError(site: DpopSite, error: "invalid_dpop_proof" | "use_dpop_nonce", description: string): DomainError {
  const code = site === "token" ? Code.InvalidArgument : Code.Unauthenticated;
  return new DomainError(code, error.toUpperCase(), description, { oauthError: error });
}

export interface ExpectedProof {
  readonly site: DpopSite;
  /** The request's method and URL without query or fragment (`htm`, `htu`). */
  readonly method: string;
  readonly url: string;
  /** At a resource: the access token the proof must name (`ath`). */
  readonly accessToken?: string;
  /** Whether the proof must carry a current nonce of this server (the token endpoint's rule). */
  readonly requireNonce: boolean;
}

/** SHA-256 of the access token, base64url (`ath`, RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash("sha256").update(accessToken).digest("base64url");
}

export class DpopProofs {
  private readonly nonceKey: Buffer;

  constructor(
    kek: Buffer,
    private readonly clock: () => number = Date.now,
  ) {
    this.nonceKey = Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), "svault dpop nonce", 32));
  }

  /** The nonce to send in `DPoP-Nonce` now. */
  nonce(): string {
    return this.nonceOf(Math.floor(this.clock() / NONCE_WINDOW_MS));
  }

  /** Verifies the one `DPoP` header of a request; returns the key's thumbprint (`jkt`). */
  async verify(usedJtis: UsedJtiRepository, headerValue: string | null, expected: ExpectedProof): Promise<string> {
    const invalid = (description: string) => dpopError(expected.site, "invalid_dpop_proof", description);
    if (!headerValue || headerValue.includes(",")) throw invalid("Send exactly one DPoP proof");
    const now = this.clock();
    let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
    let jwk: JWK;
    try {
      const verified = await jwtVerify(headerValue, EmbeddedJWK, { typ: "dpop+jwt", algorithms: DPOP_ALGS, currentDate: new Date(now) });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      throw invalid("The DPoP proof is not a valid dpop+jwt signed with the public key it carries");
    }
    if (typeof payload.jti !== "string" || payload.jti.length > 256) throw invalid("The DPoP proof has no jti");
    if (payload.htm !== expected.method) throw invalid("The DPoP proof's htm is not this request's method");
    if (typeof payload.htu !== "string" || stripQuery(payload.htu) !== expected.url)
      throw invalid("The DPoP proof's htu is not this request's URL");
    if (typeof payload.iat !== "number" || Math.abs(now / 1000 - payload.iat) > PROOF_MAX_AGE_SECONDS) {
      throw invalid("The DPoP proof is too old or from the future");
    }
    if (expected.accessToken !== undefined && payload.ath !== accessTokenHash(expected.accessToken)) {
      throw invalid("The DPoP proof's ath does not match the access token");
    }
    // Only where nonces are issued (the token endpoint): a resource issues none and answers no
    // DPoP-Nonce, so a nonce a client copied there from the token endpoint's answers is ignored.
    if (expected.requireNonce) {
      if (typeof payload.nonce !== "string" || !this.nonceIsCurrent(payload.nonce)) {
        throw dpopError(expected.site, "use_dpop_nonce", "Use the DPoP-Nonce this server sent");
      }
    }
    const jkt = await calculateJwkThumbprint(jwk, "sha256");
    const hash = createHash("sha256").update(`dpop\0${jkt}\0${payload.jti}`).digest();
    const until = new Date((payload.iat + PROOF_MAX_AGE_SECONDS + 1) * 1000);
    if (!(await usedJtis.claim(hash, until, new Date(now)))) throw invalid("The DPoP proof was used before");
    return jkt;
  }

  private nonceOf(window: number): string {
    return base64url.encode(createHmac("sha256", this.nonceKey).update(String(window)).digest().subarray(0, 18));
  }

  private nonceIsCurrent(nonce: string): boolean {
    const window = Math.floor(this.clock() / NONCE_WINDOW_MS);
    const presented = Buffer.from(nonce);
    return [window, window - 1].some((w) => {
      const expected = Buffer.from(this.nonceOf(w));
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    });
  }
}

/** How a resource request presented its access token. */
export interface TokenPresentation {
  readonly token: string;
  readonly scheme: "Bearer" | "DPoP";
  /** The `DPoP` header, if any. */
  readonly proof: string | null;
  readonly method: string;
  /** The request's URL without query (`htu`). */
  readonly url: string;
}

/**
 * RFC 9449 §7: a DPoP-bound token (`cnf.jkt`) is accepted only with the DPoP scheme and a proof
 * of its key for this request and this token; a DPoP-scheme request with an unbound token must
 * still carry a valid proof. Throws an OAuth error (401).
 */
export async function checkSenderConstraint(
  dpop: DpopProofs,
  usedJtis: UsedJtiRepository,
  boundJkt: string | undefined,
  presented: TokenPresentation,
): Promise<void> {
  if (presented.scheme === "Bearer") {
    if (boundJkt) {
      throw new DomainError(
        Code.Unauthenticated,
        "INVALID_TOKEN",
        "This access token is DPoP-bound: present it with the DPoP scheme and a proof",
        {
          oauthError: "invalid_token",
        },
      );
    }
    return;
  }
  const jkt = await dpop.verify(usedJtis, presented.proof, {
    site: "resource",
    method: presented.method,
    url: presented.url,
    accessToken: presented.token,
    requireNonce: false,
  });
  if (boundJkt && jkt !== boundJkt) throw dpopError("resource", "invalid_dpop_proof", "The DPoP proof is of another key than the token's");
}

function stripQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "";
  }
}
