// A call's response headers made on first write (src/rpc/response-headers.ts) answer every method as
// a `Headers` with the same entries does, before and after a write, and make no `Headers` until
// something is written.
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

  it("is a Headers to whoever asks", () => {
    const view = ResponseHeaders.of();
    assert.ok(view instanceof Headers);
    assert.equal(Object.prototype.toString.call(view), "[object Headers]");
  });
});
