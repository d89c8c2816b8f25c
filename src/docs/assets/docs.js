// Renders this service's OpenAPI document (openapi.json) as a reference page: operations grouped
// by service, their parameters, bodies and responses, then every schema they refer to.
//
// The page is served with `Content-Security-Policy: default-src 'self'`, so this file is its only
// script, and it builds the DOM with createElement/textContent: no markup is ever parsed from the
// document's text.

const VERBS = ["get", "put", "post", "delete", "patch"];
const SCHEMA_PREFIX = "#/components/schemas/";

main().catch((error) => {
  const status = byId("status");
  status.className = "error";
  status.textContent = `Could not show the API description: ${error instanceof Error ? error.message : String(error)}`;
});

async function main() {
  // Relative to the page, like the links in docs.html.
  const response = await fetch("openapi.json", { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`openapi.json answered ${response.status}`);
  render(await response.json());
}

function render(spec) {
  const operations = operationsByTag(spec);
  document.title = `${spec.info.title} — API reference`;
  byId("title").textContent = spec.info.title;
  byId("meta").replaceChildren(
    `Version ${spec.info.version}`,
    ...(spec.servers ?? []).flatMap((server) => [" · ", el("code", {}, server.url)]),
    " · ",
    el("a", { href: "openapi.json" }, "openapi.json"),
  );
  byId("intro").replaceChildren(...prose(spec.info.description));

  const nav = byId("nav");
  const content = byId("content");
  nav.replaceChildren();
  content.replaceChildren();
  for (const [tag, entries] of operations) {
    nav.append(
      el("h2", {}, tag.name),
      el(
        "ul",
        {},
        entries.map(({ path, verb, operation }) =>
          el("li", {}, el("a", { href: `#${operation.operationId}` }, methodBadge(verb), el("span", {}, path))),
        ),
      ),
    );
    content.append(
      el(
        "section",
        { class: "tag", id: `tag-${tag.name}` },
        el("h2", {}, tag.name),
        ...prose(tag.description),
        entries.map((entry) => operationView(spec, entry)),
      ),
    );
  }
  const schemas = Object.entries(spec.components?.schemas ?? {});
  if (schemas.length > 0) {
    nav.append(el("h2", {}, el("a", { href: "#schemas" }, "Schemas")));
    content.append(
      el(
        "section",
        { class: "tag", id: "schemas" },
        el("h2", {}, "Schemas"),
        schemas.map(([name, schema]) => schemaSection(spec, name, schema)),
      ),
    );
  }
  // The fragment's target exists only now.
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

/** Operations grouped by their first tag, in the order of the document's tags. */
function operationsByTag(spec) {
  const groups = new Map((spec.tags ?? []).map((tag) => [tag.name, { tag, entries: [] }]));
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const verb of VERBS) {
      const operation = item[verb];
      if (!operation) continue;
      const name = operation.tags?.[0] ?? "default";
      if (!groups.has(name)) groups.set(name, { tag: { name }, entries: [] });
      groups.get(name).entries.push({ path, verb, operation });
    }
  }
  return [...groups.values()].filter((group) => group.entries.length > 0).map((group) => [group.tag, group.entries]);
}

function operationView(spec, { path, verb, operation }) {
  const section = el(
    "section",
    { class: "operation", id: operation.operationId },
    el(
      "h3",
      {},
      methodBadge(verb),
      el("code", { class: operation.deprecated ? "deprecated" : "" }, path),
      el("span", { class: "operation-id" }, operation.operationId),
    ),
  );
  // The generator's description repeats the summary as its first sentence when there is more.
  const description = operation.description ?? "";
  if (operation.summary && !description.replace(/\s+/g, " ").startsWith(operation.summary))
    section.append(el("p", {}, inline(operation.summary)));
  section.append(...prose(description));
  if (operation.parameters?.length) section.append(el("h4", {}, "Parameters"), parametersTable(operation.parameters));
  if (operation.requestBody) section.append(el("h4", {}, "Request body"), contentView(spec, resolve(spec, operation.requestBody)));
  section.append(el("h4", {}, "Responses"), responsesTable(spec, operation.responses));
  return section;
}

function parametersTable(parameters) {
  return table(
    ["Name", "In", "Type", "Description"],
    parameters.map((parameter) => [
      [el("code", {}, parameter.name), parameter.required ? el("span", { class: "required" }, "required") : ""],
      parameter.in,
      typeLabel(parameter.schema),
      [...prose(parameter.description), constraintsLine(parameter.schema)],
    ]),
  );
}

function responsesTable(spec, responses) {
  return table(
    ["Status", "Description", "Body"],
    Object.entries(responses).map(([status, reference]) => {
      const response = resolve(spec, reference);
      return [el("code", {}, status), prose(response.description), response.content ? contentView(spec, response, false) : "—"];
    }),
  );
}

/** A request body or response: its media types, then the shape of its schema. */
function contentView(spec, holder, withDescription = true) {
  const entries = Object.entries(holder.content ?? {});
  const schema = entries.find(([, media]) => media.schema)?.[1].schema;
  return el(
    "div",
    {},
    withDescription ? prose(holder.description) : [],
    el("p", { class: "media" }, entries.map(([type]) => type).join(", ")),
    schema ? schemaShape(spec, schema, new Set()) : [],
  );
}

