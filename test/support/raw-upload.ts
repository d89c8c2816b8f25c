// Uploads a large request body the way an attacker would: over a raw HTTP/1.1 or HTTP/2 stream,
// produced lazily as the server takes it, stopping as soon as the server answers. Reports how
// many bytes the server had taken by then, so that tests and the request-size benchmark can tell
// a request refused early from one the server read (and buffered) whole.
import http from "node:http";
import http2 from "node:http2";

/** A body of `size` bytes: `head`, then `a`s, then `tail`. */
export interface UploadBody {
  readonly size: number;
  readonly head: Uint8Array;
  readonly tail: Uint8Array;
}

export interface UploadAnswer {
  /** HTTP status; 0 when the connection ended without one. */
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** gRPC trailers, when the answer had them. */
  readonly trailers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** Bytes of the request body handed to the socket before the answer (or the end of the connection). */
  readonly sent: number;
  /** How the exchange ended when it did not end with an answer. */
  readonly failure?: string;
}

const FILL = Buffer.alloc(64 * 1024, "a");

/** `{"<field>":"aaa…"}` of `size` bytes. */
export function jsonStringBody(field: string, size: number): UploadBody {
  return { size, head: Buffer.from(`{"${field}":"`), tail: Buffer.from('"}') };
}

/** A protobuf message of `size` bytes whose field 1 is a string of `a`s; in a gRPC envelope if asked. */
export function protobufStringBody(size: number, enveloped: boolean): UploadBody {
  const envelope = enveloped ? 5 : 0;
  let length = size - envelope - 1;
  while (envelope + 1 + varint(length).length + length > size) length--;
  const message = Buffer.concat([Buffer.from([0x0a]), varint(length)]);
  const head = enveloped ? Buffer.concat([envelopeHeader(message.length + length), message]) : message;
  return { size: head.length + length, head, tail: Buffer.alloc(0) };
}

function envelopeHeader(length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(length, 1);
  return header;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function* chunksOf(body: UploadBody): Generator<Uint8Array> {
  yield body.head;
  let left = body.size - body.head.length - body.tail.length;
  while (left > 0) {
    const chunk = left >= FILL.length ? FILL : FILL.subarray(0, left);
    left -= chunk.length;
    yield chunk;
  }
  if (body.tail.length > 0) yield body.tail;
}

interface Writable {
  write(chunk: Uint8Array): boolean;
  once(event: "drain", listener: () => void): unknown;
  end(): unknown;
}

/** Writes `body` as the stream drains, until it is all written or `stopped()` says to stop. */
function pump(target: Writable, body: UploadBody, stopped: () => boolean, count: (bytes: number) => void): void {
  const chunks = chunksOf(body);
  const next = (): void => {
    while (!stopped()) {
      const chunk = chunks.next();
      if (chunk.done) {
        target.end();
        return;
      }
      count(chunk.value.length);
      if (!target.write(chunk.value)) {
        target.once("drain", next);
        return;
      }
    }
  };
  next();
}

/** POSTs `body` over HTTP/1.1, with a Content-Length unless `chunked`. */
export function uploadHttp1(
  url: string,
  headers: Record<string, string>,
  body: UploadBody,
  options: { chunked: boolean },
): Promise<UploadAnswer> {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = false;
    const settle = (answer: Omit<UploadAnswer, "sent">) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve({ ...answer, sent });
    };
    const request = http.request(url, {
      method: "POST",
      agent: false,
      headers: { ...headers, ...(options.chunked ? {} : { "content-length": String(body.size) }) },
    });
    let answered = false;
    request.on("response", (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on("data", (part: Buffer) => parts.push(part));
      const answer = () =>
        settle({ status: response.statusCode ?? 0, headers: response.headers, trailers: response.trailers, body: Buffer.concat(parts) });
      response.on("end", answer);
      response.on("close", answer);
    });
    // A server that answers early may close the connection while the body is still being
    // written (EPIPE, ECONNRESET): the answer may still be read, so only the end of the request
    // without one settles it as a failure.
    let failure = "closed";
    request.on("error", (error: NodeJS.ErrnoException) => {
      failure = error.code ?? error.message;
    });
    request.on("close", () => {
      if (!answered) settle({ status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0), failure });
    });
    // The answer may come while the body is still being written: stop writing then.
    pump(
      request,
      body,
      () => settled || answered || request.destroyed,
      (bytes) => {
        sent += bytes;
      },
    );
  });
}

/** POSTs `body` on one stream of a fresh HTTP/2 (h2c) connection. */
export function uploadHttp2(origin: string, headers: Record<string, string>, body: UploadBody): Promise<UploadAnswer> {
  const session = http2.connect(origin);
  return new Promise((resolve) => {
    let sent = 0;
    let settled = false;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    const settle = (failure?: string) => {
      if (settled) return;
      settled = true;
      session.destroy();
      resolve({
        status: Number(responseHeaders[":status"] ?? 0),
        headers: responseHeaders,
        trailers,
        body: Buffer.concat(parts),
        sent,
        ...(failure ? { failure } : {}),
      });
    };
    session.on("error", (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    const stream = session.request({ ":method": "POST", ...headers });
    stream.on("response", (answer) => {
      responseHeaders = answer;
    });
    stream.on("trailers", (answer) => {
      trailers = answer;
    });
    stream.on("data", (part: Buffer) => parts.push(part));
    stream.on("end", () => settle(responseHeaders[":status"] ? undefined : "the stream ended without an answer"));
    stream.on("error", (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    stream.on("close", () => settle(responseHeaders[":status"] ? undefined : `stream closed (${stream.rstCode})`));
    pump(
      stream,
      body,
      () => settled || stream.destroyed,
      (bytes) => {
        sent += bytes;
      },
    );
  });
}
