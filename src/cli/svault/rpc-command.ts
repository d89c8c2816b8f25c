// One command per RPC, derived from the method's descriptor: its name (the method name without
// the group's noun: TenantService.GetTenant → `tenants get`), its help (the method's and fields'
// proto comments), its options (the request's fields), its positional argument (the resource id
// that ends the REST path: `/api/v1/tenants/{tenant_id}` → `tenants get <tenant-id>`), what it
// prints (REST's `response_body`, e.g. the tenant of GetTenantResponse). The group's table holds
// only what needs judgement (command-groups.ts). A command may serve a second, administrator's RPC
// that does the same for any user of the tenant: `--user <id>` selects it (`sessions list --user`).
import { readFileSync } from "node:fs";
import {
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescMethodUnary,
  fromJson,
  getOption,
  hasOption,
  type JsonObject,
  type JsonValue,
  toJson,
} from "@bufbuild/protobuf";
import { Argument, Command, Option } from "commander";
import { http } from "../../../gen/google/api/annotations_pb.js";
import { field as fieldExtension } from "../../../gen/svault/api/v1/options_pb.js";
import { compileBinding, type HttpBinding } from "../../transcoding/binding.js";
import { needsApiKey, openEndpoint, requireApiKey } from "./connection.js";
import { usageError } from "./exit-codes.js";
import { setExamples } from "./examples.js";
import { render } from "./output.js";
import { commentOf, oneLine } from "./proto-help.js";
import { jsonFromOptions, kebab, mergeJson, type OptionPlan, planOptions, setPath } from "./request-options.js";
import { resolveSettings } from "./settings.js";

export interface RpcCommandSpec {
  /** The words of the command's group after `svault`: `users`, `scim users`. */
  readonly group: string;
  readonly method: DescMethodUnary;
  readonly name: string;
  /** Whether `tenant_id` scopes the command (an option, defaulting to the profile's tenant). */
  readonly tenantScoped: boolean;
  /** Top-level request fields given as arguments, instead of the one the REST path ends with. */
  readonly positional?: readonly string[];
  readonly examples?: readonly string[];
  /** The columns of a list answer's table. */
  readonly columns?: readonly string[];
  /**
   * The members of the answer whose messages are the table's rows (a message, or a list of them),
   * in order. Default: the answer's one list of messages, if it has one.
   */
  readonly rows?: readonly string[];
  /**
   * The administrator's RPC that does what `method` does for the caller, for any user of the
   * tenant: its request has `method`'s fields plus `tenant_id` and `user_id`. `--user <id>` calls
   * it; without `--user` the command calls `method`.
   */
  readonly forUser?: DescMethodUnary;
}

const TENANT_ID = "tenant_id";
const USER_ID = "user_id";

