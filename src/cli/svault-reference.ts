// `npm run -s docs:cli`: regenerates the command reference at the end of docs/cli.md from the
// CLI's own help (src/cli/svault/reference.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { withReference } from "./svault/reference.js";

const path = new URL("../../docs/cli.md", import.meta.url);
writeFileSync(path, withReference(readFileSync(path, "utf8")));
