// The composition root of the RPC services: which implementation serves which proto service.
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { HealthService } from "../gen/svault/health/v1/health_service_pb.js";
import { grpcHealthService } from "./api/grpc-health/grpc-health-service.js";
import { healthService } from "./api/health/health-service.js";
import { reflectionServices } from "./api/reflection/reflection-service.js";
import type { Config } from "./config/config.js";
import type { Database } from "./persistence/database.js";
import { registerService, type ServiceRegistration } from "./rpc/registry.js";

export interface ServiceDeps {
  readonly config: Config;
  readonly database: Database;
}

export function createServices({ config, database }: ServiceDeps): ServiceRegistration[] {
  const isDatabaseUp = () => database.ping();
  const registrations: ServiceRegistration[] = [
    registerService(HealthService, healthService({ isDatabaseUp, version: config.version, env: config.env })),
  ];
  const serviceNames = () => registrations.map((r) => r.service.typeName);
  registrations.push(registerService(Health, grpcHealthService({ isDatabaseUp, serviceNames })));
  registrations.push(...reflectionServices(() => registrations));
  return registrations;
}
