// The blocker lists of one tenant: IP addresses and usernames blocked by login throttling
// (the login throttle writes them, persistence/login-throttle-counts.ts; this is the administrators' side).
import type { EntityName, QueryOrderMap } from "@mikro-orm/core";
import { type BlockedIp, BlockedIpEntity, type BlockedUser, BlockedUserEntity } from "../entities/blocked.js";
import type { Page, PageRequest } from "../paging.js";
import { sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";

export class BlockerRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  listIps(paging: PageRequest): Promise<Page<BlockedIp>> {
    return this.page<BlockedIp>(BlockedIpEntity, "ip", paging);
  }

  listUsers(paging: PageRequest): Promise<Page<BlockedUser>> {
    return this.page<BlockedUser>(BlockedUserEntity, "username", paging);
  }

  /**
   * Lifts the block of an address and forgets its failures (else its next guess would count past
   * the limit and block it again). False when it was not blocked.
   */
  async unblockIp(ip: string): Promise<boolean> {
    const [row] = await this.uow.rows<{ lifted: boolean }>(sql`with lifted as (
        delete from blocked_ip where tenant_id = ${this.tenantId} and ip = ${ip} returning 1),
      forgotten as (
        delete from login_throttle where tenant_id = ${this.tenantId} and kind = 'ip' and subject = ${ip} and exists (select from lifted))
      select exists (select from lifted) as lifted`);
    return row?.lifted === true;
  }

  /** Lifts the block of a (normalized) username and resets its failure count. False when it was not blocked. */
  async unblockUser(username: string): Promise<boolean> {
    const [row] = await this.uow.rows<{ lifted: boolean }>(sql`with lifted as (
        delete from blocked_user where tenant_id = ${this.tenantId} and username = ${username} returning 1),
      forgotten as (
        delete from login_throttle where tenant_id = ${this.tenantId} and kind = 'user' and subject = ${username} and exists (select from lifted))
      select exists (select from lifted) as lifted`);
    return row?.lifted === true;
  }

  private async page<T extends BlockedIp | BlockedUser>(
    entity: EntityName<T>,
    key: "ip" | "username",
    paging: PageRequest,
  ): Promise<Page<T>> {
    const direction = paging.sortDirection === 1 ? "asc" : "desc";
    // The key breaks ties, so that pages are stable when several blocks share a timestamp.
    const orderBy = { blockedAt: direction, [key]: "asc" } as QueryOrderMap<T>;
    // A find and a count rather than `findAndCount`, which runs them inside an AsyncLocalStorage
    // (RawQueryFragment.run): promise hooks for the whole process on Node 20 (unit-of-work.ts).
    const scoped = scopeToTenant(this.uow.em, this.tenantId);
    const data = await scoped.find(entity, {}, { orderBy, offset: paging.page * paging.pageSize, limit: paging.pageSize });
    const totalCount = await scoped.count(entity, {});
    return { data, hasNext: (paging.page + 1) * paging.pageSize < totalCount, totalCount };
  }
}
