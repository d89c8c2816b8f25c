// The request handler of the gRPC listener (GRPC_PORT): Connect's node adapter for everything it
// serves there (gRPC, gRPC-Web and Connect, unary and streaming), with a direct path for the
// commonest call, a unary gRPC call in protobuf's binary format.
//
// Why: connect-node runs every call, unary ones included, as a pipeline of async iterables (the
// request body, envelope splitting, parsing, the implementation, serialization, compression,
// envelope joining, the response body), each step a generator whose every `next` is a few
// promises; it makes four AbortControllers per call (the request's, a deadline, one linking them
// to the shutdown signal, and the handler context's), aborts two of them without a reason when the
// call ends — which constructs a DOMException each —, builds a URL and copies the headers twice.
// Profiled on the login (bench:auth, login_grpc), that machinery and the garbage it leaves cost
// more server CPU than the REST gateway's whole HTTP/1.1 path for the same two calls.
//
// The direct path does the same work without it, as the REST gateway does (src/transcoding/
// call-context.ts): it reads the one envelope, parses it with Connect's own serialization (the
// same size limits), runs the implementation through the same interceptors as the REST gateway
// does (unary-invoker.ts: the method's chain composed once), and writes the answer and the trailers as Connect's gRPC protocol does,
// with the same compression negotiation (connect's functions). Any call that is not the plain case
// — a deadline (`grpc-timeout`), a compressed request, a message flag, a message over the size
// limit, more or less than one whole message, bytes that do not parse, JSON, gRPC-Web, Connect,
// HTTP/1.1, streaming — goes to Connect's handler unchanged, with the bytes read so far handed
// over in front of the rest of the body, so that every such answer stays Connect's.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createConnectRouter,
  createServiceImplSpec,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  createMethodSerializationLookup,
  encodeEnvelope,
  envelopeCompress,
  type MethodSerializationLookup,
  type UniversalHandler,
  validateReadWriteMaxBytes,
} from "@connectrpc/connect/protocol";
import { contentTypeProto, grpcStatusOk, parseContentType, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { ServiceRegistration } from "./registry.js";
import { RequestHeaders } from "./request-headers.js";
import { type InitialHeader, ResponseHeaders } from "./response-headers.js";
import { outputOf, UnaryInvoker } from "./unary-invoker.js";

export interface GrpcListenerOptions {
  /** The routes of every surface (registry.ts, wrapped by refused-requests.ts). */
  readonly routes: (router: ConnectRouter) => void;
  /** The same registrations, for the implementations the direct path calls. */
  readonly registrations: readonly ServiceRegistration[];
  readonly interceptors: readonly Interceptor[];
  readonly readMaxBytes: number;
  readonly shutdownSignal: AbortSignal;
  readonly contextValues: (request: Http2ServerRequest) => ContextValues;
}

type UnaryInput = Parameters<UnaryInvoker["invoke"]>[1];

/** What the direct path needs of one unary method. */
interface DirectMethod {
  readonly method: DescMethodUnary;
  readonly invoker: UnaryInvoker;
  readonly serialization: MethodSerializationLookup<DescMethodUnary["input"], DescMethodUnary["output"]>;
}

/** The 5-byte prefix of a gRPC message: a flags byte and the message's length. */
const PREFIX_BYTES = 5;

const noTimeout = (): undefined => undefined;

export function grpcListener(options: GrpcListenerOptions): (request: Http2ServerRequest, response: Http2ServerResponse) => void {
  // As connect-node's adapter: gzip and brotli, its defaults.
  const acceptCompression: Compression[] = [compressionGzip, compressionBrotli];
  const limits = validateReadWriteMaxBytes(options.readMaxBytes, undefined, undefined);
  const router = createConnectRouter({
    acceptCompression,
    readMaxBytes: options.readMaxBytes,
    interceptors: [...options.interceptors],
    shutdownSignal: options.shutdownSignal,
  });
  options.routes(router);
  const handlers = new Map<string, UniversalHandler>(router.handlers.map((handler) => [handler.requestPath, handler]));
  const direct = new Map<string, DirectMethod>();
  for (const { service, impl } of options.registrations) {
    const specs = createServiceImplSpec(service, impl);
    for (const method of service.methods) {
      const spec = specs.methods[method.localName];
      if (method.methodKind !== "unary" || spec?.kind !== "unary") continue;
      direct.set(`/${service.typeName}/${method.name}`, {
        method: spec.method,
        invoker: new UnaryInvoker(spec, options.interceptors),
        serialization: createMethodSerializationLookup(method, undefined, undefined, limits),
      });
    }
  }

  /** Connect's answer to the call, reading the body from the request, or from `body` when it was read whole already. */
  const viaConnect = (
    handler: UniversalHandler,
    request: Http2ServerRequest,
    response: Http2ServerResponse,
    values: ContextValues,
    body?: AsyncIterable<Uint8Array>,
  ) => {
    // connect-node takes an already-read body in the place of a parsed JSON one.
    const universal = universalRequestFromNodeRequest(request, response, body as unknown as undefined, values);
    handler(universal)
      .then((answer) => universalResponseToNodeResponse(answer, response))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        console.error(`handler for rpc ${handler.method.name} of ${handler.service.typeName} failed`, reason);
      });
  };

  /**
   * The compression of the answer, as Connect negotiates it for a request without a compressed
   * message (none is on this path) from its `grpc-accept-encoding`: remembered for the last value
   * seen, which a client sends alike on every call.
   */
  let lastAccepted: { readonly header: string | null; readonly compression: Compression | null } = { header: null, compression: null };
  const responseCompression = (accepted: string | null): Compression | null => {
    if (accepted !== lastAccepted.header) {
      const { response } = compressionNegotiate(acceptCompression, null, accepted, "grpc-accept-encoding");
      lastAccepted = { header: accepted, compression: response };
    }
    return lastAccepted.compression;
  };

  return (request, response) => {
    // Connect matches the path without its query.
    const url = request.url ?? "";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const handler = handlers.get(path);
    if (!handler) {
      response.writeHead(404);
      response.end();
      return;
    }
    const values = options.contextValues(request);
    const method = direct.get(path);
    if (!method || !isPlainUnaryGrpc(request)) {
      viaConnect(handler, request, response, values);
      return;
    }
    readOneMessage(request, limits.readMaxBytes, (outcome) => {
      if ("message" in outcome) {
        let input: UnaryInput;
        try {
          input = method.serialization.getI(true).parse(outcome.message);
        } catch {
          // Connect answers it (refused-requests.ts makes it invalid_argument).
          viaConnect(handler, request, response, values, replay(outcome.read));
          return;
        }
        void answerDirectly(method, request, response, values, input);
      } else if (outcome.unread) {
        // Still arriving: put back what was read, and Connect reads the request itself, exactly
        // as without this path (and lets go of it as it does, which RefusedStreams relies on).
        try {
          request.unshift(Buffer.concat(outcome.read));
        } catch {
          // A request that failed meanwhile: Connect reads its failure.
        }
        viaConnect(handler, request, response, values);
      } else {
        viaConnect(handler, request, response, values, replay(outcome.read));
      }
    });
  };

  async function answerDirectly(
    method: DirectMethod,
    request: Http2ServerRequest,
    response: Http2ServerResponse,
    values: ContextValues,
    input: UnaryInput,
  ): Promise<void> {
    const compression = responseCompression(headerOf(request, "grpc-accept-encoding"));
    const ctx = handlerContext(method.method, request, values, options.shutdownSignal, compression);
    let body: Uint8Array | undefined;
    try {
      const output = outputOf(await method.invoker.invoke(ctx, input), ctx);
      const data = method.serialization.getO(true).serialize(output);
      const envelope = compression ? await envelopeCompress({ flags: 0, data }, compression, limits.compressMinBytes) : { flags: 0, data };
      body = encodeEnvelope(envelope.flags, envelope.data);
    } catch (error) {
      // As Connect's gRPC handler: the status in the trailers, an unexpected failure as `internal`.
      setTrailerStatus(
        ctx.responseTrailer,
        error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error),
      );
    }
    // The client gave up on the call meanwhile: nothing to write to.
    if (response.stream.destroyed || response.stream.closed) return;
    try {
      response.writeHead(200, nodeHeaders(ctx.responseHeader));
      if (body) response.write(body);
      response.addTrailers(nodeHeaders(ctx.responseTrailer));
      response.end();
    } catch (error) {
      // As connect-node's adapter: a write that fails on a live stream is logged, never thrown
      // (nobody awaits this call).
      if (!response.stream.destroyed) console.error(`writing the answer of rpc ${method.method.name} failed`, error);
    }
  }
}

