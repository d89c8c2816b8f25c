// The composition root of the RPC services: which implementation serves which proto service.
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ApiKeyService } from "../gen/svault/apikey/v1/api_key_service_pb.js";
import { AuthService } from "../gen/svault/auth/v1/auth_service_pb.js";
import { ClientService } from "../gen/svault/client/v1/client_service_pb.js";
import { HealthService } from "../gen/svault/health/v1/health_service_pb.js";
import { BlockerService } from "../gen/svault/tenant/v1/blocker_service_pb.js";
import { TenantService } from "../gen/svault/tenant/v1/tenant_service_pb.js";
import { UserService } from "../gen/svault/user/v1/user_service_pb.js";
import { OidcService } from "../gen/svault/oidc/v1/oidc_service_pb.js";
import { apiKeyService } from "./api/apikeys/api-key-service.js";
import { oidcService } from "./api/oidc/oidc-service.js";
import { authService } from "./api/auth/auth-service.js";
import { blockerService } from "./api/blocker/blocker-service.js";
import { clientService } from "./api/clients/client-service.js";
import { grpcHealthService } from "./api/grpc-health/grpc-health-service.js";
import { healthService } from "./api/health/health-service.js";
import { reflectionServices } from "./api/reflection/reflection-service.js";
import { tenantService } from "./api/tenants/tenant-service.js";
import { userService } from "./api/users/user-service.js";
import type { Config } from "./config/config.js";
import type { Keyring } from "./crypto/key-encryption-key.js";
import { AccountFlows } from "./domain/login/account-flows.js";
import type { AccountMail } from "./domain/login/account-mail.js";
import type { AuthEventRecorder } from "./domain/login/auth-events.js";
import { OpaqueLogin } from "./domain/login/opaque-login.js";
import { OpaqueRegistration } from "./domain/login/opaque-registration.js";
import { OpaqueSetups } from "./domain/login/opaque-setups.js";
import { Authorization } from "./domain/oidc/authorization.js";
import { Issuers } from "./domain/oidc/issuers.js";
import { Logout } from "./domain/oidc/logout.js";
import { Tokens } from "./domain/oidc/tokens.js";
import type { Logger } from "./logging/logger.js";
import type { TenantKeyStore } from "./domain/tenants/tenant-key-store.js";
import type { Database } from "./persistence/database.js";
import { registerService, type ServiceRegistration } from "./rpc/registry.js";

export interface ServiceDeps {
  readonly config: Config;
  readonly database: Database;
  readonly keys: TenantKeyStore;
  readonly keyring: Keyring;
  readonly events: AuthEventRecorder;
  readonly mail: AccountMail;
  readonly logger: Logger;
  /** The OIDC building blocks shared with the authenticator (bearer access tokens). */
  readonly oidc: OidcComponents;
}

export interface OidcComponents {
  readonly issuers: Issuers;
  readonly tokens: Tokens;
}

export function createOidcComponents(config: Config, keys: TenantKeyStore): OidcComponents {
  const issuers = new Issuers(config.publicUrl);
  return { issuers, tokens: new Tokens(keys, issuers) };
}

export function createServices({ config, database, keys, keyring, events, mail, logger, oidc }: ServiceDeps): ServiceRegistration[] {
  const isDatabaseUp = () => database.ping();
  const { defaultTenant } = config;
  const issuerOf = (tenantId: string) => `${config.publicUrl}/${tenantId}`;
  const setups = new OpaqueSetups(keyring);
  const login = new OpaqueLogin({ orm: database.orm, sql: database.sql, keyring, setups, events, issuerOf });
  const registration = new OpaqueRegistration({ setups, keys });
  const accounts = new AccountFlows({ keyring, registration, mail, events });
  const { issuers, tokens } = oidc;
  const authorization = new Authorization({ issuers });
  const logout = new Logout({ tokens, issuers, keys, logger });
  const publicUrl = config.publicUrl;
  const registrations: ServiceRegistration[] = [
    registerService(HealthService, healthService({ isDatabaseUp, version: config.version, env: config.env })),
    registerService(TenantService, tenantService({ keys, defaultTenant })),
    registerService(BlockerService, blockerService()),
    registerService(ClientService, clientService()),
    registerService(ApiKeyService, apiKeyService()),
    registerService(UserService, userService({ logout, accounts })),
    registerService(
      AuthService,
      authService({ keys, defaultTenant, issuerOf, login, registration, accounts, authorization, logout, publicUrl }),
    ),
    registerService(OidcService, oidcService({ keys, issuers, tokens, authorization, publicUrl })),
  ];
  const serviceNames = () => registrations.map((r) => r.service.typeName);
  registrations.push(registerService(Health, grpcHealthService({ isDatabaseUp, serviceNames })));
  registrations.push(...reflectionServices(() => registrations));
  return registrations;
}
