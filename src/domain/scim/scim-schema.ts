// The SCIM schemas this server serves (RFC 7643 §4, §8.7.1): core User, the EnterpriseUser
// extension and Group. One definition serves the `/Schemas` documents, and the resolution of the
// attribute names in filters, sorting, projections and PATCH paths (names are case-insensitive;
// the canonical spelling is the schema's).

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex" | "binary";

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly description: string;
  readonly multiValued: boolean;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  readonly returned: "always" | "never" | "default" | "request";
  readonly uniqueness: "none" | "server" | "global";
  readonly subAttributes?: readonly AttributeDef[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, "name" | "type" | "description">>;

function attr(name: string, type: AttributeType, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    description,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...options,
  };
}

const text = (name: string, description: string, options: Options = {}) => attr(name, "string", description, options);

/** A multi-valued complex attribute of the common shape `{value, display, type, primary}`. */
function multiValued(name: string, description: string, types: readonly string[], value: AttributeType = "string"): AttributeDef {
  return attr(name, "complex", description, {
    multiValued: true,
    subAttributes: [
      attr("value", value, `The ${name} value.`),
      text("display", "A human-readable name, primarily used for display purposes."),
      text("type", "A label indicating the attribute's function.", types.length > 0 ? { canonicalValues: types } : {}),
      attr("primary", "boolean", "Whether this is the primary value."),
    ],
  });
}

