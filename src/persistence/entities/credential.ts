import { defineEntity, type InferEntity } from "@mikro-orm/core";
import { tenantColumn, tenantFilters } from "../tenant-scope.js";
import { UserEntity } from "./user.js";

/** A user's OPAQUE credential. Users created by an administrator have none until they set one. */
export const CredentialEntity = defineEntity({
  name: "Credential",
  tableName: "user_credential",
  filters: tenantFilters,
  properties: (p) => ({
    user: p.oneToOne(UserEntity).primary().mapToPk().deleteRule("cascade").owner(),
    tenant: tenantColumn(),
    /** OPAQUE's credential identifier: fresh random for every registration, change and reset. */
    credentialId: p.string().length(64),
    /** The OPAQUE registration record, sealed with the KEK (AAD binds tenant and user). */
    recordSealed: p.blob(),
    protoVersion: p.string().length(128),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

/** A tenant's OPAQUE server setup (OPRF seed and AKE key pair), sealed with the KEK. */
export const OpaqueSetupEntity = defineEntity({
  name: "OpaqueSetup",
  tableName: "opaque_setup",
  filters: tenantFilters,
  properties: (p) => ({
    tenant: tenantColumn().primary(),
    setupSealed: p.blob(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});

export type Credential = InferEntity<typeof CredentialEntity>;
export type OpaqueSetup = InferEntity<typeof OpaqueSetupEntity>;
