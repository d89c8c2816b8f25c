// DATABASE_URL is parsed by the service, not by MikroORM (which drops the query parameters):
// libpq's socket form, percent-decoding, the default port, sslmode, and errors that name the
// variable at configuration time. Then what reaches node-pg: the TLS settings each sslmode gives,
// seen from a stand-in server that answers node-pg's SSLRequest with a self-signed certificate.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { createSelfSignedRsaCertificate } from "../../src/crypto/x509.js";
import { openDatabase, ormOptions } from "../../src/persistence/database.js";
import { DatabaseUrlError, parseDatabaseUrl } from "../../src/persistence/database-url.js";
import { captureLogs } from "../support/log-capture.js";
import { testConfig } from "../support/test-config.js";
import { until } from "../support/until.js";

function problemsOf(databaseUrl: string): string[] {
  try {
    loadConfig({ DATABASE_URL: databaseUrl });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseDatabaseUrl", () => {
  it("reads libpq's Unix socket form: an empty host and the socket directory in ?host=", () => {
    assert.deepEqual(parseDatabaseUrl("postgres://svault@/idp?host=/var/run/postgresql"), {
      host: "/var/run/postgresql",
      port: 5432,
      user: "svault",
      password: undefined,
      database: "idp",
      tls: false,
    });
    const withPort = parseDatabaseUrl("postgresql://svault@/idp?host=/run/pg&port=5433");
    assert.equal(withPort.host, "/run/pg");
    assert.equal(withPort.port, 5433, "the socket file is /run/pg/.s.PGSQL.5433");
    assert.equal(
      parseDatabaseUrl("postgres://%2Fvar%2Frun%2Fpostgresql/idp").host,
      "/var/run/postgresql",
      "percent-encoded in the host position",
    );
    assert.equal(parseDatabaseUrl("postgres://u@db.internal/idp?host=/tmp").host, "/tmp", "the host parameter wins over the URL's host");
  });

  it("percent-decodes the user, password and database, and keeps an unencoded @ in the password", () => {
    const connection = parseDatabaseUrl("postgres://app%20user:p%40ss%3Aw%2Fo%3Frd%23@db.example.com:6432/my%20db");
    assert.equal(connection.user, "app user");
    assert.equal(connection.password, "p@ss:w/o?rd#");
    assert.equal(connection.database, "my db");
    assert.equal(connection.host, "db.example.com");
    assert.equal(connection.port, 6432);
    assert.equal(parseDatabaseUrl("postgres://u:p@ss@h/db").password, "p@ss", "the host starts after the last @");
    assert.equal(parseDatabaseUrl("postgres://u:a:b@h/db").password, "a:b", "the password runs from the first colon");
  });

  it("defaults the port to 5432 (MikroORM made an empty port 0) and an empty host to localhost", () => {
    assert.equal(parseDatabaseUrl("postgres://u@db/idp").port, 5432);
    assert.equal(parseDatabaseUrl("postgres://u@db:/idp").port, 5432);
    const bare = parseDatabaseUrl("postgres:///idp");
    assert.equal(bare.host, "localhost");
    assert.equal(bare.port, 5432);
    assert.equal(bare.user, undefined, "node-pg's default user (PGUSER, else the OS user)");
    assert.equal(parseDatabaseUrl("postgres://[::1]:6000/idp").host, "::1", "IPv6 without its brackets");
    assert.equal(parseDatabaseUrl("POSTGRESQL://h/idp").host, "h", "the scheme in any case");
  });

  it("maps each sslmode to node-pg TLS settings", () => {
    const tlsOf = (sslmode: string) => parseDatabaseUrl(`postgres://u@db.example.com/idp?sslmode=${sslmode}`).tls;
    assert.equal(parseDatabaseUrl("postgres://u@db.example.com/idp").tls, undefined, "none: node-pg's default");
    assert.equal(tlsOf("disable"), false);
    assert.equal(tlsOf("allow"), false);
    assert.equal(tlsOf("prefer"), false, "node-pg cannot fall back from TLS to plain: prefer connects without TLS");
    assert.deepEqual(tlsOf("require"), { rejectUnauthorized: false });
    assert.deepEqual(tlsOf("verify-ca"), { rejectUnauthorized: true });
    assert.deepEqual(tlsOf("verify-full"), { rejectUnauthorized: true });
    assert.equal(
      parseDatabaseUrl("postgres://u@/idp?host=/var/run/postgresql&sslmode=require").tls,
      false,
      "no TLS on a Unix socket (libpq ignores sslmode there)",
    );
  });

  it("rejects what it cannot honour, naming DATABASE_URL and never echoing the password", () => {
    const cases: [string, RegExp][] = [
      [
        "postgres://u:secret@h/idp?sslmode=always",
        /^DATABASE_URL sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got "always"$/,
      ],
      ["postgres://u:secret@h/idp?sslmode=", /^DATABASE_URL sslmode must be one of .*, got ""$/],
      ["postgres://u:secret@h/idp?schema=auth", /^DATABASE_URL has an unsupported parameter "schema" \(supported: host, port, sslmode\)$/],
      ["postgres://u@h/idp?password=secret", /^DATABASE_URL has an unsupported parameter "password"/],
      ["postgres://u:secret@h/idp?sslmode=require&sslmode=disable", /^DATABASE_URL has the parameter "sslmode" twice$/],
      ["postgres://u:secret@h:99999/idp", /^DATABASE_URL port must be a number from 1 to 65535, got "99999"$/],
      ["postgres://u:secret@h/idp?port=x", /^DATABASE_URL port must be a number/],
      ["postgres://u:secret@h/idp?host=", /^DATABASE_URL has an empty host parameter$/],
      ["postgres://u:secret@h/idp?host=a,b", /^DATABASE_URL must name a single host/],
      ["postgres://u:secret@h", /^DATABASE_URL must name the database/],
      ["postgres://u:sec#ret@h/idp", /^DATABASE_URL is malformed: percent-encode/],
      ["postgres://u:sec/ret@h/idp", /^DATABASE_URL is malformed: percent-encode/],
      ["postgres://u:sec?ret@h/idp", /^DATABASE_URL is malformed: percent-encode/],
      ["postgres://u:secret%ZZ@h/idp", /^DATABASE_URL has a malformed percent-encoding in its password$/],
      ["mysql://u:secret@h/idp", /^DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\/$/],
    ];
    for (const [url, message] of cases) {
      assert.throws(
        () => parseDatabaseUrl(url),
        (error: unknown) => {
          assert.ok(error instanceof DatabaseUrlError, url);
          assert.match(error.message, message, url);
          assert.doesNotMatch(error.message, /secret|sec|ret@/, `${url}: no part of the password`);
          return true;
        },
      );
    }
  });
});

