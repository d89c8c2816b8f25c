// gRPC server reflection on the HTTP/2 listener, called the way grpcurl, Postman and evans call it:
// by a grpc-js client over plaintext HTTP/2, on the bidi stream ServerReflectionInfo.
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createGrpcJsClient, nextResponse, responsesOf, type GrpcJsClient } from "../support/grpc-js-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let reflection: GrpcJsClient<typeof ServerReflection>;
before(async () => {
  server = await startTestServer();
  reflection = createGrpcJsClient(ServerReflection, `127.0.0.1:${server.grpcPort}`);
});
after(async () => {
  reflection.close();
  await server.close();
});

type MessageRequest = ServerReflectionRequest["messageRequest"];

/** One ServerReflectionInfo stream: each `ask` sends a request and waits for its response. */
function openStream() {
  const call = reflection.rpc.serverReflectionInfo();
  const responses = responsesOf(call);
  return {
    async ask(messageRequest: MessageRequest, host = ""): Promise<ServerReflectionResponse> {
      call.write({ host, messageRequest });
      return nextResponse(responses);
    },
    close: () => call.end(),
  };
}

async function askOnce(messageRequest: MessageRequest): Promise<ServerReflectionResponse> {
  const stream = openStream();
  try {
    return await stream.ask(messageRequest);
  } finally {
    stream.close();
  }
}

