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

/** Call site (its template object, the same object on every evaluation) → a small number. */
const callSites = new WeakMap<TemplateStringsArray, number>();
let callSiteCount = 0;

function callSiteOf(strings: TemplateStringsArray): number | undefined {
  // Only a real tagged template's strings are frozen and reused; an array passed by hand is not.
  if (!Object.isFrozen(strings)) return undefined;
  let site = callSites.get(strings);
  if (site === undefined) {
    site = ++callSiteCount;
    callSites.set(strings, site);
  }
  return site;
}

export class SqlFragment {
  /** `parts.length === values.length + 1`: the text around each value. */
  constructor(
    readonly parts: readonly string[],
    readonly values: readonly unknown[],
    /** Equal shapes ⇔ equal texts; undefined when not built from tagged templates only. */
    readonly shape?: string,
  ) {}

  /** The text with `?` placeholders (MikroORM / knex). */
  get text(): string {
    return this.parts.join("?");
  }

  /** The text with `$1`, `$2`, … placeholders (Postgres, node-pg). */
  get numberedText(): string {
    let text = this.parts[0] as string;
    for (let i = 1; i < this.parts.length; i++) text += `$${i}${this.parts[i]}`;
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  const parts: string[] = [];
  const flat: unknown[] = [];
  const site = callSiteOf(strings);
  // e.g. "7(2:3,5:4(0:1))": site 7 with the fragment of site 3 as its value 2, and so on.
  const nested: string[] = [];
  let shapeKnown = site !== undefined;
  let text = strings[0] as string;
  values.forEach((value, index) => {
    if (value instanceof SqlFragment) {
      if (value.shape === undefined) shapeKnown = false;
      else nested.push(`${index}:${value.shape}`);
      text += value.parts[0];
      value.values.forEach((inner, i) => {
        parts.push(text);
        flat.push(inner);
        text = value.parts[i + 1] as string;
      });
    } else {
      parts.push(text);
      flat.push(value);
      text = "";
    }
    text += strings[index + 1];
  });
  parts.push(text);
  const shape = shapeKnown ? (nested.length > 0 ? `${site}(${nested.join(",")})` : String(site)) : undefined;
  return new SqlFragment(parts, flat, shape);
}
