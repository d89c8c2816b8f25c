// protoc-gen-openapi: the protos' REST surface (google.api.http rules, our field and method
// options, comments) as one OpenAPI 3.1 document, `openapi.json`, in the output directory. Run by
// buf with `strategy: all`, so that one request holds every file and yields one document.
import {
  create,
  createFileRegistry,
  maximumEdition,
  minimumEdition,
  protoInt64,
  type DescFile,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
  type CodeGeneratorRequest,
  type CodeGeneratorResponse,
} from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { readFileSync } from "node:fs";
import { readAnnotations } from "./annotations.js";
import { buildDocument } from "./document.js";
import { parseOptions } from "./options.js";

export const OUTPUT_FILE = "openapi.json";
const TITLE = "Secrets Vault OIDC Service";

interface PackageJson {
  readonly version: string;
  readonly description?: string;
}

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as PackageJson;

/** The document's text: pretty-printed and newline-terminated, to diff well. */
export function generateOpenApi(request: CodeGeneratorRequest): string {
  const { excludedPackages } = parseOptions(request.parameter);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
  const files = request.fileToGenerate.map((name): DescFile => {
    const file = registry.getFile(name);
    if (!file) throw new Error(`${name} is to be generated but is not in the request`);
    return file;
  });
  const document = buildDocument({
    files,
    annotations: readAnnotations(registry),
    info: {
      title: TITLE,
      version: packageJson.version,
      ...(packageJson.description ? { description: packageJson.description } : {}),
    },
    excludedPackages,
  });
  return `${JSON.stringify(document, null, 2)}\n`;
}

export const openApiPlugin: Plugin = {
  name: "protoc-gen-openapi",
  version: `v${packageJson.version}`,
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    try {
      return response({ file: [{ name: OUTPUT_FILE, content: generateOpenApi(request) }] });
    } catch (error) {
      // Problems with the protos or the options go back to buf in the response, as the plugin
      // protocol asks, so that buf reports them against this plugin.
      return response({ error: error instanceof Error ? error.message : String(error) });
    }
  },
};

function response(init: MessageInitShape<typeof CodeGeneratorResponseSchema>): CodeGeneratorResponse {
  return create(CodeGeneratorResponseSchema, {
    supportedFeatures: protoInt64.parse(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL | CodeGeneratorResponse_Feature.SUPPORTS_EDITIONS),
    minimumEdition,
    maximumEdition,
    ...init,
  });
}
