// Each tenant's OPAQUE server setup: created on first use, stored sealed with the KEK, and kept
// decrypted in memory afterwards (a setup never changes). Losing it invalidates every credential
// of the tenant, exactly like losing the KEK.
import * as opaque from "@serenity-kit/opaque";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import type { CredentialRepository } from "../../persistence/repositories/credential-repository.js";

const aad = (tenantId: string) => `opaque-setup:${tenantId}`;

export class OpaqueSetups {
  private readonly setups = new Map<string, string>();

  /** `credentialsOf` gives a tenant's credential repository on a unit of work of its own (outside any request's transaction). */
  constructor(
    private readonly keyring: Keyring,
    private readonly credentialsOf: (tenantId: string) => CredentialRepository,
  ) {}

  /** The tenant's setup if this instance has it already (every login but the first): no promise to wait for. */
  loaded(tenantId: string): string | undefined {
    return this.setups.get(tenantId);
  }

  async forTenant(tenantId: string): Promise<string> {
    const cached = this.setups.get(tenantId);
    if (cached) return cached;
    await opaque.ready;
    const credentials = this.credentialsOf(tenantId);
    let sealed = await credentials.setup();
    if (!sealed) {
      // Two instances may race to create it: the primary key keeps the first, both read it back.
      await credentials.addSetup(seal(this.keyring, Buffer.from(opaque.server.createSetup(), "utf8"), aad(tenantId)));
      sealed = await credentials.setup();
      if (!sealed) throw new Error(`the OPAQUE setup of tenant ${tenantId} was stored but cannot be read back`);
    }
    const setup = open(this.keyring, sealed, aad(tenantId)).toString("utf8");
    this.setups.set(tenantId, setup);
    return setup;
  }
}
