// Entry point of the protoc-gen-openapi plugin (see protoc-gen-openapi/plugin.ts). buf runs it as
// a local plugin from buf.gen.yaml: `node --import tsx scripts/protoc-gen-openapi.ts`.
import { runNodeJs } from "@bufbuild/protoplugin";
import { openApiPlugin } from "./protoc-gen-openapi/plugin.js";

runNodeJs(openApiPlugin);
