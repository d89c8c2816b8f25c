// The OAuth clients of one tenant (domain/clients/ holds their rules). Through the ORM on an EntityManager scoped to this tenant (the
// `tenant` filter), except the token endpoint's lookup: a plain select mapped onto the entity,
// the same row the filtered `findOne` reads without the query builder, which costs several times
// the round trip on that hot path (docs/performance.md).
import { randomUUID } from "node:crypto";
import type { RequiredEntityData } from "@mikro-orm/core";
import { type Client, ClientEntity } from "../entities/client.js";
import { insertEntity, updateEntity } from "../entity-rows.js";
import { sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";

/** A new client's settings and secret hash: everything but its identity, which the repository sets. */
export type NewClientFields = Omit<RequiredEntityData<Client>, "id" | "tenant" | "clientId">;

export class ClientRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  private scoped() {
    return scopeToTenant(this.uow.em, this.tenantId);
  }

  /** A client by its client_id, for the token and revocation endpoints (one plain statement). */
  async findForAuthentication(clientId: string): Promise<Client | undefined> {
    const row = await this.uow.first<Record<string, unknown>>(
      sql`select * from client where tenant_id = ${this.tenantId} and client_id = ${clientId}`,
    );
    return row && this.uow.em.map(ClientEntity, row);
  }

  /** A client by its client_id. */
  async find(clientId: string): Promise<Client | undefined> {
    return (await this.scoped().findOne(ClientEntity, { clientId })) ?? undefined;
  }

  /** A page of the tenant's clients by client_id. */
  list(skip: number, limit: number): Promise<Client[]> {
    return this.scoped().find(ClientEntity, {}, { orderBy: { clientId: "asc" }, offset: skip, limit });
  }

  async exists(clientId: string): Promise<boolean> {
    return (await this.scoped().count(ClientEntity, { clientId })) > 0;
  }

  /** Adds a client, written at once; a taken client_id fails with the unique violation. */
  async add(clientId: string, fields: NewClientFields): Promise<Client> {
    const client = await insertEntity(this.uow, ClientEntity, { ...fields, id: randomUUID(), tenant: this.tenantId, clientId });
    this.uow.announce("client", this.tenantId);
    return client;
  }

  /** Writes `changes` to a client read from this repository, and sets them on it. */
  async update(client: Client, changes: Partial<Client>): Promise<void> {
    await updateEntity(this.uow, ClientEntity, client, { tenant: this.tenantId, id: client.id }, changes);
    this.uow.announce("client", this.tenantId);
  }

  /** Deletes a client; false when there was none. */
  async delete(clientId: string): Promise<boolean> {
    const deleted = (await this.scoped().nativeDelete(ClientEntity, { clientId })) > 0;
    this.uow.announce("client", this.tenantId);
    return deleted;
  }

  /** The redirect URIs of every client of the tenant, in one query. */
  async redirectUris(): Promise<string[]> {
    const clients = await this.scoped().find(ClientEntity, {}, { fields: ["redirectUris"] });
    return clients.flatMap((client) => client.redirectUris);
  }

  /** The clients among `clientIds` that asked for back-channel logout. */
  withLogoutUri(clientIds: readonly string[]): Promise<Client[]> {
    return this.scoped().find(ClientEntity, { clientId: { $in: [...clientIds] }, clientLogoutUri: { $ne: null } });
  }
}
