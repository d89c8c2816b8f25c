// A WebAuthn response's clientDataJSON, decoded once: the challenge (which names the stored
// challenge to consume) and the origin are needed before anything is verified; the rest and the
// bytes themselves (which the signature covers) by the assertion's verification
// (passkey-assertion.ts) and the registration's.
import { invalidField } from "../login/login-errors.js";

export interface ClientData {
  readonly challenge: string;
  readonly origin: string;
  /** `webauthn.get` for an assertion, `webauthn.create` for a registration. */
  readonly type: unknown;
  /** Only for a ceremony in a cross-origin iframe (not accepted here). */
  readonly topOrigin: unknown;
  readonly tokenBinding: unknown;
  /** The decoded clientDataJSON. */
  readonly bytes: Buffer;
}

export function clientDataOf(clientDataJson: string): ClientData {
  let parsed: unknown;
  const bytes = Buffer.from(clientDataJson, "base64url");
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalidField(["client_data_json"], "client_data_json is not base64url-encoded JSON");
  }
  const { challenge, origin, type, topOrigin, tokenBinding } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof challenge !== "string" || challenge === "" || typeof origin !== "string") {
    throw invalidField(["client_data_json"], "client_data_json has no challenge or origin");
  }
  return { challenge, origin, type, topOrigin, tokenBinding, bytes };
}