/** A schema's type, and its properties when it is an object (one level; references link). */
function schemaShape(spec, schema, seen) {
  const target = resolveSchema(spec, schema);
  if (target.properties) return propertiesTable(spec, target, seen);
  return el("p", {}, typeLabel(schema), " ", constraintsLine(target));
}

function propertiesTable(spec, schema, seen) {
  const required = new Set(schema.required ?? []);
  return table(
    ["Field", "Type", "Description"],
    Object.entries(schema.properties).map(([name, property]) => [
      [
        el("code", { class: property.deprecated ? "deprecated" : "" }, name),
        required.has(name) ? el("span", { class: "required" }, "required") : "",
      ],
      typeLabel(property),
      [...prose(property.description), constraintsLine(property), nestedShape(spec, property, seen)],
    ]),
  );
}

/** Inline objects (not components, which have their own section) open in place. */
function nestedShape(spec, property, seen) {
  const inner = property.type === "array" ? property.items : property;
  if (!inner || inner.$ref || !inner.properties || seen.has(inner)) return "";
  return el("details", { class: "nested" }, el("summary", {}, "fields"), propertiesTable(spec, inner, new Set([...seen, inner])));
}

function schemaSection(spec, name, schema) {
  return el(
    "section",
    { class: "schema", id: `schema-${name}` },
    el("h3", {}, name),
    prose(schema.description),
    schema.properties ? propertiesTable(spec, schema, new Set([schema])) : el("p", {}, typeLabel(schema), " ", constraintsLine(schema)),
  );
}

/** `string (email)`, `array of Widget`, `map of string → integer`, with links to components. */
function typeLabel(schema) {
  if (!schema || Object.keys(schema).length === 0) return el("span", { class: "type" }, "any");
  if (schema.$ref) {
    const name = schema.$ref.slice(SCHEMA_PREFIX.length);
    return el("a", { class: "type", href: `#schema-${name}`, title: name }, name.split(".").at(-1));
  }
  if (schema.type === "array") return el("span", { class: "type" }, "array of ", typeLabel(schema.items));
  if (schema.type === "object" && typeof schema.additionalProperties === "object") {
    return el("span", { class: "type" }, "map of string → ", typeLabel(schema.additionalProperties));
  }
  const types = [schema.type ?? "any"].flat().join(" | ");
  return el("span", { class: "type" }, schema.format ? `${types} (${schema.format})` : types);
}

/** The validation keywords, in words; for arrays, those of the items too. */
function constraintsLine(schema) {
  const parts = constraints(schema);
  if (schema?.type === "array" && schema.items && !schema.items.$ref) parts.push(...constraints(schema.items).map((c) => `each ${c}`));
  return parts.length > 0 ? el("p", { class: "constraints" }, parts.join(" · ")) : "";
}

function constraints(schema) {
  if (!schema) return [];
  const parts = [];
  if (schema.minLength !== undefined) parts.push(`at least ${count(schema.minLength, "character")}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${count(schema.maxLength, "character")}`);
  if (schema.pattern) parts.push(`matches ${schema.pattern}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minItems !== undefined) parts.push(`at least ${count(schema.minItems, "item")}`);
  if (schema.maxItems !== undefined) parts.push(`at most ${count(schema.maxItems, "item")}`);
  if (schema.uniqueItems) parts.push("distinct items");
  if (schema.anyOf) parts.push(`format ${schema.anyOf.map((s) => s.format).join(" or ")}`);
  if (schema.enum) parts.push(`one of ${schema.enum.join(", ")}`);
  if (schema.const !== undefined) parts.push(`always ${schema.const}`);
  return parts;
}

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Follows a `$ref` into the document (one hop is all the generator writes). */
function resolve(spec, value) {
  if (!value?.$ref?.startsWith("#/")) return value;
  return value.$ref
    .slice(2)
    .split("/")
    .reduce((node, key) => node?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
}

function resolveSchema(spec, schema) {
  return schema.$ref ? (resolve(spec, schema) ?? {}) : schema;
}

/** Comment text as paragraphs and lists, with `code` spans: the Markdown the protos use. */
function prose(text) {
  if (!text) return [];
  return text.split(/\n\s*\n/).map((block) => {
    const lines = block.split("\n");
    if (lines.every((line) => /^\s*- /.test(line))) {
      return el(
        "ul",
        {},
        lines.map((line) => el("li", {}, inline(line.replace(/^\s*- /, "")))),
      );
    }
    return el("p", {}, inline(lines.map((line) => line.trim()).join(" ")));
  });
}

function inline(text) {
  return text.split(/(`[^`]+`)/).map((part) => (/^`[^`]+`$/.test(part) ? el("code", {}, part.slice(1, -1)) : part));
}

function methodBadge(verb) {
  return el("span", { class: `method method-${verb}` }, verb);
}

function table(headings, rows) {
  return el(
    "table",
    {},
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        headings.map((heading) => el("th", { scope: "col" }, heading)),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((cells) =>
        el(
          "tr",
          {},
          cells.map((cell) => el("td", {}, cell)),
        ),
      ),
    ),
  );
}

/** createElement with attributes and children (strings become text nodes; arrays are flattened). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value) node.setAttribute(name, value);
  node.append(...children.flat(Infinity).filter((child) => child !== "" && child !== undefined && child !== null));
  return node;
}

function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}
