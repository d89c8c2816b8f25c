// The service's own configuration check applied to a deployment file's environment: the variables
// must pass loadConfig as the container would start with them, and every name must be one the
// service (or Node) reads, so that a misspelt variable cannot silently fall back to its default.
import { ConfigError, loadConfig } from "../../src/config/config.js";

/** Variables Node itself reads, which loadConfig does not. */
const NODE_VARIABLES = new Set(["NODE_ENV", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"]);

export interface EnvCheck {
  /** loadConfig's problems (empty: the service would start with this environment). */
  readonly problems: readonly string[];
  /** Names set but read neither by the service nor by Node. */
  readonly unread: readonly string[];
}

export function checkServiceEnv(env: Readonly<Record<string, string>>): EnvCheck {
  const read = new Set<string>();
  const recorder = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === "string") read.add(name);
      return target[name as string];
    },
  });
  let problems: readonly string[] = [];
  try {
    loadConfig(recorder);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  return { problems, unread: Object.keys(env).filter((name) => !read.has(name) && !NODE_VARIABLES.has(name)) };
}
