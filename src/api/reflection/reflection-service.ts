// grpc.reflection.v1.ServerReflection and its predecessor grpc.reflection.v1alpha.ServerReflection
// (still the one many tools try first), both served by one implementation.
import { ServerReflection as ServerReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { registerPublicForeignService, type ServiceRegistration } from "../../rpc/registry.js";
import { createDescriptorCatalog, type DescriptorCatalog } from "./descriptor-catalog.js";
import { answerReflectionRequest, type ReflectionAnswer, type ReflectionRequest } from "./reflection-answers.js";

/**
 * The registrations of both reflection services. `getRegistrations` is read on the first request,
 * not now: the list is complete only once the composition root has returned, and it must include
 * these two services themselves.
 */
export function reflectionServices(getRegistrations: () => readonly ServiceRegistration[]): ServiceRegistration[] {
  let catalog: DescriptorCatalog | undefined;
  const catalogOnce = () => (catalog ??= createDescriptorCatalog(getRegistrations().map((registration) => registration.service)));
  const impl = { serverReflectionInfo: reflectionStream(catalogOnce) };
  return [registerPublicForeignService(ServerReflectionV1, impl), registerPublicForeignService(ServerReflectionV1alpha, impl)];
}

interface ReflectionResponse<Request extends ReflectionRequest> {
  validHost: string;
  originalRequest: Request;
  messageResponse: ReflectionAnswer;
}

/** The bidi handler, generic over the request type so that it fits either protocol version. */
function reflectionStream(catalog: () => DescriptorCatalog) {
  return async function* serverReflectionInfo<Request extends ReflectionRequest>(
    requests: AsyncIterable<Request>,
  ): AsyncIterable<ReflectionResponse<Request>> {
    const sentOnStream = new Set<string>();
    for await (const request of requests) {
      yield {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answerReflectionRequest(request, catalog(), sentOnStream),
      };
    }
  };
}
