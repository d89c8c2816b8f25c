// The answer to one ServerReflectionRequest. The v1 and v1alpha protocols have the same messages
// under different package names, so the logic works on their common shape and either service
// wraps it in its own response message.
import { Code, ConnectError } from "@connectrpc/connect";
import type { DescFile } from "@bufbuild/protobuf";
import type { DescriptorCatalog } from "./descriptor-catalog.js";
import { serializeWithImports } from "./file-descriptors.js";

/** What both protocol versions' ServerReflectionRequest have in common. */
export interface ReflectionRequest {
  readonly host: string;
  readonly messageRequest:
    | { readonly case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; readonly value: string }
    | { readonly case: "fileContainingExtension"; readonly value: { readonly containingType: string; readonly extensionNumber: number } }
    | { readonly case: undefined; readonly value?: undefined };
}

/** The `message_response` oneof of both protocol versions' ServerReflectionResponse. */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** `sentOnStream` holds the files this stream has already sent (see serializeWithImports). */
export function answerReflectionRequest(
  request: ReflectionRequest,
  catalog: DescriptorCatalog,
  sentOnStream: Set<string>,
): ReflectionAnswer {
  const files = (file: DescFile | undefined, notFound: string): ReflectionAnswer =>
    file
      ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: serializeWithImports(file, sentOnStream) } }
      : notFoundAnswer(notFound);

  const { messageRequest } = request;
  switch (messageRequest.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: catalog.serviceNames.map((name) => ({ name })) } };
    case "fileContainingSymbol":
      return files(catalog.fileContainingSymbol(messageRequest.value), `symbol not found: ${messageRequest.value}`);
    case "fileByFilename":
      return files(catalog.fileByName(messageRequest.value), `file not found: ${messageRequest.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = messageRequest.value;
      return files(
        catalog.fileContainingExtension(containingType, extensionNumber),
        `extension not found: ${containingType} field ${extensionNumber}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const extensionNumber = catalog.extensionNumbersOf(messageRequest.value);
      if (!extensionNumber) return notFoundAnswer(`type not found: ${messageRequest.value}`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: messageRequest.value, extensionNumber } };
    }
    case undefined:
      // Like grpc-go: a request that asks nothing is a broken client, so the stream ends.
      throw new ConnectError("the reflection request sets no message_request", Code.InvalidArgument);
  }
}

function notFoundAnswer(errorMessage: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage } };
}
