// How Connect's own refusals of a request, before any interceptor runs, reach the client. Each
// Connect handler is wrapped to correct two of them:
//
// - A request whose binary protobuf does not parse is the caller's mistake, but Connect's binary
//   serialization reports every parse failure as `internal` ("parse binary: …"), which tells the
//   caller, and the operator's alerts, that the server failed. connect-go answers
//   `invalid_argument` there, and so do we, on every protocol: Connect 400, gRPC and gRPC-Web
//   status 3, with the same message. Only binary requests can fail so; the wrapper looks at the
//   answers of the others not at all, and at those of binary ones only when they failed.
// - A message over the size limit (readMaxBytes) is refused without reading the rest of the body,
//   and so is an unparseable one. Over HTTP/1.1 the unread rest stays on the connection, where the
//   connection's next request would wait behind it for ever: such an answer says
//   `Connection: close`, so that the client opens a new connection and Node closes this one. Over
//   HTTP/2 the stream stays open instead (RefusedStreams, below).
import type { Http2ServerRequest, ServerHttp2Stream } from "node:http2";
import { constants as http2Constants } from "node:http2";
import { Code, ConnectError, type ConnectRouter, createContextKey } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { createAsyncIterable, encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorFromJsonBytes,
  errorToJsonBytes,
  parseContentType as parseConnectContentType,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, parseContentType as parseGrpcContentType, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import {
  createTrailerSerialization,
  parseContentType as parseGrpcWebContentType,
  trailerFlag,
} from "@connectrpc/connect/protocol-grpc-web";

/** What Connect's binary serialization prefixes a parse failure's message with (serialization.ts). */
const PARSE_FAILURE = "parse binary: ";

const grpcWebTrailers = createTrailerSerialization();

/** What the wrapper needs to know of the call's HTTP request (Node's IncomingMessage has it). */
export interface HttpRequestState {
  readonly httpVersionMajor: number;
  /** The whole body has been received. */
  readonly complete: boolean;
}

/** The HTTP request of a call, set by the adapter's `contextValues`. */
export const httpRequestKey = createContextKey<HttpRequestState | undefined>(undefined, { description: "the call's HTTP request" });

/** Connect routes whose handlers answer the refusals above as described there. */
export function answeringRefusals(routes: (router: ConnectRouter) => void): (router: ConnectRouter) => void {
  return (router) => {
    routes(router);
    router.handlers.forEach((handler, index) => {
      router.handlers[index] = wrap(handler);
    });
  };
}

function wrap(handler: UniversalHandler): UniversalHandler {
  const { protocolNames, service, method, requestPath, allowedMethods, supportedContentType } = handler;
  const handle = async (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const response = closingWhenBodyUnread(request, await handler(request));
    switch (binaryProtocolOf(request.header.get("content-type") ?? "")) {
      case "connect":
        return reclassifyConnectUnary(response);
      case "grpc-web":
        return reclassifyGrpcWeb(response);
      case "grpc":
        return reclassifyGrpc(response);
      default:
        return response;
    }
  };
  return Object.assign(handle, { protocolNames, service, method, requestPath, allowedMethods, supportedContentType });
}

function closingWhenBodyUnread(request: UniversalServerRequest, response: UniversalServerResponse): UniversalServerResponse {
  const http = request.contextValues?.get(httpRequestKey);
  if (http === undefined || http.httpVersionMajor !== 1 || http.complete) return response;
  const header = new Headers(response.header);
  header.set("connection", "close");
  return { ...response, header };
}

/** The protocol of a request with a binary body, by its content type (as Connect's handlers tell them). */
function binaryProtocolOf(contentType: string): "connect" | "grpc-web" | "grpc" | undefined {
  if (contentType.startsWith("application/grpc-web")) return parseGrpcWebContentType(contentType)?.binary ? "grpc-web" : undefined;
  if (contentType.startsWith("application/grpc")) return parseGrpcContentType(contentType)?.binary ? "grpc" : undefined;
  const connect = parseConnectContentType(contentType);
  return connect?.binary && !connect.stream ? "connect" : undefined;
}

/** The InvalidArgument error to answer instead of `error`, when `error` is a parse failure. */
function asInvalidArgument(error: ConnectError | undefined): ConnectError | undefined {
  if (error?.code !== Code.Internal || !error.rawMessage.startsWith(PARSE_FAILURE)) return undefined;
  return new ConnectError(error.rawMessage, Code.InvalidArgument, error.metadata);
}

/** Connect unary: the error is the JSON body of a 500 answer. */
async function reclassifyConnectUnary(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (response.status !== 500 || response.body === undefined || response.header?.has("content-encoding")) return response;
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const error = asInvalidArgument(errorFromJsonBytes(bytes, undefined, new ConnectError("", Code.Unknown)));
  if (!error) return { ...response, body: createAsyncIterable([bytes]) };
  const body = errorToJsonBytes(error, undefined);
  const header = new Headers(response.header);
  header.set("content-length", String(body.byteLength));
  return { ...response, status: codeToHttpStatus(error.code), header, body: createAsyncIterable([body]) };
}

/** gRPC: a failed parse has ended the call before the handler returns, its status in the trailer. */
function reclassifyGrpc(response: UniversalServerResponse): UniversalServerResponse {
  const error = response.trailer && asInvalidArgument(findTrailerError(response.trailer));
  if (error && response.trailer) setTrailerStatus(response.trailer, error);
  return response;
}

/** gRPC-Web: the trailer is the last envelope of the body, and the first when the parse failed. */
async function reclassifyGrpcWeb(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (response.body === undefined) return response;
  const body = response.body[Symbol.asyncIterator]();
  const first = await body.next();
  let replay: IteratorResult<Uint8Array> | undefined = first;
  if (!first.done && first.value[0] === trailerFlag) {
    const trailer = grpcWebTrailers.parse(first.value.subarray(5));
    const error = asInvalidArgument(findTrailerError(trailer));
    if (error) replay = { done: false, value: encodeEnvelope(trailerFlag, grpcWebTrailers.serialize(setTrailerStatus(trailer, error))) };
  }
  const replayed: AsyncIterator<Uint8Array> = {
    next: () => {
      if (replay === undefined) return body.next();
      const next = replay;
      replay = undefined;
      return Promise.resolve(next);
    },
    throw: (reason?: unknown) => body.throw?.(reason) ?? Promise.reject(reason),
    return: (value?: unknown) => body.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  };
  return { ...response, body: { [Symbol.asyncIterator]: () => replayed } };
}

/**
 * HTTP/2 streams answered before their request was read to the end. Flow control holds the rest
 * of the body back until it is read, and Connect has dropped the request object, whose listener
 * now pauses the stream at each chunk: once the answer is out, the rest is read and dropped, so
 * that a client that goes on sending can end its stream. A client that stops sending without
 * ending it (connect-node's, once it has the answer) leaves the stream open; `close` ends those at
 * shutdown, which would otherwise wait for them for ever. (Resetting each stream as soon as it is
 * answered, as RFC 9113 §8.1 allows, makes clients still writing lose the answer.)
 */
export class RefusedStreams {
  private readonly open = new Set<ServerHttp2Stream>();

  watch(request: Http2ServerRequest): void {
    // Over TLS, HTTP/1.1 requests come here too (ALPN); they close their connection instead.
    if (!("stream" in request)) return;
    const { stream } = request;
    // The stream's own "finish": the compatibility response emits its "finish" only on close.
    stream.once("finish", () => {
      if (request.complete || !request.destroyed) return;
      stream.removeAllListeners("data");
      stream.resume();
      this.open.add(stream);
      stream.once("close", () => this.open.delete(stream));
    });
  }

  close(): void {
    for (const stream of this.open) stream.close(http2Constants.NGHTTP2_NO_ERROR);
  }
}
