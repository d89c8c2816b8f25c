// svault.client.v1.ClientService.
import type { ServiceImpl } from "@connectrpc/connect";
import type { ClientService } from "../../../gen/svault/client/v1/client_service_pb.js";
import {
  createClient,
  deleteClient,
  getClient,
  listClients,
  regenerateClientSecret,
  updateClient,
} from "../../domain/clients/client-admin.js";
import { repositories } from "../../rpc/context.js";
import { clientMessage, clientWithSecretMessage } from "./client-converters.js";

export function clientService(): ServiceImpl<typeof ClientService> {
  return {
    async listClients(request, ctx) {
      const clients = await listClients(repositories(ctx, request.tenantId), request.skip ?? 0, request.limit ?? 100);
      return { clients: clients.map((client) => clientMessage(client)) };
    },
    async createClient(request, ctx) {
      const created = await createClient(repositories(ctx, request.tenantId), request.clientId, request, request.clientSecret);
      return { client: clientWithSecretMessage(created) };
    },
    async getClient(request, ctx) {
      return { client: clientMessage(await getClient(repositories(ctx, request.tenantId), request.clientId)) };
    },
    async updateClient(request, ctx) {
      const client = await updateClient(repositories(ctx, request.tenantId), request.clientId, request, request.clientSecret);
      return { client: clientMessage(client) };
    },
    async deleteClient(request, ctx) {
      await deleteClient(repositories(ctx, request.tenantId), request.clientId);
      return {};
    },
    async regenerateClientSecret(request, ctx) {
      return { client: clientWithSecretMessage(await regenerateClientSecret(repositories(ctx, request.tenantId), request.clientId)) };
    },
  };
}
