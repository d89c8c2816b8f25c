// `npm run bench:ui`: how long a person waits on the hosted sign-in page, in headless Chromium
// against the real service and PostgreSQL (the test fixture's assembly: test/ui/hosted-ui-fixture.ts).
//
//   first input   navigation to the login page → the username field is on screen and focused
//   sign-in       the last tap of the secret → the application's callback page has loaded (its
//                 token exchange and userinfo call included)
//
// and where the sign-in's time goes, from the browser's own request timings:
//
//   sdk+KE1       the tap → Get Challenge sent: the SDK chunk (when not there yet) and OPAQUE's KE1
//   challenge     Get Challenge's round trip (the server's OPAQUE step and throttle, one statement)
//   stretch+KE3   its answer → Authenticate sent: Argon2id key stretching and OPAQUE's KE3
//   authenticate  Authenticate's round trip
//   redirects     Sign In (session, code) → the application's callback (token exchange, userinfo)
//
// Two profiles: a desktop, and a phone (360×640, touch) with the CPU slowed 4× through the
// DevTools protocol (Emulation.setCPUThrottlingRate). Each run is a first visit (an empty cache).
// Both key-stretching suites a tenant can choose are measured (docs/hosted-ui.md, "Speed").
// The machine's load average is printed with the figures: on a busy machine they are noise.
// Usage: npm run bench:ui [-- --runs 9] ; markdown on stdout, progress on stderr.
import os from "node:os";
import { parseArgs } from "node:util";
import type { Page, Request } from "playwright-core";
import { PROTO_VERSION_DEFAULT, PROTO_VERSION_LIGHT } from "../src/sdk/proto-version.js";
import { authClient } from "../test/oidc/support.js";
import { enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "../test/ui/hosted-ui-fixture.js";
import { cpuModel, positive } from "./bench-machine.js";

const { values } = parseArgs({ options: { runs: { type: "string" } } });
const RUNS = Math.max(1, Math.round(positive("--runs", values.runs, 7)));
const PIN = "482913";

interface Profile {
  readonly name: string;
  readonly viewport: { width: number; height: number };
  readonly touch: boolean;
  readonly cpuSlowdown: number;
}

const PROFILES: readonly Profile[] = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, touch: false, cpuSlowdown: 1 },
  { name: "phone, 4× slower CPU", viewport: { width: 360, height: 640 }, touch: true, cpuSlowdown: 4 },
];

const SUITES = [
  { name: "default (Argon2id 64 MiB, 3 passes)", protoVersion: PROTO_VERSION_DEFAULT, username: "strong" },
  { name: "light (Argon2id 19 MiB, 2 passes)", protoVersion: PROTO_VERSION_LIGHT, username: "light" },
] as const;

const PHASES = ["sdk+KE1", "challenge", "stretch+KE3", "authenticate", "redirects"] as const;
type Phase = (typeof PHASES)[number];

interface Run {
  readonly firstInput: number;
  readonly signIn: number;
  readonly phases: Record<Phase, number>;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

/** When a request was sent and its response ended, in ms since the epoch (Chromium's own timing). */
function timesOf(request: Request): { sent: number; done: number } {
  const timing = request.timing();
  return { sent: timing.startTime, done: timing.startTime + timing.responseEnd };
}

async function oneRun(fixture: HostedUiFixture, profile: Profile, username: string): Promise<Run> {
  const { page, context, requests } = await fixture.newPage({ viewport: profile.viewport, touch: profile.touch });
  try {
    if (profile.cpuSlowdown > 1) {
      const session = await context.newCDPSession(page);
      await session.send("Emulation.setCPUThrottlingRate", { rate: profile.cpuSlowdown });
    }
    await startAtApplication(fixture, page);
    const firstInput = await timeToFirstInput(page);
    await enterUsername(page, username);
    await page.getByRole("group", { name: "PIN keypad" }).waitFor();
    await tapPin(page, PIN.slice(0, -1));
    const lastKey = page.getByRole("button", { name: PIN.slice(-1), exact: true });
    const callback = page.waitForURL((url) => url.pathname === "/callback", { waitUntil: "load" });
    const tapped = Date.now();
    await lastKey.click();
    await callback;
    const loaded = Date.now();
    const find = (path: string) => requests.find((r) => new URL(r.url()).pathname === path);
    const challenge = timesOf(find("/api/v1/auth/challenge") as Request);
    const authenticate = timesOf(find("/api/v1/auth/authenticate") as Request);
    const signIn = timesOf(find("/api/v1/auth/signin") as Request);
    return {
      firstInput,
      signIn: loaded - tapped,
      phases: {
        "sdk+KE1": challenge.sent - tapped,
        challenge: challenge.done - challenge.sent,
        "stretch+KE3": authenticate.sent - challenge.done,
        authenticate: authenticate.done - authenticate.sent,
        redirects: loaded - signIn.sent,
      },
    };
  } finally {
    await context.close();
  }
}

/** Milliseconds from the navigation to the login page until its username field has the focus. */
async function timeToFirstInput(page: Page): Promise<number> {
  await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "username", undefined, { polling: "raf" });
  return page.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    return performance.now() - (navigation?.startTime ?? 0);
  });
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p + 0.5))] as number;
};
const ms = (value: number) => `${Math.round(value)} ms`;

const fixture = await startHostedUiFixture({
  tenantId: "bench",
  tenant: {
    display_name: "Bench",
    register_enable: true,
    use_pin: true,
    pin_size: 6,
    use_pattern: false,
    login_order: ["PIN"],
    has_username_and_email: false,
  },
});
const loadBefore = os.loadavg();
const lines: string[] = [];
try {
  for (const suite of SUITES) {
    await authClient(fixture.server, "bench").register({
      username: suite.username,
      secret: `pinpat/v1|PIN:${PIN}`,
      protoVersion: suite.protoVersion,
    });
  }
  lines.push(
    `Hosted sign-in, ${RUNS} runs per row, first visits (empty cache). CPU: ${cpuModel}, ${os.availableParallelism()} cores; ` +
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(" / ")} at the start`,
    "",
    `| profile | key stretching | first input p50 | sign-in p50 | sign-in p90 | ${PHASES.join(" | ")} (p50) |`,
    `|---|---|---|---|---|${PHASES.map(() => "---|").join("")}`,
  );
  for (const profile of PROFILES) {
    for (const suite of SUITES) {
      const runs: Run[] = [];
      // One run first to warm the server (JIT, pools); not counted.
      await oneRun(fixture, profile, suite.username);
      for (let i = 0; i < RUNS; i++) {
        runs.push(await oneRun(fixture, profile, suite.username));
        log(`${profile.name}, ${suite.username}: run ${i + 1}/${RUNS}: sign-in ${ms(runs.at(-1)?.signIn ?? 0)}`);
      }
      const phase = (name: Phase) =>
        ms(
          percentile(
            runs.map((r) => r.phases[name]),
            0.5,
          ),
        );
      lines.push(
        `| ${profile.name} | ${suite.name} | ${ms(
          percentile(
            runs.map((r) => r.firstInput),
            0.5,
          ),
        )} | ` +
          `${ms(
            percentile(
              runs.map((r) => r.signIn),
              0.5,
            ),
          )} | ${ms(
            percentile(
              runs.map((r) => r.signIn),
              0.9,
            ),
          )} | ` +
          `${PHASES.map(phase).join(" | ")} |`,
      );
    }
  }
  const loadAfter = os.loadavg();
  lines.push("", `Load average at the end: ${loadAfter.map((l) => l.toFixed(1)).join(" / ")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await fixture.close();
}
