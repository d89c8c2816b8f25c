// Answers a handler keeps in memory and gives to many callers (discovery, JWKS: documents that
// change only with their tenant), written once per encoding instead of once per call. A handler
// says an answer is such a document by declaring it cacheable — `Cache-Control: public` — and
// answering with the same message object each time; the REST gateway then keeps its JSON text and
// ETag with the object (src/transcoding/response-encoder.ts), and this module keeps its protobuf
// encoding for Connect, gRPC-Web and gRPC callers that ask for the binary format.
//
// The binary encoding is kept as a message of the same type whose fields are all "unknown": the
// bytes of each field as written once. Connect's serializer (protobuf-es `toBinary`) copies unknown
// fields through as they are, so writing it costs a copy, and a caller sees exactly the bytes the
// full message encodes to. That stand-in must never be written as JSON (it has no known fields):
// only calls whose request asked for the binary format get it (binaryAnswerWanted).
import { create, type DescMessage, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import type { Interceptor } from "@connectrpc/connect";
import { restCallKey } from "./context.js";

/** Whether an answer's response headers declare it a kept document (a shared cache may keep it). */
export function isKeptAnswer(responseHeader: Headers): boolean {
  const cacheControl = responseHeader.get("cache-control");
  return cacheControl !== null && /\bpublic\b/.test(cacheControl);
}

/**
 * Content types of requests answered in protobuf's binary format: gRPC (`application/grpc`,
 * `+proto`), gRPC-Web, and Connect unary and streaming with `proto`. JSON ones (`+json`,
 * `application/json`) and requests without a content type (REST, Connect GET) are not.
 */
const BINARY_REQUEST = /^application\/(?:grpc(?:-web)?(?:\+proto)?|proto|connect\+proto)\s*(?:;|$)/i;

/** Whether the call's answer is written in the binary format, judged from its request's content type. */
export function binaryAnswerWanted(requestHeader: Headers): boolean {
  const contentType = requestHeader.get("content-type");
  return contentType !== null && BINARY_REQUEST.test(contentType);
}

/** The binary stand-ins of kept answers, by the message object the handler answers with. */
const binaryStandIns = new WeakMap<Message, Message>();

/** The stand-in of `message` whose binary encoding is written once (see above). */
export function binaryStandInOf<T extends Message>(schema: DescMessage, message: T): T {
  let standIn = binaryStandIns.get(message);
  if (!standIn) {
    // Read as a message that knows no field, every field of the encoding is an unknown one.
    const fields = fromBinary(EmptySchema, toBinary(schema, message)).$unknown ?? [];
    standIn = create(schema);
    standIn.$unknown = fields;
    binaryStandIns.set(message, standIn);
  }
  return standIn as T;
}

/**
 * The interceptor that answers binary Connect, gRPC-Web and gRPC calls with the written-once
 * encoding of a kept answer. REST calls (whatever content type their request names) and JSON calls
 * pass untouched.
 */
export const keptBinaryAnswers: Interceptor = (next) => (req) => {
  if (req.stream || req.contextValues.get(restCallKey) || !binaryAnswerWanted(req.header)) return next(req);
  return next(req).then((res) => {
    if (res.stream || !isKeptAnswer(res.header)) return res;
    return { ...res, message: binaryStandInOf(req.method.output, res.message) };
  });
};
