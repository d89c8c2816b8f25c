// RequestHeaders answers as the `Headers` the gateway used to copy every request's headers
// into: a real request through node:http (repeated headers, set-cookie, mixed-case names), each
// method compared with a filled `Headers`, before and after a change that makes it copy.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { describe, it } from "node:test";
import { RequestHeaders } from "../../../src/rpc/request-headers.js";

/** The headers node:http parsed from one real request carrying these header lines as sent. */
async function parsedHeaders(lines: readonly string[]): Promise<IncomingHttpHeaders> {
  let parsed: IncomingHttpHeaders | undefined;
  const server = createServer((req, res) => {
    parsed = req.headers;
    res.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  try {
    socket.end(`POST / HTTP/1.1\r\nHost: example.test\r\n${lines.join("\r\n")}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    socket.resume();
    await once(socket, "close");
  } finally {
    server.close();
  }
  assert.ok(parsed, "the server saw the request");
  return parsed;
}

/** What the gateway built before: every header copied into a `Headers`. */
function copied(source: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

const RAW = [
  "Authorization: Basic Y2xpZW50OnNlY3JldA==",
  "X-Forwarded-For: 10.0.0.1",
  "x-forwarded-for: 10.0.0.2",
  "Set-Cookie: a=1",
  "set-cookie: b=2",
  "Cookie: sid=abc",
  "Accept-Language: de, en;q=0.5",
  "Content-Type: application/x-www-form-urlencoded",
];

const NAMES = [
  "authorization",
  "AUTHORIZATION",
  "x-forwarded-for",
  "set-cookie",
  "cookie",
  "accept-language",
  "dpop",
  "constructor",
  "toString",
  "content-type",
  "host",
];

describe("RequestHeaders", () => {
  it("answers get and has as a filled Headers does, without copying", async () => {
    const source = await parsedHeaders(RAW);
    const lazy = RequestHeaders.of(source);
    const expected = copied(source);
    for (const name of NAMES) {
      assert.equal(lazy.get(name), expected.get(name), `get(${name})`);
      assert.equal(lazy.has(name), expected.has(name), `has(${name})`);
    }
    assert.deepEqual(lazy.getSetCookie(), expected.getSetCookie());
  });

  it("iterates as a filled Headers does", async () => {
    const source = await parsedHeaders(RAW);
    assert.deepEqual([...RequestHeaders.of(source)], [...copied(source)]);
    assert.deepEqual([...RequestHeaders.of(source).entries()], [...copied(source).entries()]);
    assert.deepEqual([...RequestHeaders.of(source).keys()], [...copied(source).keys()]);
    assert.deepEqual([...RequestHeaders.of(source).values()], [...copied(source).values()]);
    const seen: string[] = [];
    RequestHeaders.of(source).forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    const expected: string[] = [];
    copied(source).forEach((value, name) => {
      expected.push(`${name}=${value}`);
    });
    assert.deepEqual(seen, expected);
  });

  it("reflects changes as a filled Headers does, and leaves Node's headers alone", async () => {
    const source = await parsedHeaders(RAW);
    const before = structuredClone(source);
    const lazy = RequestHeaders.of(source);
    const expected = copied(source);
    for (const headers of [lazy, expected]) {
      headers.set("dpop", "proof");
      headers.append("accept-language", "fr");
      headers.delete("authorization");
    }
    for (const name of NAMES) assert.equal(lazy.get(name), expected.get(name), `get(${name}) after changes`);
    assert.deepEqual([...lazy], [...expected]);
    assert.deepEqual(source, before);
  });

  it("is a Headers", async () => {
    const lazy = RequestHeaders.of(await parsedHeaders(RAW));
    assert.ok(lazy instanceof Headers);
    assert.equal(new Headers(lazy).get("cookie"), "sid=abc");
  });
});
