// The blocker lists of a tenant: IP addresses and usernames blocked by login throttling.
import { notFound } from "../../errors/domain-error.js";
import type { BlockedIp, BlockedUser } from "../../persistence/entities/blocked.js";
import type { Page, PageRequest } from "../../persistence/paging.js";
import type { BlockerRepository } from "../../persistence/repositories/blocker-repository.js";
import { normalizeUsername } from "../../sdk/identity-normalization.js";

export function pageRequestOf(input: { page?: number; pageSize?: number; sortDirection?: number }): PageRequest {
  return { page: input.page ?? 0, pageSize: input.pageSize ?? 100, sortDirection: input.sortDirection ?? -1 };
}

export function listBlockedIps(blocker: BlockerRepository, paging: PageRequest): Promise<Page<BlockedIp>> {
  return blocker.listIps(paging);
}

export function listBlockedUsers(blocker: BlockerRepository, paging: PageRequest): Promise<Page<BlockedUser>> {
  return blocker.listUsers(paging);
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

export async function unblockIp(blocker: BlockerRepository, ip: string): Promise<void> {
  if (!(await blocker.unblockIp(canonicalIp(ip)))) throw notFound("NOT_BLOCKED", `IP address ${ip} is not blocked`);
}

export async function unblockUser(blocker: BlockerRepository, username: string): Promise<void> {
  if (!(await blocker.unblockUser(normalizeUsername(username)))) throw notFound("NOT_BLOCKED", `User ${username} is not blocked`);
}
