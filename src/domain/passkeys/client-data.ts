// The parts of a WebAuthn response's clientDataJSON the server needs before it verifies anything:
// the challenge (which names the stored challenge to consume) and the origin (checked against
// the tenant's). The library verifies the rest, including these again.
import { invalidField } from "../login/login-errors.js";

export interface ClientData {
  readonly challenge: string;
  readonly origin: string;
}

export function clientDataOf(clientDataJson: string): ClientData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJson, "base64url").toString("utf8"));
  } catch {
    throw invalidField(["client_data_json"], "client_data_json is not base64url-encoded JSON");
  }
  const { challenge, origin } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof challenge !== "string" || challenge === "" || typeof origin !== "string") {
    throw invalidField(["client_data_json"], "client_data_json has no challenge or origin");
  }
  return { challenge, origin };
}
