// Plain SQL for the hot paths, as tagged templates: `sql\`… where id = ${id}\`` keeps every value
// apart from the text (sent as a parameter, never spliced into it), and a fragment used as a value
// contributes its own text and parameters in place. So one statement can be put together from
// the parts of several modules (e.g. the CTEs of the login throttle and of the challenge store)
// without anyone counting placeholders.
//
// A fragment's text depends only on where it was written (the template's call site) and on the
// texts of the fragments put into it, never on the values. So each fragment carries a short
// `shape` key made of call-site numbers, and a caller that runs the same statement many times
// (src/persistence/plain-sql.ts) builds its text once per shape instead of per call.

/**
 * A template's call site: a small number, and the last shape made there. A call site nearly always
 * nests the same kinds of fragments in the same places, so its shape is worked out once and then
 * only checked: no key is built, flattened and hashed on every call.
 */
class CallSite {
  /** The shape of a fragment of this site with no fragment among its values. */
  readonly plainShape: string;
  /** The shapes of the last fragment's values (undefined where a value was not a fragment)… */
  lastValueShapes: (string | undefined)[] | undefined;
  /** …and the shape they made. */
  lastShape = "";

  constructor(readonly site: number) {
    this.plainShape = internedShape(String(site));
  }
}

const callSites = new WeakMap<TemplateStringsArray, CallSite>();
let callSiteCount = 0;

function callSiteOf(strings: TemplateStringsArray): CallSite | undefined {
  let site = callSites.get(strings);
  // Only a real tagged template's strings are frozen and reused; an array passed by hand is not.
  if (site === undefined && Object.isFrozen(strings)) {
    site = new CallSite(++callSiteCount);
    callSites.set(strings, site);
  }
  return site;
}

/**
 * One string per shape, so that the maps keyed by shape (plain-sql.ts, unit-of-work.ts) find it by
 * its hash, computed once and kept in the string, and by identity. Shapes come from call sites:
 * the map stays small.
 */
const shapes = new Map<string, string>();

function internedShape(key: string): string {
  let shape = shapes.get(key);
  if (shape === undefined) {
    shape = key;
    shapes.set(key, shape);
  }
  return shape;
}

export class SqlFragment {
  private flatValues: unknown[] | undefined;

  constructor(
    /** The template's strings: `strings.length === args.length + 1`. */
    private readonly strings: readonly string[],
    /** The template's values, fragments among them. */
    private readonly args: readonly unknown[],
    /** Equal shapes ⇔ equal texts; undefined when not built from tagged templates only. */
    readonly shape?: string,
  ) {}

  /** The values of the statement in order, those of nested fragments in place. */
  get values(): readonly unknown[] {
    if (this.flatValues === undefined) {
      this.flatValues = [];
      this.collectValues(this.flatValues);
    }
    return this.flatValues;
  }

  /** The text around each value: `parts.length === values.length + 1`. Built on demand only:
   *  a caller that caches texts by shape (plain-sql.ts) needs it once per shape. */
  get parts(): readonly string[] {
    const parts: string[] = [];
    parts.push(this.collectParts(parts, ""));
    return parts;
  }

  /** The text with `?` placeholders (MikroORM / knex). */
  get text(): string {
    return this.parts.join("?");
  }

  /** The text with `$1`, `$2`, … placeholders (Postgres, node-pg). */
  get numberedText(): string {
    const parts = this.parts;
    let text = parts[0] as string;
    for (let i = 1; i < parts.length; i++) text += `$${i}${parts[i]}`;
    return text;
  }

  private collectValues(into: unknown[]): void {
    for (const arg of this.args) {
      if (arg instanceof SqlFragment) arg.collectValues(into);
      else into.push(arg);
    }
  }

  /** Appends the text before each value to `parts`, starting with `prefix`; returns the text after the last. */
  private collectParts(parts: string[], prefix: string): string {
    let text = prefix + this.strings[0];
    for (let i = 0; i < this.args.length; i++) {
      const arg = this.args[i];
      if (arg instanceof SqlFragment) text = arg.collectParts(parts, text);
      else {
        parts.push(text);
        text = "";
      }
      text += this.strings[i + 1];
    }
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  const site = callSiteOf(strings);
  if (site === undefined) return new SqlFragment(strings, values);
  const last = site.lastValueShapes;
  let nested = false;
  let sameAsLast = last !== undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let shape: string | undefined;
    if (value instanceof SqlFragment) {
      shape = value.shape;
      if (shape === undefined) return new SqlFragment(strings, values);
      nested = true;
    }
    if (sameAsLast && (last as (string | undefined)[])[i] !== shape) sameAsLast = false;
  }
  if (!nested) return new SqlFragment(strings, values, site.plainShape);
  if (!sameAsLast) {
    // e.g. "7(2:3,5:4(0:1))": site 7 with the fragment of site 3 as its value 2, and so on.
    const valueShapes = values.map((value) => (value instanceof SqlFragment ? value.shape : undefined));
    let key = "";
    valueShapes.forEach((shape, i) => {
      if (shape !== undefined) key += `${key === "" ? "" : ","}${i}:${shape}`;
    });
    site.lastValueShapes = valueShapes;
    site.lastShape = internedShape(`${site.site}(${key})`);
  }
  return new SqlFragment(strings, values, site.lastShape);
}
