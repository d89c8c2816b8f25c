// The discovery documents (RFC 7644 §4, RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and
// Schemas, from the schema definitions this server actually implements (scim-schema.ts).
import type { JsonObject } from "./scim-canonical.js";
import { scimNotFound } from "./scim-errors.js";
import { listResponse, MAX_RESULTS } from "./scim-list.js";
import { type AttributeDef, RESOURCE_TYPES, type ResourceSchema, SCHEMAS, type SchemaDef } from "./scim-schema.js";
import type { ScimBase } from "./scim-users.js";

const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";

export function serviceProviderConfig(base: ScimBase, documentationUri: string): JsonObject {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "API key (Bearer)",
        description: "An API key of the tenant with the scim scope, sent as Authorization: Bearer <api key>.",
        specUri: "https://www.rfc-editor.org/rfc/rfc6750",
        documentationUri,
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${base.url}/ServiceProviderConfig` },
  };
}

function resourceType(resource: ResourceSchema, base: ScimBase): JsonObject {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resource.name,
    name: resource.name,
    endpoint: resource.endpoint,
    description: resource.core.description,
    schema: resource.core.id,
    schemaExtensions: resource.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: "ResourceType", location: `${base.url}/ResourceTypes/${resource.name}` },
  };
}

function attributeDocument(def: AttributeDef): JsonObject {
  return {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
    ...(def.canonicalValues ? { canonicalValues: def.canonicalValues } : {}),
    ...(def.referenceTypes ? { referenceTypes: def.referenceTypes } : {}),
    ...(def.subAttributes ? { subAttributes: def.subAttributes.map(attributeDocument) } : {}),
  };
}

function schemaDocument(schema: SchemaDef, base: ScimBase): JsonObject {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: { resourceType: "Schema", location: `${base.url}/Schemas/${schema.id}` },
  };
}

export function listResourceTypes(base: ScimBase): JsonObject {
  return listResponse(
    RESOURCE_TYPES.length,
    1,
    RESOURCE_TYPES.map((r) => resourceType(r, base)),
  );
}

export function getResourceType(base: ScimBase, id: string): JsonObject {
  const found = RESOURCE_TYPES.find((r) => r.name.toLowerCase() === id.toLowerCase());
  if (!found) throw scimNotFound("ResourceType", id);
  return resourceType(found, base);
}

export function listSchemas(base: ScimBase): JsonObject {
  return listResponse(
    SCHEMAS.length,
    1,
    SCHEMAS.map((s) => schemaDocument(s, base)),
  );
}

export function getSchema(base: ScimBase, uri: string): JsonObject {
  const found = SCHEMAS.find((s) => s.id.toLowerCase() === uri.toLowerCase());
  if (!found) throw scimNotFound("Schema", uri);
  return schemaDocument(found, base);
}
