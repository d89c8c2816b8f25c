// The OpenAPI document as served: the committed gen/openapi.json (made from the protos by
// scripts/protoc-gen-openapi.ts), with `servers` naming this deployment's public URL, which only
// the configuration knows.
import { readFile } from "node:fs/promises";
import { staticAsset, type StaticAsset } from "./static-asset.js";

const GENERATED = new URL("../../gen/openapi.json", import.meta.url);

export async function openApiAsset(publicUrl: string): Promise<StaticAsset> {
  const { openapi, info, ...rest } = JSON.parse(await readFile(GENERATED, "utf8")) as Record<string, unknown>;
  // `servers` goes where the specification lists it, after `info`.
  const document = { openapi, info, servers: [{ url: publicUrl }], ...rest };
  return staticAsset(JSON.stringify(document), "application/json; charset=utf-8");
}
