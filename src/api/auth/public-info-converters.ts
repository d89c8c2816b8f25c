import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PublicClientSchema, PublicTenantSchema } from "../../../gen/svault/auth/v1/public_info_pb.js";
import { type ClientAndTenant, registrationOpen } from "../../domain/clients/public-info.js";

export function publicClientMessage(found: ClientAndTenant): MessageInitShape<typeof PublicClientSchema> {
  const { client, tenant } = found;
  return {
    clientId: client.clientId,
    name: client.name,
    tenantId: tenant.id,
    logoUri: client.logoUri ?? "",
    opPolicyUrl: client.opPolicyUrl ?? "",
    opTosUrl: client.opTosUrl ?? "",
    opUserAgreementUrl: client.opUserAgreementUrl ?? "",
    clientUri: client.clientUri ?? "",
    clientLogoutUri: client.clientLogoutUri ?? "",
    registerEnable: registrationOpen(found),
    tenantName: client.tenantName || tenant.displayName || tenant.id,
    hasProfile: tenant.hasUsernameAndEmail,
  };
}

export function publicTenantMessage({ tenant }: Pick<ClientAndTenant, "tenant">): MessageInitShape<typeof PublicTenantSchema> {
  return {
    tenantId: tenant.id,
    displayName: tenant.displayName,
    registerEnable: tenant.registerEnable,
    is2fa: tenant.is2fa,
    usePin: tenant.usePin,
    pinSize: tenant.pinSize,
    usePattern: tenant.usePattern,
    patterSize: tenant.patterSize,
    showPinWhenTyping: tenant.showPinWhenTyping,
    loginOrder: tenant.loginOrder,
    passkeyEnabled: tenant.passkeyEnabled,
    hasUsernameAndEmail: tenant.hasUsernameAndEmail,
    useFaceRecognition: tenant.useFaceRecognition,
    useLiveness: tenant.useLiveness,
  };
}
