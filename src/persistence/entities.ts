// Every entity the ORM knows. Tenant-owned ones use the scoping of tenant-scope.ts.
import { ApiKeyEntity } from "./entities/api-key.js";
import {
  AuthChallengeEntity,
  AuthEventEntity,
  AuthRequestEntity,
  LoginNonceEntity,
  LoginThrottleEntity,
  OneTimeCodeEntity,
} from "./entities/auth-flow.js";
import { CredentialEntity, OpaqueSetupEntity } from "./entities/credential.js";
import {
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  RevokedAccessTokenEntity,
  SessionEntity,
  TokenFamilyEntity,
} from "./entities/oidc.js";
import { BlockedIpEntity, BlockedUserEntity } from "./entities/blocked.js";
import { ClientEntity } from "./entities/client.js";
import { PasskeyChallengeEntity, PasskeyCredentialEntity } from "./entities/passkey.js";
import { FaceChallengeEntity, FaceResultEntity, FaceTemplateEntity, LivenessRollupEntity } from "./entities/face.js";
import { RateLimitEntity } from "./entities/rate-limit.js";
import { TenantEntity } from "./entities/tenant.js";
import { TenantKeyEntity } from "./entities/tenant-key.js";
import { TenantUserCountEntity, UserEntity } from "./entities/user.js";
import { EntraSettingsEntity, EntraUserLinkEntity, MfaFlowEntity } from "./entities/entra-mfa.js";
import { GroupEntity, GroupMemberEntity } from "./entities/group.js";

export const entities = [
  TenantEntity,
  TenantKeyEntity,
  UserEntity,
  TenantUserCountEntity,
  ClientEntity,
  ApiKeyEntity,
  BlockedIpEntity,
  BlockedUserEntity,
  CredentialEntity,
  OpaqueSetupEntity,
  AuthChallengeEntity,
  LoginNonceEntity,
  LoginThrottleEntity,
  OneTimeCodeEntity,
  AuthEventEntity,
  AuthRequestEntity,
  SessionEntity,
  TokenFamilyEntity,
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  RevokedAccessTokenEntity,
  RateLimitEntity,
  PasskeyCredentialEntity,
  PasskeyChallengeEntity,
  EntraSettingsEntity,
  EntraUserLinkEntity,
  MfaFlowEntity,
  GroupEntity,
  GroupMemberEntity,
  FaceChallengeEntity,
  FaceTemplateEntity,
  FaceResultEntity,
  LivenessRollupEntity,
];
