// The shape of a V8 CPU profile (`node --cpu-prof`'s .cpuprofile JSON) as the profile readers
// (cpu-profile-summary.ts, auth-login-layers.ts) use it.

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Now on the monotonic clock a profile's timestamps use, in µs: the `from`/`to` of a window.json. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
