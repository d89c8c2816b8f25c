// The services this process serves. One list feeds every surface: the Connect router (Connect,
// gRPC-Web, gRPC), the REST transcoding layer, gRPC reflection and the OpenAPI document.
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";

export interface ServiceRegistration {
  readonly service: DescService;
  readonly impl: Partial<ServiceImpl<DescService>>;
}

export function registerService<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceRegistration {
  return { service, impl: impl as Partial<ServiceImpl<DescService>> };
}

export function connectRoutes(registrations: readonly ServiceRegistration[]): (router: ConnectRouter) => void {
  return (router) => {
    for (const { service, impl } of registrations) router.service(service, impl);
  };
}
