// LOG_FORMAT: JSON lines for collectors (the default when the logs do not go to a terminal, as in
// a container), pretty-printed through pino-pretty for a person at a terminal.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { ConfigError, loadConfig } from "../../src/config/config.js";

const LOGGER = new URL("../../src/logging/logger.ts", import.meta.url).href;

/** What a process that logs one info line with `format` writes to its (piped) stdout. */
async function oneLine(format: "json" | "pretty"): Promise<string> {
  const script = `const { createLogger } = await import(${JSON.stringify(LOGGER)});
    createLogger("info", undefined, ${JSON.stringify(format)}).info({ path: "/ui/login" }, "request");`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, NO_COLOR: "1" },
  });
  return stdout;
}

describe("LOG_FORMAT", () => {
  it("defaults to pretty on a terminal and to JSON elsewhere; either can be asked for", () => {
    assert.equal(loadConfig({}, true).logFormat, "pretty");
    assert.equal(loadConfig({}, false).logFormat, "json");
    assert.equal(loadConfig({ LOG_FORMAT: "json" }, true).logFormat, "json");
    assert.equal(loadConfig({ LOG_FORMAT: "pretty" }, false).logFormat, "pretty");
  });

  it("refuses anything else, naming the variable", () => {
    assert.throws(
      () => loadConfig({ LOG_FORMAT: "xml" }, false),
      (error: unknown) => error instanceof ConfigError && error.problems.includes('LOG_FORMAT must be one of json, pretty, got "xml"'),
    );
  });

  it("json writes one JSON object per line; pretty writes the level and message for people", async () => {
    const json = JSON.parse(await oneLine("json")) as Record<string, unknown>;
    assert.deepEqual([json.level, json.msg, json.path], [30, "request", "/ui/login"]);

    const pretty = await oneLine("pretty");
    assert.throws(() => JSON.parse(pretty), "not JSON");
    assert.match(pretty, /INFO.*request/);
    assert.match(pretty, /path: "\/ui\/login"/);
  });
});