/** A unary gRPC call in the binary format over HTTP/2, without a deadline or a compressed request. */
function isPlainUnaryGrpc(request: Http2ServerRequest): boolean {
  if (!("stream" in request) || request.method !== "POST") return false;
  const type = parseContentType(headerOf(request, "content-type"));
  if (type === undefined || !type.binary) return false;
  if (request.headers["grpc-timeout"] !== undefined) return false;
  const encoding = request.headers["grpc-encoding"];
  return encoding === undefined || encoding === "identity";
}

function headerOf(request: Http2ServerRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

type ReadOutcome =
  /** The body was exactly one uncompressed message within the size limit. */
  | { readonly message: Uint8Array; readonly read: readonly Buffer[] }
  /** Anything else: what was read, and whether the request has more (it is then paused). */
  | { readonly read: readonly Buffer[]; readonly unread: boolean };

/**
 * Reads the body while it is one plain message: stops (leaving the rest unread, the request
 * paused) as soon as it cannot be — a flag set, a length over the limit, bytes beyond the message.
 */
function readOneMessage(request: Http2ServerRequest, readMaxBytes: number, done: (outcome: ReadOutcome) => void): void {
  const read: Buffer[] = [];
  let size = 0;
  let declared = -1;
  const stop = (outcome: ReadOutcome) => {
    request.off("data", onData);
    request.off("end", onEnd);
    request.off("error", onError);
    done(outcome);
  };
  const onData = (chunk: Buffer) => {
    read.push(chunk);
    size += chunk.byteLength;
    if (declared < 0 && size >= PREFIX_BYTES) {
      const prefix = read.length === 1 ? chunk : Buffer.concat(read);
      const flags = prefix[0];
      declared = prefix.readUInt32BE(1);
      if (flags !== 0 || declared > readMaxBytes) {
        request.pause();
        stop({ read, unread: true });
        return;
      }
    }
    if (declared >= 0 && size > PREFIX_BYTES + declared) {
      request.pause();
      stop({ read, unread: true });
    }
  };
  const onEnd = () => {
    if (declared >= 0 && size === PREFIX_BYTES + declared) {
      const whole = read.length === 1 ? (read[0] as Buffer) : Buffer.concat(read);
      stop({ message: whole.subarray(PREFIX_BYTES), read });
    } else stop({ read, unread: false });
  };
  // A stream reset by the client: Connect's handler sees the same and answers as it does.
  const onError = () => stop({ read, unread: true });
  request.on("data", onData);
  request.once("end", onEnd);
  request.once("error", onError);
}

/** The whole body as Connect reads it, when the request has ended: the chunks read. */
async function* replay(read: readonly Buffer[]): AsyncIterable<Uint8Array> {
  for (const chunk of read) yield chunk;
}

/** The handler context Connect's gRPC handler would build, without its abort signals (see above). */
function handlerContext(
  method: DescMethodUnary,
  request: Http2ServerRequest,
  values: ContextValues,
  shutdownSignal: AbortSignal,
  compression: Compression | null,
): HandlerContext {
  return {
    service: method.parent,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: urlOf(request),
    // No deadline on this path (a call with one goes through Connect), and a unary call's
    // implementation does not outlive its answer: the server's shutdown is the only abort.
    signal: shutdownSignal,
    timeoutMs: noTimeout,
    // Read from Node's headers, copied only if a handler iterates or changes them (request-headers.ts).
    requestHeader: RequestHeaders.of(request.headers),
    // Made when the call writes one (response-headers.ts): most calls write none.
    responseHeader: ResponseHeaders.of(compression === null ? UNCOMPRESSED_ANSWER : compressedAnswer(compression)),
    responseTrailer: ResponseHeaders.of(OK_TRAILER),
    values,
  };
}

/** The first headers of an answer: its content type and, when compressed, its encoding (sorted by name, as Headers keeps them). */
const UNCOMPRESSED_ANSWER: readonly InitialHeader[] = [["content-type", contentTypeProto]];
const COMPRESSED_ANSWERS = new Map<string, readonly InitialHeader[]>();
function compressedAnswer(compression: Compression): readonly InitialHeader[] {
  let headers = COMPRESSED_ANSWERS.get(compression.name);
  if (headers === undefined) {
    headers = [
      ["content-type", contentTypeProto],
      ["grpc-encoding", compression.name],
    ];
    COMPRESSED_ANSWERS.set(compression.name, headers);
  }
  return headers;
}
const OK_TRAILER: readonly InitialHeader[] = [["grpc-status", grpcStatusOk]];

/**
 * The call's URL as Connect's node adapter makes it: `new URL(path, scheme://authority)`. Parsing
 * a URL per call cost more than any other step of the context; a client names the same authority
 * on every call, so its normalised origin is remembered (the last one seen), and a path that is a
 * route's — two segments of letters, digits, `.` and `_`, which URL parsing leaves as they are — is
 * appended to it. Any other path (with a query, say) is parsed whole, as before.
 */
let lastOrigin = { scheme: "", authority: "", origin: "" };
// A service's full name starts with a letter: no `.` or `..` segment, which URL parsing would resolve.
const ROUTE_PATH = /^\/[A-Za-z][A-Za-z0-9_.]*\/[A-Za-z0-9_]+$/;
function urlOf(request: Http2ServerRequest): string {
  // The session's `encrypted` is its socket's (read without the compatibility layer's socket proxy).
  const scheme = request.stream.session?.encrypted ? "https" : "http";
  const authority = request.authority;
  const path = request.url ?? "";
  if (!ROUTE_PATH.test(path)) return new URL(path, `${scheme}://${authority}`).toString();
  if (lastOrigin.scheme !== scheme || lastOrigin.authority !== authority) {
    // The href of the origin's root, without its final slash (it keeps user info as href does).
    const root = new URL("/", `${scheme}://${authority}`).toString();
    lastOrigin = { scheme, authority, origin: root.slice(0, -1) };
  }
  return lastOrigin.origin + path;
}

/** Headers for Node's writeHead / addTrailers, repeated names (set-cookie) as lists, as connect-node writes them. */
function nodeHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  headers.forEach((value, name) => {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else out[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  });
  return out;
}
