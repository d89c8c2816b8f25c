// A request's logger is made on its first line (src/operations/request-logger.ts): the lines are
// pino's child's — with the request id, the process logger's bindings and its redaction — and a
// request that writes nothing (or only below the level) makes no child.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fastify, { type FastifyBaseLogger } from "fastify";
import { httpListenerOptions } from "../../../src/operations/http-listener.js";
import { RequestLogger } from "../../../src/operations/request-logger.js";
import { captureLogs } from "../../support/log-capture.js";
import { testConfig } from "../../support/test-config.js";

/** A parent whose `child` calls are counted (pino's children inherit the method: only the parent's own count). */
function countingParent(level: "warn" | "info") {
  const logs = captureLogs(level);
  let children = 0;
  const parent = logs.logger as unknown as FastifyBaseLogger;
  const child = parent.child;
  parent.child = function (this: FastifyBaseLogger, bindings, options) {
    if (this === parent) children++;
    return child.call(this, bindings, options);
  };
  return { logs, parent, children: () => children };
}

describe("RequestLogger", () => {
  it("makes no child for a request that writes nothing, or only below the level", () => {
    const { logs, parent, children } = countingParent("warn");
    const logger = new RequestLogger(parent, { reqId: "r-1" }, {});
    assert.equal(logger.level, "warn");
    logger.info({ step: 1 }, "not written");
    logger.debug("not written either");
    logger.trace("nor this");
    logger.silent();
    assert.equal(children(), 0);
    assert.deepEqual(logs.lines, []);
  });

  it("writes through pino's child: the request id, the process bindings, redaction", async () => {
    const { logs, parent, children } = countingParent("warn");
    const logger = new RequestLogger(parent, { reqId: "r-2" }, {});
    logger.warn({ form: { token: "eyJ.secret.token" }, rpc: "x" }, "the database is unavailable");
    logger.error(new Error("boom"), "unhandled");
    logger.info("below the level");
    assert.equal(children(), 1, "one child, made on the first line");
    await logs.waitForLine((line) => line.msg === "unhandled");
    const [warn, error] = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(logs.lines.length, 2);
    assert.equal(warn?.reqId, "r-2");
    assert.equal(warn?.service, "svault");
    assert.deepEqual(warn?.form, { token: "[redacted]" });
    assert.equal(warn?.msg, "the database is unavailable");
    assert.equal(error?.reqId, "r-2");
    assert.equal((error?.err as { message?: string } | undefined)?.message, "boom");
  });

  it("follows a level of its own (a route's logLevel), and its children carry its bindings", async () => {
    const { logs, parent } = countingParent("warn");
    const logger = new RequestLogger(parent, { reqId: "r-3" }, { level: "debug" });
    assert.equal(logger.level, "debug");
    logger.debug("written at the route's level");
    logger.child({ step: "nested" }).info("from a child");
    await logs.waitForLine((line) => line.msg === "from a child");
    const lines = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [line.reqId, line.msg, line.step]),
      [
        ["r-3", "written at the route's level", undefined],
        ["r-3", "from a child", "nested"],
      ],
    );
  });

  it("is what the HTTP listener gives each request: its lines name the request's id", async () => {
    const logs = captureLogs("warn");
    const app = fastify(httpListenerOptions(testConfig(), logs.logger, {}));
    app.get("/", (request, reply) => {
      assert.ok(request.log instanceof RequestLogger);
      request.log.warn("handled");
      reply.send("ok");
    });
    for (const id of ["trace-123", "trace-456"]) {
      const res = await app.inject({ method: "GET", url: "/", headers: { "x-request-id": id } });
      assert.equal(res.statusCode, 200);
    }
    await logs.waitForLine((line) => line.reqId === "trace-456");
    const lines = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [line.msg, line.reqId]),
      [
        ["handled", "trace-123"],
        ["handled", "trace-456"],
      ],
    );
    await app.close();
  });
});
