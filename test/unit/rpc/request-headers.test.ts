// A gRPC call's request headers (src/rpc/request-headers.ts) answer every method as the `Headers`
// the gRPC listener used to fill for each call — every header of Node's HTTP/2 request but its
// pseudo-headers, appended one by one — does, before and after changes, and throw as it throws:
// differential, over the headers of real HTTP/2 requests.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RequestHeaders } from "../../../src/rpc/request-headers.js";

/** The Headers the listener filled before (grpc-listener.ts, handlerContext). */
function filledAsBefore(source: http2.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, String(value));
  }
  return headers;
}

/** What a call did: its result, or the error's type and message. */
function outcome(call: () => unknown): unknown {
  try {
    const value = call();
    return { value: value instanceof Object && Symbol.iterator in value ? [...(value as Iterable<unknown>)] : value };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

let server: http2.Http2Server;
let session: http2.ClientHttp2Session;
let received: (headers: http2.IncomingHttpHeaders) => void = () => {};

before(async () => {
  server = http2.createServer((request, response) => {
    received(request.headers);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
after(async () => {
  session.close();
  await new Promise((resolve) => server.close(resolve));
});

/** Node's parsed headers of a request that sent `headers` (names and values as given, repeats as lists). */
async function headersOfRequest(headers: http2.OutgoingHttpHeaders): Promise<http2.IncomingHttpHeaders> {
  const got = new Promise<http2.IncomingHttpHeaders>((resolve) => (received = resolve));
  const stream = session.request({ ":method": "POST", ":path": "/svault.auth.v1.AuthService/GetChallenge", ...headers });
  stream.resume();
  stream.end();
  await new Promise((resolve) => stream.on("close", resolve));
  return got;
}

const REQUESTS: http2.OutgoingHttpHeaders[] = [
  // What @grpc/grpc-js sends with the login's metadata.
  {
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-accept-encoding": "identity,deflate,gzip",
    "accept-encoding": "identity",
    "x-forwarded-for": "10.1.0.7",
    "user-agent": "svault-auth-bench grpc-node-js/1.12.6",
  },
  // Repeated headers (joined by Node, or kept as a list), cookies, values with inner spaces and latin1.
  {
    "content-type": "application/grpc+proto",
    authorization: "Bearer abc.def",
    "x-api-key": "svk_1",
    "x-multi": ["one", "two", "three"],
    cookie: ["a=1", "b=2"],
    "set-cookie": ["s=1", "t=2"],
    "x-spaced": "in side  out",
    "x-latin1": "caf\u00e9",
    "x-empty": "",
  },
];

const PROBED_NAMES = [
  "content-type",
  "Content-Type",
  "AUTHORIZATION",
  "x-api-key",
  "x-multi",
  "cookie",
  "set-cookie",
  "x-spaced",
  "x-latin1",
  "x-empty",
  "user-agent",
  "absent",
  "constructor",
  "__proto__",
  ":path",
  ":authority",
  "bad name",
  "",
];

describe("a gRPC call's request headers", () => {
  for (const [index, sent] of REQUESTS.entries()) {
    it(`answer get and has as the Headers filled before (request ${index + 1}), without copying`, async () => {
      const source = await headersOfRequest(sent);
      const view = RequestHeaders.of(source);
      const reference = filledAsBefore(source);
      assert.ok(view instanceof Headers);
      for (const name of PROBED_NAMES) {
        assert.deepEqual(
          outcome(() => view.get(name)),
          outcome(() => reference.get(name)),
          `get(${JSON.stringify(name)})`,
        );
        assert.deepEqual(
          outcome(() => view.has(name)),
          outcome(() => reference.has(name)),
          `has(${JSON.stringify(name)})`,
        );
      }
      assert.equal((view as unknown as RequestHeaders).copied, false);
    });

    it(`iterate and change as the Headers filled before (request ${index + 1})`, async () => {
      const source = await headersOfRequest(sent);
      const view = RequestHeaders.of(source);
      const reference = filledAsBefore(source);
      assert.deepEqual([...view], [...reference]);
      const seen: [string, string, boolean][] = [];
      view.forEach((value, name, parent) => {
        seen.push([name, value, parent === view]);
      });
      assert.deepEqual(
        seen,
        [...reference].map(([name, value]) => [name, value, true]),
      );
      assert.deepEqual([...view.keys()], [...reference.keys()]);
      assert.deepEqual([...view.values()], [...reference.values()]);
      assert.deepEqual(view.getSetCookie(), reference.getSetCookie());
      for (const headers of [view, reference]) {
        headers.set("x-added", "1");
        headers.append("x-multi", "four");
        headers.delete("user-agent");
      }
      assert.deepEqual([...view], [...reference]);
      for (const name of PROBED_NAMES)
        assert.deepEqual(
          outcome(() => view.get(name)),
          outcome(() => reference.get(name)),
        );
      assert.deepEqual(
        outcome(() => view.set("bad name", "x")),
        outcome(() => reference.set("bad name", "x")),
      );
      // Its own source is never changed: Connect reads it when the call falls back.
      assert.equal(source["x-added"], undefined);
    });
  }
});
