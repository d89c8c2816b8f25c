// Calls our services the way third-party gRPC tooling does: through @grpc/grpc-js over HTTP/2,
// not through Connect, so that tests catch what only a real gRPC peer would notice.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type {
  DescMessage,
  DescMethod,
  DescMethodBiDiStreaming,
  DescMethodUnary,
  DescService,
  Message,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";

/**
 * A grpc-js method definition over protobuf-es messages; requests may be init shapes. Untyped per
 * method here: `GrpcJsCalls` gives the typed view.
 */
type ProtobufEsMethodDefinition = grpc.MethodDefinition<MessageInitShape<DescMessage>, Message>;

/** The grpc-js definition of `method`: its path and protobuf-es (de)serializers for both sides. */
export function grpcJsMethodDefinition(method: DescMethod): ProtobufEsMethodDefinition {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    originalName: method.localName,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (request) => Buffer.from(toBinary(method.input, create(method.input, request))),
    requestDeserialize: (bytes) => create(method.input, fromBinary(method.input, bytes)),
    responseSerialize: (response) => Buffer.from(toBinary(method.output, response)),
    responseDeserialize: (bytes) => fromBinary(method.output, bytes),
  };
}

/** A grpc-js client class for `service`, with one method per RPC named as the proto names it. */
export function grpcJsClientConstructor(service: DescService): grpc.ServiceClientConstructor {
  const definition: Record<string, ProtobufEsMethodDefinition> = {};
  for (const method of service.methods) definition[method.name] = grpcJsMethodDefinition(method);
  return grpc.makeGenericClientConstructor(definition, service.typeName);
}

type UnaryCall<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? (request: MessageInitShape<I>, metadata?: grpc.Metadata) => Promise<MessageShape<O>>
    : never;
type BidiCall<M> =
  M extends DescMethodBiDiStreaming<infer I, infer O>
    ? (metadata?: grpc.Metadata) => grpc.ClientDuplexStream<MessageInitShape<I>, MessageShape<O>>
    : never;

/** The unary and bidi-streaming RPCs of `S`, by their protobuf-es local names (e.g. `check`). */
export type GrpcJsCalls<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends DescMethodUnary ? UnaryCall<S["method"][K]> : BidiCall<S["method"][K]>;
};

export interface GrpcJsClient<S extends DescService> {
  readonly rpc: GrpcJsCalls<S>;
  readonly client: grpc.Client;
  close(): void;
}

/** A plaintext (h2c) client of `service` at `address` (`host:port`). */
export function createGrpcJsClient<S extends DescService>(service: S, address: string): GrpcJsClient<S> {
  const Client = grpcJsClientConstructor(service);
  const client = new Client(address, grpc.credentials.createInsecure());
  const calls: Record<string, unknown> = {};
  for (const method of service.methods) {
    const definition = grpcJsMethodDefinition(method);
    const { path, requestSerialize, responseDeserialize } = definition;
    switch (method.methodKind) {
      case "unary":
        calls[method.localName] = (request: MessageInitShape<DescMessage>, metadata = new grpc.Metadata()) =>
          new Promise((resolve, reject) => {
            client.makeUnaryRequest(path, requestSerialize, responseDeserialize, request, metadata, (error, response) =>
              error ? reject(error) : resolve(response),
            );
          });
        break;
      case "bidi_streaming":
        calls[method.localName] = (metadata = new grpc.Metadata()) =>
          client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize, metadata);
        break;
      default:
        // Not needed by any test yet; grpc-js's own methods on `client` cover them meanwhile.
        break;
    }
  }
  return { rpc: calls as GrpcJsCalls<S>, client, close: () => client.close() };
}

/** The responses of a streaming call, typed (Node's stream iterator yields `any`). */
export function responsesOf<Response>(
  call: grpc.ClientDuplexStream<never, Response> | grpc.ClientReadableStream<Response>,
): AsyncIterator<Response> {
  const responses: AsyncIterator<Response> = call[Symbol.asyncIterator]();
  return responses;
}

/** The next response of a stream; the stream ending instead is an error. */
export async function nextResponse<Response>(responses: AsyncIterator<Response>): Promise<Response> {
  const next = await responses.next();
  if (next.done) throw new Error("the stream ended without a response");
  return next.value;
}
