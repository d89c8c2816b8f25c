// Messages and enums → components/schemas, in the proto3 JSON form the REST gateway reads and
// writes: proto field names as property names, enums by name, repeated fields as arrays, maps as
// objects. Only the types an operation reaches become components. In the services that show unset
// `optional` fields as `null` (src/transcoding/unset-optional.ts) those properties are nullable —
// true of their requests too, since the gateway reads `null` as "not set".
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { isProto3Optional, reachesOptionalField, type UnsetOptional } from "../../src/transcoding/unset-optional.js";
import type { Annotations } from "./annotations.js";
import { docOf } from "./comments.js";
import { ruleKindOf, withListRules, withRequiredValue, withValueRules } from "./field-rules.js";
import type { Schema } from "./openapi-types.js";
import { scalarSchema } from "./scalars.js";
import { sortedObject } from "./sorted.js";
import { wellKnownSchema } from "./well-known-types.js";

export class SchemaCatalog {
  private readonly components = new Map<string, Schema>();
  /** How each message component shows unset `optional` fields: one way per component. */
  private readonly unsetOptionals = new Map<string, UnsetOptional>();

  constructor(private readonly annotations: Annotations) {}

  /**
   * A reference to the message's component (built on first use), or a well-known type's schema.
   * `unset` is how the service using it shows unset `optional` fields; a message with such fields
   * (at any depth) cannot serve services of both kinds, since its component would be false for one.
   */
  message(message: DescMessage, unset: UnsetOptional): Schema {
    const known = wellKnownSchema(message);
    if (known) return known;
    const builtFor = this.unsetOptionals.get(message.typeName);
    if (builtFor === undefined) {
      // Registered before it is built, so that recursive types terminate.
      this.unsetOptionals.set(message.typeName, unset);
      this.components.set(message.typeName, {});
      this.components.set(message.typeName, this.objectSchema(message, new Set(), unset));
    } else if (builtFor !== unset && reachesOptionalField(message)) {
      throw new Error(
        `${message.typeName} has optional fields and is used by services that show them unset as null and by services that leave them out (their error formats differ); give each its own message`,
      );
    }
    return refTo(message.typeName);
  }

  /**
   * The message as an inline object without some top-level fields (those a request takes from
   * its path, which a body need not repeat); a plain reference when there are none to leave out.
   */
  messageWithout(message: DescMessage, omitted: ReadonlySet<string>, unset: UnsetOptional): Schema {
    const fieldsOmitted = message.fields.some((field) => omitted.has(field.name));
    return fieldsOmitted ? this.objectSchema(message, omitted, unset) : this.message(message, unset);
  }

  /** A field's schema with its documentation, as a property of its message. */
  private property(field: DescField, unset: UnsetOptional): Schema {
    const { description } = docOf(field);
    const value = this.value(field, unset);
    return {
      ...(unset === "null" && isProto3Optional(field) ? nullable(value) : value),
      ...(description ? { description } : {}),
      ...(field.deprecated ? { deprecated: true } : {}),
    };
  }

  /** The schema of a field's JSON value, with its rules. */
  value(field: DescField, unset: UnsetOptional): Schema {
    const rules = this.annotations.fieldRules(field);
    const format = rules && this.annotations.stringFormat(rules);
    switch (field.fieldKind) {
      case "scalar": {
        const kind = ruleKindOf(field.scalar);
        const schema = scalarSchema(field.scalar);
        return rules ? withRequiredValue(withValueRules(schema, kind, rules, format), kind, rules) : schema;
      }
      case "enum":
        return this.enum(field.enum);
      case "message":
        return this.message(field.message, unset);
      case "list": {
        const kind = ruleKindOf(field.scalar);
        const item =
          field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
              ? this.enum(field.enum)
              : this.message(field.message, unset);
        const array: Schema = { type: "array", items: rules ? withValueRules(item, kind, rules, format) : item };
        return rules ? withListRules(array, rules) : array;
      }
      case "map": {
        const value =
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
              ? this.enum(field.enum)
              : this.message(field.message, unset);
        return { type: "object", additionalProperties: value };
      }
    }
  }

  /** Every component built so far, by name. */
  schemas(): Record<string, Schema> {
    return sortedObject(this.components);
  }

  private enum(desc: DescEnum): Schema {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!this.components.has(desc.typeName)) this.components.set(desc.typeName, enumSchema(desc));
    return refTo(desc.typeName);
  }

  private objectSchema(message: DescMessage, omitted: ReadonlySet<string>, unset: UnsetOptional): Schema {
    const fields = message.fields.filter((field) => !omitted.has(field.name));
    const required = fields.filter((field) => this.annotations.fieldRules(field)?.required).map((field) => field.name);
    const { description } = docOf(message);
    return {
      type: "object",
      ...(description ? { description } : {}),
      properties: Object.fromEntries(fields.map((field) => [field.name, this.property(field, unset)])),
      ...(required.length > 0 ? { required } : {}),
    };
  }
}

function refTo(typeName: string): Schema {
  return { $ref: `#/components/schemas/${typeName}` };
}

/** The schema, or `null`. */
function nullable(schema: Schema): Schema {
  if (schema.$ref !== undefined) return { anyOf: [schema, { type: "null" }] };
  const { type } = schema;
  if (type === undefined || (Array.isArray(type) && type.includes("null"))) return schema;
  const out: Schema = { ...schema, type: [...(Array.isArray(type) ? type : [type]), "null"] };
  if (out.enum) out.enum = [...out.enum, null];
  return out;
}

/** Enums travel as their value names; the description lists what each one means. */
function enumSchema(desc: DescEnum): Schema {
  const { description } = docOf(desc);
  const values = desc.values.map((value) => `- \`${value.name}\`${docLine(docOf(value).description)}`);
  return {
    type: "string",
    description: [description, values.join("\n")].filter(Boolean).join("\n\n"),
    enum: desc.values.map((value) => value.name),
  };
}

function docLine(text: string | undefined): string {
  return text ? `: ${text.replace(/\s*\n\s*/g, " ")}` : "";
}