describe("DATABASE_URL in the configuration", () => {
  it("is parsed when the configuration loads", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://svault@/idp?host=/var/run/postgresql" });
    assert.equal(config.databaseUrl, "postgres://svault@/idp?host=/var/run/postgresql");
    assert.equal(config.databaseConnection?.host, "/var/run/postgresql");
    assert.equal(loadConfig({}).databaseConnection, undefined, "unset: the embedded database");
  });

  it("is a configuration error, with the others, when it cannot be honoured", () => {
    assert.deepEqual(problemsOf("postgres://u:secret@db/idp?sslmode=maybe"), [
      'DATABASE_URL sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got "maybe"',
    ]);
    assert.deepEqual(problemsOf("postgres://u@db/idp?connect_timeout=5"), [
      'DATABASE_URL has an unsupported parameter "connect_timeout" (supported: host, port, sslmode)',
    ]);
    assert.throws(
      () => loadConfig({ DATABASE_URL: "postgres://u@db/idp?sslmode=maybe", PORT: "eighty" }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 2 && error.problems[0]?.startsWith("PORT") === true,
      "reported together with the other bad variables",
    );
  });
});

describe("ormOptions", () => {
  it("hands MikroORM host, port and credentials — no clientUrl — and node-pg its ssl setting", () => {
    const logs = captureLogs("warn");
    const options = ormOptions(
      { connection: parseDatabaseUrl("postgres://u:p%40ss@/idp?host=/run/pg&port=5433"), poolMax: 3 },
      logs.logger,
    );
    assert.equal(options.clientUrl, undefined);
    assert.deepEqual(
      { host: options.host, port: options.port, user: options.user, password: options.password, dbName: options.dbName },
      { host: "/run/pg", port: 5433, user: "u", password: "p@ss", dbName: "idp" },
    );
    assert.deepEqual(options.driverOptions?.connection, { application_name: "svault", ssl: false });
    const tls = ormOptions({ connection: parseDatabaseUrl("postgres://h/idp?sslmode=require"), poolMax: 3 }, logs.logger);
    assert.deepEqual(tls.driverOptions?.connection, { application_name: "svault", ssl: { rejectUnauthorized: false } });
    assert.equal(tls.user, "", "no user in the URL: node-pg's default, not MikroORM's `postgres`");
  });
});

