// Ends a node-pg Pool and waits until its connections are closed. pg-pool's `end()` resolves as
// soon as it has asked its idle clients to end, not when they have: a test that drops its
// database WITH (FORCE) right after can terminate a backend that has not read the Terminate yet,
// and that client's error ("terminating connection due to administrator command") reaches a pool
// nobody listens to any more — an uncaught exception after the test (seen in a clean-clone CI run).
import type pg from "pg";

export async function endPool(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    // Emitted once a client's connection has ended (checked-out clients end when released).
    pool.on("remove", () => {
      open--;
      if (open === 0) resolve();
    });
  });
  await pool.end();
  await closed;
}
