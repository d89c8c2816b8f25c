// Configuration for a server under test: ephemeral ports, a private data directory, a random KEK.
import { randomBytes } from "node:crypto";
import { loadConfig, type Config } from "../../src/config/config.js";
import { tempDir } from "./temp-dir.js";

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    PORT: "0",
    GRPC_PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: tempDir("test"),
    SVAULT_KEK: randomBytes(32).toString("base64"),
    LOG_LEVEL: "warn",
    SVAULT_ENV: "test",
    // Tests send everything from one address, far faster than people do: limits that count (the
    // statements run) but never trip. The rate-limit tests set their own.
    RATE_LIMIT_CLIENT_FAILURES: "1000000/60",
    RATE_LIMIT_KEY_FAILURES: "1000000/60",
    RATE_LIMIT_ADDRESS_FAILURES: "1000000/60",
    RATE_LIMIT_REGISTRATION_CHALLENGES: "1000000/60",
    RATE_LIMIT_RESET_REQUESTS: "1000000/60",
    ...env,
  });
}
