// A call's response headers (src/rpc/response-headers.ts) answer every method as a `Headers` with
// the same entries does, before and after writes — plain ones, which the view keeps itself without
// making a `Headers`, and any other, which a real `Headers` takes — and throw as it throws.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResponseHeaders } from "../../../src/rpc/response-headers.js";

const entriesOf = (headers: Headers) => [...headers];
const forEachOf = (headers: Headers) => {
  const seen: [string, string, boolean][] = [];
  headers.forEach((value, name, parent) => {
    seen.push([name, value, parent === headers]);
  });
  return seen;
};
const written = (headers: Headers) => (headers as unknown as ResponseHeaders).written;
const madeHeaders = (headers: Headers) => (headers as unknown as ResponseHeaders).madeHeaders;

/** What a call did: its result, or the error's type and message. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

/** A small deterministic generator (mulberry32): the same sequences on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  "cache-control",
  "Cache-Control",
  "pragma",
  "location",
  "x-http-code",
  "a",
  "zz",
  "set-cookie",
  "Cookie",
  "bad name",
  "x-é",
  "",
];
const VALUES = [
  "no-store",
  "public, max-age=300",
  " padded ",
  "in\tside",
  "tab\t",
  "",
  "caf\u00e9",
  "snow\u2603",
  "bad\nvalue",
  "nul\u0000",
  "x",
  "1",
];

describe("ResponseHeaders", () => {
  it("answers reads as a Headers with its initial entries does, without making one", () => {
    for (const initial of [[], [["grpc-status", "0"]]] as const) {
      const view = ResponseHeaders.of(initial);
      const real = new Headers(initial.map(([n, v]) => [n, v] as [string, string]));
      for (const name of ["grpc-status", "GRPC-Status", "cache-control"]) {
        assert.equal(view.get(name), real.get(name), name);
        assert.equal(view.has(name), real.has(name), name);
      }
      assert.deepEqual(entriesOf(view), entriesOf(real));
      assert.deepEqual([...view.keys()], [...real.keys()]);
      assert.deepEqual([...view.values()], [...real.values()]);
      assert.deepEqual(
        forEachOf(view).map(([n, v]) => [n, v]),
        entriesOf(real),
      );
      assert.ok(
        forEachOf(view).every(([, , parentIsView]) => parentIsView),
        "forEach passes the view as the parent",
      );
      assert.deepEqual(view.getSetCookie(), []);
      assert.throws(() => view.get("bad name"), TypeError, "a name Headers refuses");
      assert.equal(written(view), false);
    }
  });

  it("after a write, answers as a Headers given the same writes", () => {
    const view = ResponseHeaders.of([["content-type", "application/grpc+proto"]]);
    const real = new Headers({ "content-type": "application/grpc+proto" });
    for (const headers of [view, real]) {
      headers.set("Cache-Control", " no-store ");
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      headers.set("x-gone", "1");
      headers.delete("X-Gone");
    }
    assert.equal(written(view), true);
    assert.deepEqual(entriesOf(view), entriesOf(real));
    assert.deepEqual(view.getSetCookie(), ["a=1", "b=2"]);
    assert.equal(view.get("cache-control"), "no-store");
    assert.deepEqual(
      forEachOf(view).map(([n, v]) => [n, v]),
      entriesOf(real),
    );
    assert.throws(() => view.set("bad name", "x"), TypeError);
    assert.throws(() => view.set("x-ok", "bad\nvalue"), TypeError);
  });

  it("answers and throws as a Headers given the same writes, whatever the writes", () => {
    const next = random(22);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
    for (let sequence = 0; sequence < 300; sequence++) {
      const initial =
        sequence % 3 === 0
          ? ([
              ["content-type", "application/grpc"],
              ["grpc-status", "0"],
            ] as const)
          : ([] as const);
      const view = ResponseHeaders.of(initial);
      const real = new Headers(initial.map(([n, v]) => [n, v] as [string, string]));
      const steps: string[] = [];
      for (let step = 0; step < 8; step++) {
        const op = pick(["set", "append", "delete", "get", "has"] as const);
        const name = pick(NAMES);
        const value = pick(VALUES);
        steps.push(`${op}(${JSON.stringify(name)}, ${JSON.stringify(value)})`);
        const run = (headers: Headers) => outcome(() => (op === "set" || op === "append" ? headers[op](name, value) : headers[op](name)));
        assert.deepEqual(run(view), run(real), steps.join("; "));
        assert.deepEqual(entriesOf(view), entriesOf(real), steps.join("; "));
        assert.deepEqual(
          forEachOf(view).map(([n, v]) => [n, v]),
          entriesOf(real),
        );
        assert.deepEqual(view.getSetCookie(), real.getSetCookie(), steps.join("; "));
        for (const asked of NAMES)
          assert.deepEqual(
            outcome(() => view.get(asked)),
            outcome(() => real.get(asked)),
            asked,
          );
      }
    }
  });

  it("keeps plain writes without making a Headers", () => {
    const view = ResponseHeaders.of();
    view.set("Cache-Control", "no-store");
    view.set("pragma", "no-cache");
    view.append("vary", "origin");
    view.append("Vary", "accept");
    view.set("x-gone", "1");
    view.delete("X-Gone");
    assert.equal(madeHeaders(view), false);
    assert.equal(written(view), true);
    assert.deepEqual(entriesOf(view), [
      ["cache-control", "no-store"],
      ["pragma", "no-cache"],
      ["vary", "origin, accept"],
    ]);
    view.append("set-cookie", "a=1");
    assert.equal(madeHeaders(view), true, "a cookie goes to a real Headers");
    assert.deepEqual(entriesOf(view), [
      ["cache-control", "no-store"],
      ["pragma", "no-cache"],
      ["set-cookie", "a=1"],
      ["vary", "origin, accept"],
    ]);
  });

  it("is a Headers to whoever asks", () => {
    const view = ResponseHeaders.of();
    assert.ok(view instanceof Headers);
    assert.equal(Object.prototype.toString.call(view), "[object Headers]");
  });
});
