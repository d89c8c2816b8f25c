// google.api.http path templates → Fastify (find-my-way) routes.
//
//   Template = "/" Segments ;  Segment = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}"
//
// Each `*` (including the implicit one of `{field}`) becomes a route parameter `p<N>`; a `**`
// (last segment only) becomes Fastify's wildcard. A variable's value is its segments joined by
// "/", so `{name=shelves/*}` matched against `/shelves/7` yields `name = "shelves/7"`.
// Custom verbs (`:verb`) are refused at start-up: find-my-way cannot tell them from parameters
// and no route of this service needs one.

export interface PathVariable {
  /** Proto field names from the request message down to the bound field. */
  readonly fieldPath: readonly string[];
  /** The variable's value: literal parts, and references to route parameters. */
  readonly parts: readonly ({ literal: string } | { param: string })[];
}

export interface CompiledPath {
  /** The route as find-my-way understands it, e.g. `/v1/shelves/:p0`. */
  readonly route: string;
  readonly variables: readonly PathVariable[];
}

export class PathTemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`invalid path template "${template}": ${problem}`);
    this.name = "PathTemplateError";
  }
}

const LITERAL = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const FIELD_PATH = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i;

export function compilePathTemplate(template: string): CompiledPath {
  if (!template.startsWith("/")) throw new PathTemplateError(template, "must start with /");
  const lastSlash = template.lastIndexOf("/");
  const lastClose = template.lastIndexOf("}");
  if (template.indexOf(":", Math.max(lastSlash, lastClose)) !== -1) {
    throw new PathTemplateError(template, "custom verbs are not supported");
  }

  let paramCount = 0;
  const nextParam = () => `p${paramCount++}`;
  const routeSegments: string[] = [];
  const variables: PathVariable[] = [];
  const segments = splitSegments(template, template.slice(1));

  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment.startsWith("{")) {
      const inner = segment.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldPath = eq === -1 ? inner : inner.slice(0, eq);
      if (!FIELD_PATH.test(fieldPath)) throw new PathTemplateError(template, `bad field path "${fieldPath}"`);
      const subSegments = eq === -1 ? ["*"] : inner.slice(eq + 1).split("/");
      const parts: PathVariable["parts"][number][] = [];
      subSegments.forEach((sub, subIndex) => {
        if (subIndex > 0) parts.push({ literal: "/" });
        const [routeSegment, part] = compileSegment(template, sub, isLast && subIndex === subSegments.length - 1, nextParam);
        routeSegments.push(routeSegment);
        parts.push(part);
      });
      variables.push({ fieldPath: fieldPath.split("."), parts });
    } else {
      routeSegments.push(compileSegment(template, segment, isLast, nextParam)[0]);
    }
  });

  return { route: `/${routeSegments.join("/")}`, variables };
}

function compileSegment(
  template: string,
  segment: string,
  isLast: boolean,
  nextParam: () => string,
): [string, { literal: string } | { param: string }] {
  if (segment === "*") {
    const param = nextParam();
    return [`:${param}`, { param }];
  }
  if (segment === "**") {
    if (!isLast) throw new PathTemplateError(template, "** must be the last segment");
    return ["*", { param: "*" }];
  }
  if (!LITERAL.test(segment)) throw new PathTemplateError(template, `bad segment "${segment}"`);
  return [segment, { literal: segment }];
}

/** Splits on "/" outside braces, so `{name=a/*}` stays one segment. */
function splitSegments(template: string, path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of path) {
    if (char === "{") depth++;
    if (char === "}") depth--;
    if (depth < 0 || depth > 1) throw new PathTemplateError(template, "unbalanced braces");
    if (char === "/" && depth === 0) {
      segments.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw new PathTemplateError(template, "unbalanced braces");
  segments.push(current);
  if (segments.some((s) => s === "")) throw new PathTemplateError(template, "empty segment");
  return segments;
}

/** The value of each variable, from the route parameters Fastify matched. */
export function readPathVariables(
  variables: readonly PathVariable[],
  params: Record<string, string | undefined>,
): { fieldPath: readonly string[]; value: string }[] {
  return variables.map((variable) => ({
    fieldPath: variable.fieldPath,
    value: variable.parts.map((part) => ("literal" in part ? part.literal : (params[part.param] ?? ""))).join(""),
  }));
}
