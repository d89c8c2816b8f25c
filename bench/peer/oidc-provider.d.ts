// oidc-provider ships no type declarations; the benchmark uses its constructor, `proxy`,
// `callback()` and (untyped, through casts) its models.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
