// Plain SQL for the hot paths, as tagged templates: `sql\`… where id = ${id}\`` keeps every value
// apart from the text (sent as a parameter, never spliced into it), and a fragment used as a value
// contributes its own text and parameters in place. So one statement can be put together from
// the parts of several modules (e.g. the CTEs of the login throttle and of the challenge store)
// without anyone counting placeholders.
export class SqlFragment {
  /** `parts.length === values.length + 1`: the text around each value. */
  constructor(
    readonly parts: readonly string[],
    readonly values: readonly unknown[],
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
  let text = strings[0] as string;
  values.forEach((value, index) => {
    if (value instanceof SqlFragment) {
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
  return new SqlFragment(parts, flat);
}
