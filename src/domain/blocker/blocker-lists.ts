// The blocker lists of a tenant: IP addresses and usernames blocked by login throttling.
import type { EntityName, QueryOrderMap } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { notFound } from "../../errors/domain-error.js";
import { type BlockedIp, BlockedIpEntity, type BlockedUser, BlockedUserEntity } from "../../persistence/entities/blocked.js";
import { scopeToTenant } from "../../persistence/tenant-scope.js";
import { normalizeUsername } from "../users/identity-normalization.js";
import { executeSql } from "../../persistence/execute-sql.js";

export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
  /** -1: newest first; 1: oldest first. */
  readonly sortDirection: number;
}

export interface Page<T> {
  readonly data: T[];
  readonly hasNext: boolean;
  readonly totalCount: number;
}

export function pageRequestOf(input: { page?: number; pageSize?: number; sortDirection?: number }): PageRequest {
  return { page: input.page ?? 0, pageSize: input.pageSize ?? 100, sortDirection: input.sortDirection ?? -1 };
}

async function listPage<T extends BlockedIp | BlockedUser>(
  em: EntityManager,
  entity: EntityName<T>,
  key: "ip" | "username",
  paging: PageRequest,
): Promise<Page<T>> {
  const direction = paging.sortDirection === 1 ? "asc" : "desc";
  // The key breaks ties, so that pages are stable when several blocks share a timestamp.
  const orderBy = { blockedAt: direction, [key]: "asc" } as QueryOrderMap<T>;
  const [data, totalCount] = await em.findAndCount(entity, {}, { orderBy, offset: paging.page * paging.pageSize, limit: paging.pageSize });
  return { data, hasNext: (paging.page + 1) * paging.pageSize < totalCount, totalCount };
}

export function listBlockedIps(em: EntityManager, tenantId: string, paging: PageRequest): Promise<Page<BlockedIp>> {
  return listPage<BlockedIp>(scopeToTenant(em, tenantId), BlockedIpEntity, "ip", paging);
}

export function listBlockedUsers(em: EntityManager, tenantId: string, paging: PageRequest): Promise<Page<BlockedUser>> {
  return listPage<BlockedUser>(scopeToTenant(em, tenantId), BlockedUserEntity, "username", paging);
}

/** The form Node reports client addresses in (IPv6 lower case and compressed). */
export function canonicalIp(ip: string): string {
  if (!ip.includes(":")) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

export async function unblockIp(em: EntityManager, tenantId: string, ip: string): Promise<void> {
  const scoped = scopeToTenant(em, tenantId);
  const canonical = canonicalIp(ip);
  if ((await scoped.nativeDelete(BlockedIpEntity, { ip: canonical })) === 0) {
    throw notFound("NOT_BLOCKED", `IP address ${ip} is not blocked`);
  }
  // Forget its failures too: else the next guess would count past the limit and block it again.
  await executeSql(scoped, "delete from login_throttle where tenant_id = ? and kind = 'ip' and subject = ?", [tenantId, canonical], "run");
}

export async function unblockUser(em: EntityManager, tenantId: string, username: string): Promise<void> {
  const scoped = scopeToTenant(em, tenantId);
  const normalized = normalizeUsername(username);
  if ((await scoped.nativeDelete(BlockedUserEntity, { username: normalized })) === 0) {
    throw notFound("NOT_BLOCKED", `User ${username} is not blocked`);
  }
  // Reset its failure count too: else the next guess would be delayed, and then block it again.
  await executeSql(
    scoped,
    "delete from login_throttle where tenant_id = ? and kind = 'user' and subject = ?",
    [tenantId, normalized],
    "run",
  );
}