export function rpcCommand(spec: RpcCommandSpec): Command {
  const { method, forUser } = spec;
  // With an administrator's variant, the options are its request's fields: a superset of `method`'s.
  const binding = restBinding(forUser ?? method);
  const positional = positionalFields(spec, binding);
  const flattened = binding?.body === "*" ? undefined : binding?.body;
  const jsonBody = jsonBodyOf(binding);
  const plan = forUser
    ? withUserOption(planOptions(forUser.input, flattened, positional), method, forUser)
    : planOptions(method.input, flattened, positional);
  const comment = commentOf(method);

  const command = new Command(spec.name).summary(comment?.summary ?? "").description(describe(method, forUser));
  for (const field of positional) {
    const required = !forUser || isRequired(field);
    const own = forUser && method.input.fields.find((f) => f.name === field.name);
    const help = own ? `${oneLine(own)} With --user: ${oneLine(field)}` : oneLine(field);
    command.addArgument(new Argument(required ? `<${kebab(field.name)}>` : `[${kebab(field.name)}]`, help));
  }
  for (const { options } of plan.fields) for (const option of options) command.addOption(option);
  command.addOption(
    new Option(
      "--data <json>",
      jsonBody
        ? `${oneLine(jsonBody)} Inline, @FILE or - (standard input); sent as it is, as REST's body`
        : "the request as proto3 JSON, @FILE or - (standard input); options override its fields, members it does not have are ignored",
    ),
  );
  setExamples(command, spec.examples ?? [derivedExample(spec, positional, plan)]);

  command.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const settings = resolveSettings(self);
    const values = self.opts<Record<string, unknown>>();
    const fromOptions = jsonFromOptions(plan, values);
    const data = readData(values.data as string | undefined);
    let json = mergeJson(jsonBody && values.data !== undefined ? { [jsonBody.name]: data } : data, fromOptions);
    // A user named by --user (or in --data) selects the administrator's variant.
    const target = forUser && json[USER_ID] ? forUser : method;
    if (target !== forUser) refuseAdminOnlyOptions(fromOptions, method, plan);
    if (needsApiKey(target)) requireApiKey(settings);
    positional.forEach((field, index) => {
      if (args[index] !== undefined) setPath(json, [field], args[index] as string);
    });
    json = withDefaultTenant(json, target, settings.tenant);
    const request = decodeRequest(target, json);
    const endpoint = openEndpoint(settings);
    try {
      const response = await endpoint.transport.unary(target, undefined, undefined, undefined, request);
      const output = toJson(target.output, response.message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
      // What is printed: REST's answer (`response_body`, else the whole response).
      const shown = restBinding(target)?.responseBody;
      const rows = spec.rows ?? listOfMessages(shown?.message ?? target.output);
      process.stdout.write(render(shown ? (output[shown.name] ?? {}) : output, settings.output, { rows, columns: spec.columns }));
    } finally {
      endpoint.close();
    }
  });
  return command;
}

/** The method's comment, and with an administrator's variant what `--user` does. */
function describe(method: DescMethodUnary, forUser: DescMethodUnary | undefined): string {
  const own = commentOf(method)?.description ?? "";
  return forUser ? `${own}\n\nWith --user, an administrator's command (${forUser.name}):\n${commentOf(forUser)?.description ?? ""}` : own;
}

/** `user_id` of the administrator's request as `--user <id>`: the switch between the two RPCs. */
function withUserOption(plan: OptionPlan, method: DescMethodUnary, forUser: DescMethodUnary): OptionPlan {
  const fields = plan.fields.map((field) => {
    if (field.path.length !== 1 || field.path[0]?.name !== USER_ID) return field;
    const help = `the user to act on, by id (${forUser.name}, for administrators); without it, the API key's owner (${method.name})`;
    return { ...field, options: [new Option("--user <id>", help)] };
  });
  if (!fields.some((field) => field.path[0]?.name === USER_ID)) throw new Error(`${forUser.input.typeName} has no ${USER_ID}`);
  return { fields };
}

/** Without `--user`, options only the administrator's request has (`--tenant-id`) make no sense. */
function refuseAdminOnlyOptions(fromOptions: JsonObject, method: DescMethodUnary, plan: OptionPlan): void {
  for (const { path, options } of plan.fields) {
    const name = path[0]?.name ?? "";
    if (fromOptions[name] !== undefined && !method.input.fields.some((field) => field.name === name)) {
      throw usageError(`${options[0]?.long ?? name} goes with --user`);
    }
  }
}

/** The method's primary REST binding, if it has one (it names positionals, the body and the answer). */
function restBinding(method: DescMethodUnary): HttpBinding | undefined {
  if (!hasOption(method, http)) return undefined;
  const rule = getOption(method, http);
  if (rule.pattern.case === undefined || rule.pattern.case === "custom") return undefined;
  return compileBinding(
    method,
    rule.pattern.case.toUpperCase() as HttpBinding["httpMethod"],
    rule.pattern.value,
    rule.body,
    rule.responseBody,
  );
}

