// What a test file gets for `import … from "node:test"` (test/support/ts-loader-hooks.mjs resolves
// it here): node:test's own functions, except while a test worker (worker.ts) imports the file.
// Then the calls the file makes at its top level — its describe/it blocks, its before/after hooks
// — are kept, and the worker makes them again inside one describe named after the file. So the
// file's top-level hooks run around its own tests, as they would in a process of its own, not at
// the end of the worker's run (where the file's servers would stay open until every later file
// had run). The exports are live bindings: the file calls node:test's functions themselves when
// it is not being imported, so whatever its blocks call while its tests run goes to node:test as is.
import * as nodeTest from "node:test";
import { compileFunction } from "node:vm";

type TopLevelCall = () => void;
// biome-ignore lint/suspicious/noExplicitAny: node:test's functions each have their own overloads, kept as they are.
type Registering = (...args: any[]) => unknown;
interface CallSite {
  getFileName(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

export let describe = nodeTest.describe;
export let it = nodeTest.it;
export let test = nodeTest.test;
export let before = nodeTest.before;
export let after = nodeTest.after;
export let beforeEach = nodeTest.beforeEach;
export let afterEach = nodeTest.afterEach;
export const mock = nodeTest.mock;
export default nodeTest.test;

/** Imports a test file with the calls it makes at its top level kept, and returns them. */
export async function importKeepingTopLevelCalls(load: () => Promise<unknown>): Promise<TopLevelCall[]> {
  const calls: TopLevelCall[] = [];
  describe = keptWithVariants(nodeTest.describe, calls);
  it = keptWithVariants(nodeTest.it, calls);
  test = keptWithVariants(nodeTest.test, calls);
  before = kept(nodeTest.before, calls);
  after = kept(nodeTest.after, calls);
  beforeEach = kept(nodeTest.beforeEach, calls);
  afterEach = kept(nodeTest.afterEach, calls);
  try {
    await load();
  } finally {
    ({ describe, it, test, before, after, beforeEach, afterEach } = nodeTest);
  }
  return calls;
}

function kept<F extends Registering>(register: F, calls: TopLevelCall[]): F {
  const keep = (...args: unknown[]) => {
    calls.push(callMadeAt(callerOf(keep), register, args));
    // node:test's top-level test() returns a promise of its end; no file awaits it.
    return Promise.resolve();
  };
  return keep as F;
}

function keptWithVariants<F extends Registering & Record<"skip" | "only" | "todo", Registering>>(register: F, calls: TopLevelCall[]): F {
  return Object.assign(kept(register, calls), {
    skip: kept(register.skip, calls),
    only: kept(register.only, calls),
    todo: kept(register.todo, calls),
  });
}

/** Where the test file called `fn`, as V8 counts it. */
function callerOf(fn: Registering): CallSite {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, callSites) => callSites;
  try {
    const holder: { stack?: CallSite[] } = {};
    Error.captureStackTrace(holder, fn);
    const site = holder.stack?.[0];
    if (!site) throw new Error("a test file's top-level call has no caller");
    return site;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

/**
 * A call of `register` that node:test sees as made at `site` in the test file: node:test names
 * each test's place by its caller's position ("test at <file>:<line>:<column>" under a failure),
 * which would otherwise be this module's.
 */
function callMadeAt(site: CallSite, register: Registering, args: unknown[]): TopLevelCall {
  const call = compileFunction("register(...args)", ["register", "args"], {
    filename: site.getFileName() ?? "",
    lineOffset: (site.getLineNumber() ?? 1) - 1,
    columnOffset: (site.getColumnNumber() ?? 1) - 1,
  });
  return () => void call(register, args);
}