/** `id`, `externalId` and `meta`, common to every resource (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  text("id", "The server's unique identifier of the resource.", {
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
  }),
  text("externalId", "The provisioning client's identifier of the resource.", { caseExact: true }),
  attr("meta", "complex", "Resource metadata.", {
    mutability: "readOnly",
    subAttributes: [
      text("resourceType", "The resource's type.", { caseExact: true, mutability: "readOnly" }),
      attr("created", "dateTime", "When the resource was added.", { mutability: "readOnly" }),
      attr("lastModified", "dateTime", "When the resource was last changed.", { mutability: "readOnly" }),
      attr("location", "reference", "The resource's URI.", { mutability: "readOnly", caseExact: true }),
      text("version", "The resource's version (a weak ETag).", { mutability: "readOnly", caseExact: true }),
    ],
  }),
];

const USER: SchemaDef = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    text("userName", "The unique identifier of the user, used to sign in.", { required: true, uniqueness: "server" }),
    attr("name", "complex", "The components of the user's name.", {
      subAttributes: [
        text("formatted", "The full name, formatted for display."),
        text("familyName", "The family name."),
        text("givenName", "The given name."),
        text("middleName", "The middle name(s)."),
        text("honorificPrefix", "The honorific prefix(es)."),
        text("honorificSuffix", "The honorific suffix(es)."),
      ],
    }),
    text("displayName", "The name of the user, suitable for display."),
    text("nickName", "The casual way to address the user."),
    attr("profileUrl", "reference", "A URI of the user's online profile.", { referenceTypes: ["external"] }),
    text("title", "The user's title, such as 'Vice President'."),
    text("userType", "The relationship between the organization and the user."),
    text("preferredLanguage", "The user's preferred written or spoken language."),
    text("locale", "The user's default location (language tag), used for localized mail and pages."),
    text("timezone", "The user's time zone (IANA name)."),
    attr("active", "boolean", "Whether the user may sign in. false disables the user and ends their sessions."),
    text("password", "Never stored nor returned: users set their secret through the tenant's reset flow.", {
      mutability: "writeOnly",
      returned: "never",
    }),
    multiValued("emails", "E-mail addresses; the primary one is the user's e-mail address.", ["work", "home", "other"]),
    multiValued("phoneNumbers", "Phone numbers.", ["work", "home", "mobile", "fax", "pager", "other"]),
    multiValued("ims", "Instant messaging addresses.", []),
    multiValued("photos", "URIs of photos of the user.", ["photo", "thumbnail"], "reference"),
    attr("addresses", "complex", "Physical mailing addresses.", {
      multiValued: true,
      subAttributes: [
        text("formatted", "The full mailing address."),
        text("streetAddress", "The street address."),
        text("locality", "The city or locality."),
        text("region", "The state or region."),
        text("postalCode", "The zip or postal code."),
        text("country", "The country (ISO 3166-1 alpha-2)."),
        text("type", "A label indicating the address's function.", { canonicalValues: ["work", "home", "other"] }),
        attr("primary", "boolean", "Whether this is the primary address."),
      ],
    }),
    attr("groups", "complex", "The groups the user belongs to (change them through the groups).", {
      multiValued: true,
      mutability: "readOnly",
      subAttributes: [
        text("value", "The group's id.", { mutability: "readOnly" }),
        attr("$ref", "reference", "The group's URI.", { mutability: "readOnly", referenceTypes: ["Group"] }),
        text("display", "The group's display name.", { mutability: "readOnly" }),
        text("type", "direct.", { mutability: "readOnly", canonicalValues: ["direct"] }),
      ],
    }),
    multiValued("entitlements", "Entitlements of the user.", []),
    multiValued("roles", "Roles of the user in the provisioning client (not the roles of this service).", []),
    multiValued("x509Certificates", "Certificates of the user.", [], "binary"),
  ],
};

const ENTERPRISE_USER: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    text("employeeNumber", "An identifier assigned by the organization."),
    text("costCenter", "The cost center."),
    text("organization", "The organization."),
    text("division", "The division."),
    text("department", "The department."),
    attr("manager", "complex", "The user's manager.", {
      subAttributes: [
        text("value", "The id of the manager's user."),
        attr("$ref", "reference", "The URI of the manager's user.", { referenceTypes: ["User"] }),
        text("displayName", "The manager's display name.", { mutability: "readOnly" }),
      ],
    }),
  ],
};

const GROUP: SchemaDef = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    text("displayName", "A human-readable name for the group.", { required: true }),
    attr("members", "complex", "The users of the tenant that belong to the group.", {
      multiValued: true,
      subAttributes: [
        text("value", "The member's id.", { mutability: "immutable" }),
        attr("$ref", "reference", "The member's URI.", { mutability: "immutable", referenceTypes: ["User"] }),
        text("display", "The member's userName.", { mutability: "readOnly" }),
        text("type", "User.", { mutability: "immutable", canonicalValues: ["User"] }),
      ],
    }),
  ],
};

export const SCHEMAS: readonly SchemaDef[] = [USER, ENTERPRISE_USER, GROUP];

/** A resource type: its core schema and its extensions. */
export interface ResourceSchema {
  readonly name: "User" | "Group";
  readonly endpoint: string;
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

export const USER_RESOURCE: ResourceSchema = { name: "User", endpoint: "/Users", core: USER, extensions: [ENTERPRISE_USER] };
export const GROUP_RESOURCE: ResourceSchema = { name: "Group", endpoint: "/Groups", core: GROUP, extensions: [] };
export const RESOURCE_TYPES: readonly ResourceSchema[] = [USER_RESOURCE, GROUP_RESOURCE];

/** An attribute named by a path, resolved against a resource's schemas. */
export interface ResolvedAttribute {
  /** The extension schema holding it; undefined for the core schema. */
  readonly extension: string | undefined;
  readonly attribute: AttributeDef;
  readonly sub: AttributeDef | undefined;
  /** Canonical: `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`. */
  readonly path: string;
}

function findByName(attributes: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return attributes?.find((a) => a.name.toLowerCase() === lower);
}

/** The extension schema a key names (case-insensitive), if any. */
export function extensionNamed(resource: ResourceSchema, urn: string): SchemaDef | undefined {
  const lower = urn.toLowerCase();
  return resource.extensions.find((e) => e.id.toLowerCase() === lower);
}

/**
 * Resolves `userName`, `name.givenName`, `emails.value`, `urn:…:User:userName` or
 * `urn:…:enterprise:2.0:User:manager.value`; undefined when the resource has no such attribute.
 */
export function resolveAttribute(resource: ResourceSchema, rawPath: string): ResolvedAttribute | undefined {
  let schema = resource.core;
  let rest = rawPath;
  if (rawPath.toLowerCase().startsWith("urn:")) {
    const lower = rawPath.toLowerCase();
    const owner = [resource.core, ...resource.extensions].find((s) => lower.startsWith(`${s.id.toLowerCase()}:`));
    if (!owner) return undefined;
    schema = owner;
    rest = rawPath.slice(owner.id.length + 1);
  }
  const dot = rest.indexOf(".");
  const name = dot === -1 ? rest : rest.slice(0, dot);
  const subName = dot === -1 ? undefined : rest.slice(dot + 1);
  const attribute = findByName(schema === resource.core ? [...COMMON_ATTRIBUTES, ...schema.attributes] : schema.attributes, name);
  if (!attribute) return undefined;
  let sub: AttributeDef | undefined;
  if (subName !== undefined) {
    sub = findByName(attribute.subAttributes, subName);
    if (!sub) return undefined;
  }
  const extension = schema === resource.core ? undefined : schema.id;
  const local = sub ? `${attribute.name}.${sub.name}` : attribute.name;
  return { extension, attribute, sub, path: extension ? `${extension}:${local}` : local };
}
