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

export interface LivenessConfig {
  readonly provider: string;
  readonly threshold: number;
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
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type Tenant = InferEntity<typeof TenantEntity>;
