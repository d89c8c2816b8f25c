// The services this process serves. One list feeds every surface: the Connect router (Connect,
// gRPC-Web, gRPC), the REST transcoding layer, gRPC reflection and the OpenAPI document.
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";

export interface ServiceRegistration {
  readonly service: DescService;
  readonly impl: Partial<ServiceImpl<DescService>>;
  /**
   * Every method is public. Only for services whose protos are not ours (gRPC health and
   * reflection), which cannot declare access per method; ours declare it in the proto.
   */
  readonly foreignPublic?: true;
}

export function registerService<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceRegistration {
  return { service, impl: impl as Partial<ServiceImpl<DescService>> };
}

/** A third-party service every caller may use (see ServiceRegistration.foreignPublic). */
export function registerPublicForeignService<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceRegistration {
  return { ...registerService(service, impl), foreignPublic: true };
}

export function connectRoutes(registrations: readonly ServiceRegistration[]): (router: ConnectRouter) => void {
  return (router) => {
    for (const { service, impl } of registrations) router.service(service, impl);
  };
}