// A stand-in for a Postgres server that offers TLS: it answers node-pg's SSLRequest with 'S', runs
// the TLS handshake with a self-signed certificate, and reports what the client did.
type Seen = "plain startup" | "tls established" | "tls refused by the client";
const SSL_REQUEST_CODE = 80877103;

async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = createSelfSignedRsaCertificate({
    commonName: "127.0.0.1",
    privateKeyPkcs8: privateKey.export({ type: "pkcs8", format: "der" }),
    publicKeySpki: publicKey.export({ type: "spki", format: "der" }),
  });
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert };
}

describe("sslmode, as node-pg sees it through MikroORM", () => {
  let server: Server;
  let port: number;
  const seen: Seen[] = [];
  /** Emits "seen" on each thing the stand-in saw. */
  const observed = new EventEmitter();
  const see = (what: Seen) => {
    seen.push(what);
    observed.emit("seen");
  };

  before(async () => {
    const { key, cert } = await selfSignedCertificate();
    server = createServer((socket: Socket) => {
      socket.once("data", (first: Buffer) => {
        if (first.length >= 8 && first.readInt32BE(4) === SSL_REQUEST_CODE) {
          socket.write("S");
          const tls = new TLSSocket(socket, { isServer: true, key, cert });
          let secure = false;
          tls.on("secure", () => {
            secure = true;
            see("tls established");
            tls.destroy();
          });
          // A client that refuses the certificate closes the connection, with or without an alert.
          tls.on("error", () => tls.destroy());
          tls.on("close", () => {
            if (!secure) see("tls refused by the client");
          });
        } else {
          see("plain startup");
          socket.destroy();
        }
      });
      socket.on("error", () => {});
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** What the stand-in server saw, and the error the service got, opening the database with the sslmode. */
  async function connectWith(sslmode: string): Promise<{ seen: Seen[]; error: string }> {
    seen.length = 0;
    const config = testConfig({ DATABASE_URL: `postgres://u:pw@127.0.0.1:${port}/idp?sslmode=${sslmode}` });
    const error = await openDatabase(config, captureLogs("silent").logger).then(
      async (database) => {
        await database.close();
        return "no error";
      },
      (error: unknown) => String(error),
    );
    // The server may take the client's TLS alert a moment after the client gave up.
    await until(() => seen.length > 0, { what: "the stand-in server has seen the client", on: [observed, "seen"] });
    return { seen: [...seen], error };
  }

  it("disable, allow, prefer: a plain connection", async () => {
    for (const sslmode of ["disable", "allow", "prefer"]) {
      assert.deepEqual((await connectWith(sslmode)).seen, ["plain startup"], sslmode);
    }
  });

  it("require: TLS, the self-signed certificate accepted", async () => {
    assert.deepEqual((await connectWith("require")).seen, ["tls established"]);
  });

  it("verify-ca, verify-full: TLS, the self-signed certificate refused", async () => {
    for (const sslmode of ["verify-ca", "verify-full"]) {
      const { seen, error } = await connectWith(sslmode);
      assert.deepEqual(seen, ["tls refused by the client"], sslmode);
      assert.match(error, /self[- ]signed certificate/, sslmode);
    }
  });
});
