// The login throttle's counters as the Entra MFA form uses them (domain/mfa/mfa-throttle.ts): the
// same statements as the login's, on one tenant (login-throttle-state.ts, login-throttle-counts.ts).
// They run on the plain statements of the login
// (plain-sql.ts), as the login's do: they pass arrays as parameters, which the ORM's connection
// would spell out as lists.
import {
  COUNTED_GUESS,
  COUNTED_GUESS_COLUMNS,
  type CountedGuess,
  countGuess,
  forgetGuesses,
  liftEndedBlocks,
} from "../login-throttle-counts.js";
import { THROTTLE_STATE_COLUMNS, type ThrottleState, throttleStateJoins } from "../login-throttle-state.js";
import type { BlockConfig } from "../entities/tenant.js";
import { sql } from "../sql-fragment.js";
import type { PlainSql } from "../plain-sql.js";

export class MfaThrottleRepository {
  constructor(
    private readonly db: PlainSql,
    private readonly tenantId: string,
  ) {}

  /** The blocks and counters of a username and an address, and the tenant's block settings; undefined without the tenant. */
  async state(username: string, ip: string): Promise<(ThrottleState & { block_config: BlockConfig }) | undefined> {
    const [row] = await this.db.rows<ThrottleState & { block_config: BlockConfig }>(
      sql`select ${THROTTLE_STATE_COLUMNS}, t.block_config from tenant t ${throttleStateJoins(username, ip)} where t.id = ${this.tenantId}`,
    );
    return row;
  }

  async liftEndedBlocks(username: string, ip: string): Promise<void> {
    await this.db.rows(liftEndedBlocks(this.tenantId, username, ip));
  }

  /** Counts a guess of the username and the address, deciding it on the latest counts. */
  async count(username: string, ip: string, config: BlockConfig): Promise<CountedGuess | undefined> {
    const [row] = await this.db.rows<CountedGuess>(
      sql`with ${countGuess(this.tenantId, config, username, ip)} select ${COUNTED_GUESS_COLUMNS} from ${COUNTED_GUESS}`,
    );
    return row;
  }

  /** Takes a successful guess back. */
  async forget(username: string, ip: string): Promise<void> {
    await this.db.rows(sql`with passed as (select 1), ${forgetGuesses(this.tenantId, username, ip, sql`passed`)} select 1 as done`);
  }
}
