// DATABASE_URL → the connection settings handed to MikroORM (and through it to node-pg).
//
// MikroORM's own `clientUrl` parsing (`new URL()`, core/connections/Connection.js) drops every
// query parameter and turns a missing port into 0, and WHATWG URLs reject the libpq form of a
// Unix socket (`postgres://user@/db?host=/var/run/postgresql`: a user name with an empty host).
// So the URL is parsed here, following libpq's URI syntax:
//
//   postgres[ql]://[user[:password]@][host][:port]/dbname[?param=value&...]
//
// - host: the `host` parameter when given, else the URL's host; empty means `localhost`. A host
//   starting with `/` is a socket directory: node-pg connects to `<dir>/.s.PGSQL.<port>`. The
//   directory may also be percent-encoded in the host position (`postgres://%2Fvar%2Frun%2Fpostgresql/db`).
// - port: the `port` parameter, else the URL's port, else 5432 (also the socket file's suffix).
// - user, password, dbname: percent-decoded. Without a user or password node-pg's defaults apply,
//   as libpq's do: PGUSER, else the operating-system user (peer authentication over a socket);
//   PGPASSWORD, else ~/.pgpass. The database name is required (MikroORM needs one).
// - sslmode: see `tlsFor`. Any other parameter is a configuration error rather than being
//   silently ignored, and so is a value sslmode does not know.
//
// Error messages never repeat the URL, a user name, a password, or a piece of one.

/** TLS settings for node-pg's `ssl` option (passed to `tls.connect`); false: plain connection. */
export type DatabaseTls = false | { readonly rejectUnauthorized: boolean };

export interface DatabaseConnection {
  /** Host name, IP address, or (starting with `/`) a Unix socket directory. */
  readonly host: string;
  readonly port: number;
  /** Undefined: node-pg's default (PGUSER, else the operating-system user). */
  readonly user: string | undefined;
  /** Undefined: node-pg's default (PGPASSWORD, else ~/.pgpass). */
  readonly password: string | undefined;
  readonly database: string;
  /** Undefined: no sslmode in the URL, node-pg's default (no TLS unless PGSSLMODE says otherwise). */
  readonly tls: DatabaseTls | undefined;
}

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUrlError";
  }
}

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

const PARAMETERS = ["host", "port", "sslmode"] as const;
type Parameter = (typeof PARAMETERS)[number];

export const DEFAULT_PORT = 5432;

/**
 * libpq's sslmode as node-pg TLS settings. node-pg cannot do what libpq does for `allow` and
 * `prefer` — try one kind of connection and fall back to the other — and its own URL parser
 * (pg-connection-string 2.x) treats `prefer`, `require` and `verify-ca` as `verify-full`, which
 * refuses a server without TLS (something libpq's `prefer` never does) and a server whose
 * certificate does not verify (something libpq's `require` never does). We keep libpq's promises
 * instead, as node-pg's `uselibpqcompat=true` mode does for `require`:
 * - `disable`, `allow`, `prefer`: a plain connection, which libpq's `allow` and `prefer` also
 *   settle for (a server whose pg_hba.conf insists on TLS refuses it). libpq's `prefer` would
 *   encrypt when the server offers TLS, but without verifying anyone; write `require` (or
 *   stronger) for TLS.
 * - `require`: TLS, the certificate not verified (encrypted, but open to an active
 *   man-in-the-middle), as in libpq.
 * - `verify-ca`, `verify-full`: TLS with the certificate verified against Node's trusted CAs
 *   (add a private CA with NODE_EXTRA_CA_CERTS). Node's TLS also checks that the certificate
 *   names the host, so `verify-ca` is as strict as `verify-full` — libpq's `verify-ca` skips
 *   that check, which node-pg only allows with a pinned root certificate (not supported here).
 */
function tlsFor(sslmode: SslMode): DatabaseTls {
  switch (sslmode) {
    case "disable":
    case "allow":
    case "prefer":
      return false;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
    case "verify-full":
      return { rejectUnauthorized: true };
  }
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseUrlError(`DATABASE_URL has a malformed percent-encoding in its ${what}`);
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new DatabaseUrlError(`DATABASE_URL port must be a number from 1 to 65535, got "${text}"`);
  }
  return port;
}

function parseQuery(query: string): Partial<Record<Parameter, string>> {
  const parameters: Partial<Record<Parameter, string>> = {};
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decode(equals < 0 ? pair : pair.slice(0, equals), "query");
    const value = decode(equals < 0 ? "" : pair.slice(equals + 1), "query");
    // The name only: an unknown parameter may be a secret (`password=`) that must not be logged.
    if (!(PARAMETERS as readonly string[]).includes(name)) {
      throw new DatabaseUrlError(`DATABASE_URL has an unsupported parameter ${JSON.stringify(name)} (supported: ${PARAMETERS.join(", ")})`);
    }
    if (parameters[name as Parameter] !== undefined) throw new DatabaseUrlError(`DATABASE_URL has the parameter "${name}" twice`);
    parameters[name as Parameter] = value;
  }
  return parameters;
}

/** Parses a DATABASE_URL; throws DatabaseUrlError (naming DATABASE_URL) when it is not usable. */
export function parseDatabaseUrl(url: string): DatabaseConnection {
  const match = /^postgres(?:ql)?:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i.exec(url);
  if (!match) throw new DatabaseUrlError("DATABASE_URL must be a URL starting with postgres:// or postgresql://");
  const [, authority = "", path = "", query = "", fragment] = match;
  // A '/', '?' or '#' left unencoded in a password ends the host early; say so without echoing
  // the pieces, which would be parts of the password.
  if (fragment !== undefined || path.includes("@") || query.includes("@")) {
    throw new DatabaseUrlError("DATABASE_URL is malformed: percent-encode / ? # @ : in a user name or password (%2F %3F %23 %40 %3A)");
  }

  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "user name") || undefined;
    password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), "password") || undefined;
  }

  // host[:port], where host may be an IPv6 address in brackets.
  const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  if (!hostMatch) throw new DatabaseUrlError("DATABASE_URL has a malformed host (write an IPv6 address in brackets: [::1])");
  const [, rawHost = "", rawPort] = hostMatch;
  const urlHost = decode(rawHost.replace(/^\[(.*)\]$/, "$1"), "host");

  const parameters = parseQuery(query);
  if (parameters.host === "") throw new DatabaseUrlError("DATABASE_URL has an empty host parameter");
  const host = parameters.host ?? (urlHost || "localhost");
  if (host.includes(",")) throw new DatabaseUrlError("DATABASE_URL must name a single host (a list of hosts is not supported)");
  const portText = parameters.port ?? (rawPort === undefined || rawPort === "" ? undefined : rawPort);
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText);

  const database = decode(path.replace(/^\//, ""), "database name");
  if (database === "") throw new DatabaseUrlError("DATABASE_URL must name the database (postgres://host/dbname)");

  let sslmode: SslMode | undefined;
  if (parameters.sslmode !== undefined) {
    if (!(SSL_MODES as readonly string[]).includes(parameters.sslmode)) {
      throw new DatabaseUrlError(`DATABASE_URL sslmode must be one of ${SSL_MODES.join(", ")}, got ${JSON.stringify(parameters.sslmode)}`);
    }
    sslmode = parameters.sslmode as SslMode;
  }
  // Postgres has no TLS on Unix sockets; libpq ignores sslmode there (and so does this, including
  // a PGSSLMODE in the environment, which would make node-pg ask for TLS and fail).
  const tls = host.startsWith("/") ? false : sslmode === undefined ? undefined : tlsFor(sslmode);

  return Object.freeze({ host, port, user, password, database, tls });
}
