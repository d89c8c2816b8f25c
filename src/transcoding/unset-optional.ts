// How REST answers show a proto3 `optional` field that is not set. The reference-shaped services
// (error format DETAIL: the admin and auth APIs) show it as `null`, as the API reference's models
// do (`"external_id": null`); the OAuth/OIDC and SCIM services leave it out, as their RFCs' JSON
// does (a token response without `refresh_token`, discovery, userinfo). Connect and gRPC always
// speak standard proto3 JSON, which leaves it out. Shared by the REST gateway and the OpenAPI
// generator, so that the document says what the gateway sends; imports nothing from gen/ (the
// generator runs while gen/ is being rewritten).
import type { DescField, DescMessage, JsonObject, JsonValue, Message } from "@bufbuild/protobuf";

/** `null` for services with the DETAIL error format (the default), `omit` for OAuth and SCIM. */
export type UnsetOptional = "null" | "omit";

/** A field declared `optional` in a proto3 file (explicit presence, rendered nullable). */
export function isProto3Optional(field: DescField): boolean {
  return field.proto.proto3Optional === true;
}

const reaching = new WeakMap<DescMessage, boolean>();

/**
 * Whether the message or any message inside it (fields, list items, map values; not the
 * google.protobuf types, whose JSON is their own) has a proto3 `optional` field. Cached per type.
 */
export function reachesOptionalField(message: DescMessage): boolean {
  const known = reaching.get(message);
  if (known !== undefined) return known;
  // Provisionally false, so that recursive types terminate; a cycle adds no fields of its own.
  reaching.set(message, false);
  const result = message.fields.some((field) => {
    if (isProto3Optional(field)) return true;
    const nested = nestedMessageOf(field);
    return nested !== undefined && reachesOptionalField(nested);
  });
  reaching.set(message, result);
  return result;
}

/**
 * The proto3 JSON of `message` (`toJson` with proto field names) with every unset proto3
 * `optional` field added as `null`, at any depth, keys in field order.
 */
export function withUnsetOptionalsAsNull(schema: DescMessage, message: Message, json: JsonValue): JsonValue {
  if (!reachesOptionalField(schema) || typeof json !== "object" || json === null || Array.isArray(json)) return json;
  const source = json as JsonObject;
  const out: JsonObject = {};
  for (const field of schema.fields) {
    const value = source[field.name];
    if (value === undefined) {
      if (isProto3Optional(field)) out[field.name] = null;
      continue;
    }
    out[field.name] = nestedWithNulls(field, fieldValue(message, field), value);
  }
  // Anything toJson wrote under another name (none today) is kept as it was.
  for (const [key, value] of Object.entries(source)) if (!(key in out)) out[key] = value;
  return out;
}

function nestedWithNulls(field: DescField, value: unknown, json: JsonValue): JsonValue {
  const nested = nestedMessageOf(field);
  if (nested === undefined || !reachesOptionalField(nested)) return json;
  switch (field.fieldKind) {
    case "message":
      return withUnsetOptionalsAsNull(nested, value as Message, json);
    case "list": {
      const items = value as Message[];
      return (json as JsonValue[]).map((item, index) => withUnsetOptionalsAsNull(nested, items[index] as Message, item));
    }
    case "map": {
      const entries = value as Record<string, Message>;
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(json as JsonObject))
        out[key] = withUnsetOptionalsAsNull(nested, entries[key] as Message, item);
      return out;
    }
    default:
      return json;
  }
}

/** The message type of a message field, list of messages or map with message values. */
function nestedMessageOf(field: DescField): DescMessage | undefined {
  const message =
    field.fieldKind === "message"
      ? field.message
      : field.fieldKind === "list" && field.listKind === "message"
        ? field.message
        : field.fieldKind === "map" && field.mapKind === "message"
          ? field.message
          : undefined;
  return message === undefined || message.typeName.startsWith("google.protobuf.") ? undefined : message;
}

function fieldValue(message: Message, field: DescField): unknown {
  const record = message as unknown as Record<string, unknown>;
  if (field.oneof === undefined) return record[field.localName];
  const selected = record[field.oneof.localName] as { case: string | undefined; value?: unknown };
  return selected.case === field.localName ? selected.value : undefined;
}