/**
 * The request field REST's body fills when it is free-form JSON (a google.protobuf.Struct, as SCIM
 * resources are): `--data` is then that JSON itself, as REST clients send it, not a request
 * wrapping it, so that what `get -o json` printed goes back to `replace` unchanged.
 */
function jsonBodyOf(binding: HttpBinding | undefined): DescField | undefined {
  const body = binding?.body;
  if (body === undefined || body === "*" || body.fieldKind !== "message") return undefined;
  return body.message.typeName === "google.protobuf.Struct" ? body : undefined;
}

function positionalFields(spec: RpcCommandSpec, binding: HttpBinding | undefined): DescField[] {
  const request = (spec.forUser ?? spec.method).input;
  const fieldNamed = (name: string) => {
    const field = request.fields.find((f) => f.name === name);
    if (!field) throw new Error(`${request.typeName} has no field ${name}`);
    return field;
  };
  if (spec.positional) return spec.positional.map(fieldNamed);
  // The user the administrator's variant acts on is `--user`, not the path's last id.
  if (spec.forUser) return [];
  const last = binding?.variables[binding.variables.length - 1]?.fieldPath;
  if (last?.length !== 1 || (last[0] === TENANT_ID && spec.tenantScoped)) return [];
  return [fieldNamed(last[0] as string)];
}

function listOfMessages(message: DescMessage): readonly string[] | undefined {
  const lists = message.fields.filter((field) => field.fieldKind === "list" && field.listKind === "message");
  return lists.length === 1 && lists[0] ? [lists[0].name] : undefined;
}

/** `--data`: inline JSON, `@file`, or `-` for standard input. */
function readData(data: string | undefined): JsonObject {
  if (data === undefined) return {};
  let text = data;
  try {
    if (data === "-") text = readFileSync(0, "utf8");
    else if (data.startsWith("@")) text = readFileSync(data.slice(1), "utf8");
  } catch (error) {
    throw usageError(`--data: cannot read ${data === "-" ? "standard input" : data.slice(1)}: ${(error as Error).message}`);
  }
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw usageError(`--data is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw usageError("--data must be a JSON object");
  return parsed;
}

function withDefaultTenant(json: JsonObject, method: DescMethod, tenant: string | undefined): JsonObject {
  const hasTenantField = method.input.fields.some((field) => field.name === TENANT_ID);
  if (!hasTenantField || tenant === undefined || json[TENANT_ID] !== undefined) return json;
  return { ...json, [TENANT_ID]: tenant };
}

function decodeRequest(method: DescMethodUnary, json: JsonObject) {
  try {
    // As REST does: members the request lacks are ignored, so that what `get -o json` printed
    // (with `created_at` and the like) can be changed and sent back to `update`.
    return fromJson(method.input, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw usageError(`invalid request: ${(error as Error).message}`);
  }
}

/** Values of the examples, by field name; other fields show a placeholder. */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  tenant_id: "acme",
  user_id: "0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d",
  users_ids: "0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d",
  username: "alice",
  email: "alice@example.com",
  client_id: "my-app",
  key_id: "k7d2q9x4m3w8z5tb",
  session_id: "9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
  ip: "203.0.113.7",
  name: '"Deploy bot"',
  scopes: "users:read users:write",
};

/** `svault <group> <name> <positional values> <required options>`. */
function derivedExample(spec: RpcCommandSpec, positional: readonly DescField[], plan: OptionPlan): string {
  const sample = (field: DescField) => SAMPLE_VALUES[field.name] ?? `<${kebab(field.name)}>`;
  const words = ["svault", spec.group, spec.name, ...positional.map(sample)];
  for (const { path, options } of plan.fields) {
    const field = path[0];
    if (path.length !== 1 || !field || !isRequired(field)) continue;
    words.push((options[0]?.long ?? "") as string, sample(field));
  }
  return words.join(" ");
}

function isRequired(field: DescField): boolean {
  return hasOption(field, fieldExtension) && getOption(field, fieldExtension).required;
}
