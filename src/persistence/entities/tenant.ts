import type { LivenessConfig as FaceLivenessConfig } from "../../biometrics/liveness-config.js";
import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** Throttling of failed logins (see docs/login-protocol.md). */
export interface BlockConfig {
  /** Failures of one user before growing delays start. */
  readonly user_free_attempts: number;
  /** Failures of one user (counted since the last success) that block the user. */
  readonly user_block_after: number;
  /** Failures from one IP address within the window that block the address. */
  readonly ip_block_after: number;
  /** The window over which failures are counted, in seconds. */
  readonly window_seconds: number;
  /** How long a block lasts, in seconds (0: until an administrator lifts it). */
  readonly block_seconds: number;
}

/** The stored `liveness_config`: the reference's two fields and the face step's (biometrics/liveness-config.ts). */
export interface LivenessConfig extends Partial<FaceLivenessConfig> {
  readonly provider?: string;
  readonly threshold?: number;
}

export const TenantEntity = defineEntity({
  name: "Tenant",
  tableName: "tenant",
  properties: (p) => ({
    id: p.string().primary().length(63),
    displayName: p.string().length(256).default(""),
    registerEnable: p.boolean().default(false),
    is2fa: p.boolean().fieldName("is_2fa").default(false),
    usePin: p.boolean().default(true),
    pinSize: p.integer().default(6),
    usePattern: p.boolean().default(true),
    patterSize: p.integer().default(3),
    useFaceRecognition: p.boolean().default(false),
    useLiveness: p.boolean().default(false),
    showPinWhenTyping: p.boolean().default(true),
    blockConfig: p.json<BlockConfig>().columnType("jsonb"),
    loginOrder: p.json<string[]>().columnType("jsonb"),
    passkeyEnabled: p.boolean().default(false),
    hasUsernameAndEmail: p.boolean().default(true),
    livenessConfig: p.json<LivenessConfig>().columnType("jsonb").nullable(),
    // Branding of the hosted pages ("" for none) and their default language (docs/hosted-ui.md).
    logoUri: p.string().length(2048).default(""),
    primaryColor: p.string().length(7).default(""),
    backgroundColor: p.string().length(7).default(""),
    supportUri: p.string().length(2048).default(""),
    privacyPolicyUri: p.string().length(2048).default(""),
    termsOfServiceUri: p.string().length(2048).default(""),
    defaultLocale: p.string().length(35).default("en"),
    /** The suite new secrets are made with on the hosted pages (login protocol §2). */
    protoVersion: p.string().length(128).default("opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1"),
    requirePushedAuthorizationRequests: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type Tenant = InferEntity<typeof TenantEntity>;
