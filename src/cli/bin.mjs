#!/usr/bin/env node
// The `svault` executable (package.json "bin"): the CLI is TypeScript run through tsx, registered
// here rather than with `--import tsx`, which would resolve tsx from the caller's directory.
import { register } from "tsx/esm/api";

register();
await import("./svault.ts");
