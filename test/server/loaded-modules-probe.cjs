// Preloaded (`node --require`) into a service process under test: when the process exits, writes
// the CommonJS modules it loaded — every library of node_modules the service imported, ESM imports
// of CommonJS packages included — to the file LOADED_MODULES_FILE names, as a JSON array of paths.
const { writeFileSync } = require("node:fs");

process.on("exit", () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
