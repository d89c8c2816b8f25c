// Work a request starts and does not wait for (back-channel logout notifications, account e-mails,
// API key use): the shutdown waits for it after the listeners close and before the database does,
// so that SIGTERM does not drop what an answered request promised. (A crash still can: such work
// is best effort.) Tests await `settled()` to see its effects instead of waiting for time to pass.
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  /** `work` must handle its own errors. */
  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once nothing tracked is pending, including work started meanwhile. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
