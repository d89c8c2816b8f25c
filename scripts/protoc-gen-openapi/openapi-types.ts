// The subset of OpenAPI 3.1 (and its JSON Schema 2020-12 dialect) that the generator writes.
// Properties are declared in the order they should appear in the output, for readability.

export type SchemaType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

export interface Schema {
  $ref?: string;
  type?: SchemaType | SchemaType[];
  format?: string;
  contentEncoding?: string;
  title?: string;
  description?: string;
  deprecated?: boolean;
  const?: string;
  enum?: (string | null)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: Schema[];
  items?: Schema;
  prefixItems?: Schema[];
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  examples?: string[];
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  description?: string;
  required?: boolean;
  deprecated?: boolean;
  schema: Schema;
}

export interface MediaType {
  schema?: Schema;
}

export interface RequestBody {
  description?: string;
  content: Record<string, MediaType>;
}

export interface Header {
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}

export interface Reference {
  $ref: string;
}

export interface Operation {
  tags: string[];
  summary?: string;
  description?: string;
  operationId: string;
  deprecated?: boolean;
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses: Record<string, Response | Reference>;
}

export type HttpVerb = "get" | "put" | "post" | "delete" | "patch";

export type PathItem = Partial<Record<HttpVerb, Operation>>;

export interface Tag {
  name: string;
  description?: string;
}

export interface Document {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  tags: Tag[];
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Response> };
}
