// The `address` and `phone` claims (OpenID Connect Core §5.1, §5.4) from what SCIM provisioned
// (docs/scim.md: `addresses` and `phoneNumbers` are kept in the user's SCIM profile as given).
// Of several, the one marked `primary`, else the first, as SCIM §2.4 makes `primary` the one to
// use. They are returned at userinfo, not in the ID token: Core §5.4 puts the claims of these
// scopes in the ID token only when no access token is issued, and this server's one response
// type (`code`) always issues one. A user without the attribute gets no claim (not an empty one).
import type { ScimUserRepository } from "../../persistence/repositories/scim-user-repository.js";

export const ADDRESS_SCOPE = "address";
export const PHONE_SCOPE = "phone";

/** Core §5.1.1's members, from SCIM's (RFC 7643 §4.1.2) sub-attributes of an address. */
const ADDRESS_MEMBERS: readonly (readonly [oidc: string, scim: string])[] = [
  ["formatted", "formatted"],
  ["street_address", "streetAddress"],
  ["locality", "locality"],
  ["region", "region"],
  ["postal_code", "postalCode"],
  ["country", "country"],
];

export interface ContactClaims {
  address?: Record<string, string>;
  phone_number?: string;
  phone_number_verified?: boolean;
}

/** The claims of the `address` and `phone` scopes `scope` grants; no read when it grants neither. */
export async function contactClaims(users: ScimUserRepository, userId: string, scope: string): Promise<ContactClaims> {
  const scopes = scope.split(" ");
  const wantsAddress = scopes.includes(ADDRESS_SCOPE);
  const wantsPhone = scopes.includes(PHONE_SCOPE);
  if (!wantsAddress && !wantsPhone) return {};
  const contacts = await users.contactsOf(userId);
  if (!contacts) return {};
  const claims: ContactClaims = {};
  const address = wantsAddress ? addressClaim(preferred(contacts.addresses)) : undefined;
  if (address) claims.address = address;
  const phone = wantsPhone ? phoneNumberOf(preferred(contacts.phoneNumbers)) : undefined;
  if (phone) {
    claims.phone_number = phone;
    // SCIM carries no verification: the number is as the provisioning client sent it, and this
    // server never checked that the user can receive on it.
    claims.phone_number_verified = false;
  }
  return claims;
}

/** The `primary` item of a multi-valued attribute, else its first object. */
function preferred(values: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(values)) return undefined;
  const items = values.filter((value): value is Record<string, unknown> => typeof value === "object" && value !== null);
  return items.find((item) => item.primary === true) ?? items[0];
}

function addressClaim(address: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!address) return undefined;
  const claim: Record<string, string> = {};
  for (const [oidc, scim] of ADDRESS_MEMBERS) {
    const value = address[scim];
    if (typeof value === "string" && value.trim() !== "") claim[oidc] = value;
  }
  return Object.keys(claim).length > 0 ? claim : undefined;
}

/**
 * SCIM recommends RFC 3966 (`tel:+1-201-555-0123;ext=5`); Core §5.1 E.164 with RFC 3966's
 * extension syntax (`+1 (604) 555-1234;ext=5678`): the `tel:` scheme goes, the rest stays.
 */
function phoneNumberOf(phone: Record<string, unknown> | undefined): string | undefined {
  const value = phone?.value;
  if (typeof value !== "string") return undefined;
  const number = value.replace(/^tel:/i, "").trim();
  return number === "" ? undefined : number;
}
