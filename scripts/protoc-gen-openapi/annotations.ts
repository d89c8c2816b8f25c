// Typed access to the options the generator reads: google.api.http and our svault.api.v1 ones.
//
// The extensions are looked up in the plugin's own request rather than imported from gen/: buf
// cleans gen/ before it runs the plugins, and the request always holds the options.proto the
// target files were compiled against. Only the generated *types* are imported (erased at run time).
import {
  getOption,
  hasOption,
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescMethod,
  type DescService,
  type Registry,
} from "@bufbuild/protobuf";
import type { GenExtension } from "@bufbuild/protobuf/codegenv2";
import type { FieldOptions, MethodOptions, ServiceOptions } from "@bufbuild/protobuf/wkt";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import type { ErrorFormat, FieldRules, MethodRules } from "../../gen/svault/api/v1/options_pb.js";

/** How a service's REST routes render errors (see src/transcoding/error-renderers.ts). */
export type ErrorStyle = "detail" | "oauth" | "scim";

/** A `(svault.api.v1.field).format`, by the JSON Schema keyword that expresses it. */
export type StringFormatName = "email" | "uri" | "uuid" | "ip";

export interface Annotations {
  http(method: DescMethod): HttpRule | undefined;
  fieldRules(field: DescField): FieldRules | undefined;
  stringFormat(rules: FieldRules): StringFormatName | undefined;
  /** The method's `(svault.api.v1.method)` rules (`success_status`, `null_response`, …), if any. */
  methodRules(method: DescMethod): MethodRules | undefined;
  errorStyle(service: DescService): ErrorStyle;
}

const ERROR_STYLES: Readonly<Record<string, ErrorStyle>> = {
  ERROR_FORMAT_OAUTH: "oauth",
  ERROR_FORMAT_SCIM: "scim",
};

const STRING_FORMATS: Readonly<Record<string, StringFormatName>> = {
  STRING_FORMAT_EMAIL: "email",
  STRING_FORMAT_URI: "uri",
  STRING_FORMAT_UUID: "uuid",
  STRING_FORMAT_IP: "ip",
};

export function readAnnotations(registry: Registry): Annotations {
  const http = extension<MethodOptions, HttpRule>(registry, "google.api.http");
  const field = extension<FieldOptions, FieldRules>(registry, "svault.api.v1.field");
  const method = extension<MethodOptions, MethodRules>(registry, "svault.api.v1.method");
  const errorFormat = extension<ServiceOptions, ErrorFormat>(registry, "svault.api.v1.error_format");
  const stringFormatEnum = registry.getEnum("svault.api.v1.StringFormat");
  const errorFormatEnum = registry.getEnum("svault.api.v1.ErrorFormat");

  return {
    http: (desc) => (http && hasOption(desc, http) ? getOption(desc, http) : undefined),
    fieldRules: (desc) => (field && hasOption(desc, field) ? getOption(desc, field) : undefined),
    stringFormat: (rules) => STRING_FORMATS[valueName(stringFormatEnum, rules.format)],
    methodRules: (desc) => (method && hasOption(desc, method) ? getOption(desc, method) : undefined),
    errorStyle: (desc) => {
      const value = errorFormat && hasOption(desc, errorFormat) ? getOption(desc, errorFormat) : 0;
      return ERROR_STYLES[valueName(errorFormatEnum, value)] ?? "detail";
    },
  };
}

/**
 * The extension as the generated code would type it. Absent when no target file imports its
 * definition, in which case no element can carry the option either.
 */
function extension<Extendee extends FieldOptions | MethodOptions | ServiceOptions, Value>(
  registry: Registry,
  typeName: string,
): GenExtension<Extendee, Value> | undefined {
  const found: DescExtension | undefined = registry.getExtension(typeName);
  return found as GenExtension<Extendee, Value> | undefined;
}

function valueName(desc: DescEnum | undefined, value: number): string {
  return desc?.value[value]?.name ?? "";
}
