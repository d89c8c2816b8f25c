// `npm run bench:bursts`: the parallel-burst figures of docs/operations.md ("Rate limits") and
// docs/login-protocol.md §8. Two instances of the real server (bench/auth-bench-server.ts) on one
// fresh database, with the production defaults (a tenant's default block_config, the RATE_LIMIT_*
// defaults), and bursts of requests sent all at once, alternately to the two instances, each burst
// from a client address of its own (X-Forwarded-For behind one trusted proxy). Prints, per burst,
// how many answers of each status came back; exits 1 on any other failure (5xx, network).
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import * as opaque from "@serenity-kit/opaque";
import { issueApiKey, parseApiKey } from "../src/domain/auth/api-key-secret.js";
import { loginCipherKey, registerCipherKey } from "../src/sdk/challenge-data.js";
import { children, freePort, spawnService, stopChild } from "./bench-machine.js";
import { createBenchDatabase } from "./database.js";

const USER_TENANT = "burst-users";
const ADDRESS_TENANT = "burst-addresses";

interface Instance {
  readonly baseUrl: string;
}

async function startInstance(env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  const child = spawnService(["bench/auth-bench-server.ts"], {
    ...process.env,
    ...env,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TRUST_PROXY_HOPS: "1",
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return { baseUrl: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const answer = { status: res.status, body: await res.text() };
  if (answer.status >= 500) throw new Error(`${url}: ${answer.status} ${answer.body.slice(0, 200)}`);
  return answer;
}

const json = (address: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  "x-forwarded-for": address,
  ...extra,
});

let addresses = 0;

interface Burst {
  readonly name: string;
  readonly limit: string;
  readonly count: number;
  readonly request: (at: Instance, i: number, address: string) => Promise<Answer>;
}

async function run(instances: readonly Instance[], burst: Burst): Promise<string> {
  const address = `198.51.100.${++addresses}`;
  const answers = await Promise.all(
    Array.from({ length: burst.count }, (_, i) => burst.request(instances[i % instances.length] as Instance, i, address)),
  );
  const counts = new Map<number, number>();
  for (const { status } of answers) counts.set(status, (counts.get(status) ?? 0) + 1);
  const seen = [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${n} × ${status}`);
  return `| ${burst.name} | ${burst.count} | ${seen.join(", ")} | ${burst.limit} |`;
}

const database = await createBenchDatabase();
const adminKey = issueApiKey().key;
try {
  const env = { DATABASE_URL: database.url, SVAULT_KEK: randomBytes(32).toString("base64"), SVAULT_BOOTSTRAP_API_KEY: adminKey };
  const first = await startInstance(env);
  const second = await startInstance({ ...env, DATABASE_PIPELINES: "0" });
  const admin = (path: string, body: unknown) =>
    call(`${first.baseUrl}${path}`, { method: "POST", headers: json("192.0.2.1", { "x-api-key": adminKey }), body: JSON.stringify(body) });
  for (const tenantId of [USER_TENANT, ADDRESS_TENANT]) {
    await admin("/api/v1/tenants", { tenant_id: tenantId, register_enable: true, has_username_and_email: false });
  }
  const client = await admin("/api/v1/clients", {
    tenant_id: USER_TENANT,
    client_id: "backend",
    name: "backend",
    redirect_uris: ["http://localhost:4000/callback"],
    flow: { grant_types: ["client_credentials"] },
  });
  if (client.status !== 201) throw new Error(`creating the client: ${client.status} ${client.body}`);

  await opaque.ready;
  const ke1 = () => loginCipherKey(opaque.client.startLogin({ password: "pinpat/v1|PIN:000000" }).startLoginRequest);
  const getChallenge = (at: Instance, tenantId: string, username: string, address: string) =>
    call(`${at.baseUrl}/api/v1/auth/challenge?tenant_id=${tenantId}`, {
      method: "POST",
      headers: json(address),
      body: JSON.stringify({ username, cipherKey: ke1() }),
    });
  const wrongKey = `svk_${parseApiKey(adminKey)?.id}_${"A".repeat(43)}`;
  const bursts: Burst[] = [
    {
      name: "Get Challenge, one username",
      limit: "5 free, then delays (1 s, 2 s …); block after 10",
      count: 100,
      request: (at, _i, address) => getChallenge(at, USER_TENANT, "target", address),
    },
    {
      name: "Get Challenge, one address, different usernames",
      limit: "50 per address per 15 min",
      count: 150,
      request: (at, i, address) => getChallenge(at, ADDRESS_TENANT, `spray-${i}`, address),
    },
    {
      name: "wrong client secret (token endpoint)",
      limit: "20 failures per client per 60 s",
      count: 300,
      request: (at, _i, address) =>
        call(`${at.baseUrl}/${USER_TENANT}/token`, {
          method: "POST",
          headers: { "x-forwarded-for": address, authorization: `Basic ${Buffer.from("backend:wrong").toString("base64")}` },
          body: new URLSearchParams({ grant_type: "client_credentials" }),
        }),
    },
    {
      name: "wrong API key (admin API)",
      limit: "20 failures per key id, 50 per address, per 60 s",
      count: 300,
      request: (at, _i, address) => call(`${at.baseUrl}/api/v1/tenants`, { headers: json(address, { "x-api-key": wrongKey }) }),
    },
    {
      name: "garbage bearer token (admin API)",
      limit: "50 failures per address per 60 s",
      count: 300,
      request: (at, i, address) =>
        call(`${at.baseUrl}/api/v1/tenants`, { headers: json(address, { authorization: `Bearer garbage.${i}.token` }) }),
    },
    {
      name: "registration challenge",
      limit: "20 per address per 60 s",
      count: 100,
      request: (at, _i, address) =>
        call(`${at.baseUrl}/api/v1/auth/challenge?tenant_id=${USER_TENANT}`, {
          method: "POST",
          headers: json(address),
          body: JSON.stringify({
            username: "newcomer",
            cipherKey: registerCipherKey(opaque.client.startRegistration({ password: "pinpat/v1|PIN:000000" }).registrationRequest),
          }),
        }),
    },
    {
      name: "reset-password request",
      limit: "10 per address per 300 s",
      count: 30,
      request: (at, _i, address) =>
        call(`${at.baseUrl}/api/v1/auth/reset-password?tenant_id=${USER_TENANT}`, {
          method: "POST",
          headers: json(address),
          body: JSON.stringify({ username: "someone", email: "someone@example.com" }),
        }),
    },
  ];
  const rows: string[] = [];
  for (const burst of bursts) rows.push(await run([first, second], burst));
  console.log(`Parallel bursts, ${new Date().toISOString()}: two instances on one database, production defaults.\n`);
  console.log("| burst (all at once, alternately to both instances) | requests | answers | limit |");
  console.log("|---|---:|---|---|");
  for (const row of rows) console.log(row);
} finally {
  await Promise.all([...children].map((child) => stopChild(child)));
  await database.drop();
}