function filesOf(response: ServerReflectionResponse): FileDescriptorProto[] {
  assert.equal(response.messageResponse.case, "fileDescriptorResponse", JSON.stringify(response.messageResponse.value));
  return response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

const fileNamesOf = (response: ServerReflectionResponse) => filesOf(response).map((file) => file.name);

describe("list_services", () => {
  it("lists every served service, reflection and grpc.health.v1.Health included", async () => {
    const response = await askOnce({ case: "listServices", value: "" });
    assert.equal(response.messageResponse.case, "listServicesResponse");
    const names = response.messageResponse.value.service.map((service) => service.name);
    for (const expected of [
      "svault.health.v1.HealthService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(", ")}`);
    }
  });

  it("echoes the host and the original request", async () => {
    const stream = openStream();
    try {
      const response = await stream.ask({ case: "listServices", value: "*" }, "idp.example");
      assert.equal(response.validHost, "idp.example");
      assert.deepEqual(
        response.originalRequest,
        create(ServerReflectionRequestSchema, { host: "idp.example", messageRequest: { case: "listServices", value: "*" } }),
      );
    } finally {
      stream.close();
    }
  });
});

describe("file_containing_symbol", () => {
  it("answers a service with its file first, then the file's transitive imports", async () => {
    const files = filesOf(await askOnce({ case: "fileContainingSymbol", value: "svault.health.v1.HealthService" }));
    const [first] = files;
    assert.equal(first?.name, "svault/health/v1/health_service.proto");
    assert.deepEqual(
      first?.service.map((service) => service.name),
      ["HealthService"],
    );
    assert.ok(first?.dependency.includes("google/api/annotations.proto"));
    assert.deepEqual(
      files
        .map((file) => file.name)
        .slice(1)
        .sort(),
      ["google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto", "svault/api/v1/options.proto"],
    );
  });

  it("answers a method, a nested enum and an enum value", async () => {
    assert.equal(
      fileNamesOf(await askOnce({ case: "fileContainingSymbol", value: "svault.health.v1.HealthService.Check" }))[0],
      "svault/health/v1/health_service.proto",
    );
    for (const symbol of ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc.health.v1.HealthCheckResponse.SERVING"]) {
      assert.deepEqual(fileNamesOf(await askOnce({ case: "fileContainingSymbol", value: symbol })), ["grpc/health/v1/health.proto"]);
    }
  });

  it("leaves out imports already sent on the same stream, but always sends the asked file", async () => {
    const stream = openStream();
    try {
      const first = fileNamesOf(await stream.ask({ case: "fileContainingSymbol", value: "svault.health.v1.HealthService" }));
      assert.ok(first.includes("google/api/annotations.proto"));
      const again = fileNamesOf(await stream.ask({ case: "fileContainingSymbol", value: "svault.health.v1.CheckRequest" }));
      assert.deepEqual(again, ["svault/health/v1/health_service.proto"]);
    } finally {
      stream.close();
    }
  });

  it("answers NOT_FOUND for an unknown symbol and keeps the stream open", async () => {
    const stream = openStream();
    try {
      const response = await stream.ask({ case: "fileContainingSymbol", value: "svault.nope.v1.Missing" });
      assert.equal(response.messageResponse.case, "errorResponse");
      assert.equal(response.messageResponse.value.errorCode, 5);
      assert.match(response.messageResponse.value.errorMessage, /svault\.nope\.v1\.Missing/);
      const next = await stream.ask({ case: "listServices", value: "" });
      assert.equal(next.messageResponse.case, "listServicesResponse");
    } finally {
      stream.close();
    }
  });
});

describe("file_by_filename", () => {
  it("answers a file by its name, with its imports", async () => {
    const names = fileNamesOf(await askOnce({ case: "fileByFilename", value: "google/api/annotations.proto" }));
    assert.deepEqual(names, ["google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto"]);
  });

  it("answers NOT_FOUND for an unknown file", async () => {
    const response = await askOnce({ case: "fileByFilename", value: "nope.proto" });
    assert.equal(response.messageResponse.case, "errorResponse");
    assert.equal(response.messageResponse.value.errorCode, 5);
  });
});

describe("extensions", () => {
  it("lists the extension numbers of a message and finds the file of one", async () => {
    const numbers = await askOnce({ case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" });
    assert.equal(numbers.messageResponse.case, "allExtensionNumbersResponse");
    assert.equal(numbers.messageResponse.value.baseTypeName, "google.protobuf.MethodOptions");
    assert.ok(numbers.messageResponse.value.extensionNumber.includes(72295728), "google.api.http is missing");

    const extension = await askOnce({
      case: "fileContainingExtension",
      value: {
        $typeName: "grpc.reflection.v1.ExtensionRequest",
        containingType: "google.protobuf.MethodOptions",
        extensionNumber: 72295728,
      },
    });
    assert.equal(fileNamesOf(extension)[0], "google/api/annotations.proto");
  });

  it("answers NOT_FOUND for an unknown extension or type", async () => {
    const unknownExtension = await askOnce({
      case: "fileContainingExtension",
      value: { $typeName: "grpc.reflection.v1.ExtensionRequest", containingType: "google.protobuf.MethodOptions", extensionNumber: 1 },
    });
    assert.equal(unknownExtension.messageResponse.case, "errorResponse");
    assert.equal(unknownExtension.messageResponse.value.errorCode, 5);
    const unknownType = await askOnce({ case: "allExtensionNumbersOfType", value: "svault.nope.v1.Missing" });
    assert.equal(unknownType.messageResponse.case, "errorResponse");
    assert.equal(unknownType.messageResponse.value.errorCode, 5);
  });
});

describe("grpc.reflection.v1alpha.ServerReflection", () => {
  it("answers like v1, in v1alpha messages", async () => {
    const client = createGrpcJsClient(ServerReflectionV1alpha, `127.0.0.1:${server.grpcPort}`);
    const call = client.rpc.serverReflectionInfo();
    try {
      const responses = responsesOf(call);
      call.write({ messageRequest: { case: "listServices", value: "" } });
      const listed = await nextResponse(responses);
      assert.equal(listed.$typeName, "grpc.reflection.v1alpha.ServerReflectionResponse");
      assert.equal(listed.messageResponse.case, "listServicesResponse");
      assert.ok(listed.messageResponse.value.service.some((service) => service.name === "grpc.reflection.v1alpha.ServerReflection"));

      call.write({ messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.Health" } });
      const found = await nextResponse(responses);
      assert.equal(found.messageResponse.case, "fileDescriptorResponse");
      const [file] = found.messageResponse.value.fileDescriptorProto;
      assert.ok(file);
      assert.equal(fromBinary(FileDescriptorProtoSchema, file).name, "grpc/health/v1/health.proto");
    } finally {
      call.end();
      client.close();
    }
  });
});

describe("grpc.health.v1.Health", () => {
  it("reports the reflection service as SERVING", async () => {
    const health = createGrpcJsClient(Health, `127.0.0.1:${server.grpcPort}`);
    try {
      const response = await health.rpc.check({ service: "grpc.reflection.v1.ServerReflection" });
      assert.equal(response.status, ServingStatus.SERVING);
    } finally {
      health.close();
    }
  });
});
