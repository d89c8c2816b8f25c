// The CLI's version: the package's, which the service reports too (its /health `version`).
import { readFileSync } from "node:fs";

export const CLI_VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
