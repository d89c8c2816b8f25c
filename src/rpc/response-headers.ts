// A call's response headers or trailers as the `Headers` its handler and interceptors write to,
// without an undici `Headers` for the usual writes. Most calls never set a trailer, and the headers
// a handler sets are one to three plain ones (`cache-control`, `pragma`, `location`,
// `x-http-code`); an undici `Headers` per call — its header list made, every name and value
// validated and normalised, the entries sorted again for each iteration — cost ≈ 1.5 µs per answer
// against ≈ 0.3 µs for a small sorted list (docs/performance.md, "The REST path every endpoint
// takes"). This view keeps such writes itself: a lower-case token name (not `set-cookie` or
// `cookie`, which Headers treats apart) with a value Headers stores as given (printable, no
// surrounding whitespace, nothing above U+00FF), in the sorted, lower-case order a `Headers`
// iterates in, values appended as Headers joins them (", "). Any other write — and everything
// after it — goes to a real `Headers` filled with the entries so far, so each method answers, and
// throws, exactly as that `Headers` does. It starts with the entries given (none for REST; the
// gRPC listener's content type and `grpc-status: 0`). `instanceof Headers` holds (the prototype
// chain includes Headers.prototype) without Headers' constructor having run: every method Headers
// has is overridden here, none reaches undici's brand checks.
import { inspect } from "node:util";

/** A header as it starts: a lower-case name and a value that needs no normalising. */
export type InitialHeader = readonly [name: string, value: string];

/** A header name as RFC 9110's `token`: the names Headers accepts. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A value Headers stores unchanged: not empty, no surrounding whitespace, no control character but tab, nothing above U+00FF. */
const PLAIN_VALUE = /^[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/;

const NO_HEADERS: readonly InitialHeader[] = [];

/** Whether this view may keep the write itself (else a real Headers takes it: its checks, its errors). */
function plainWrite(name: string, value: string): boolean {
  return typeof name === "string" && typeof value === "string" && HEADER_NAME.test(name) && PLAIN_VALUE.test(value);
}

/** Names Headers treats apart: `set-cookie` values are kept one by one, `cookie` ones joined by "; ". */
function cookieName(lower: string): boolean {
  return lower === "set-cookie" || lower === "cookie";
}

export class ResponseHeaders {
  /** The real headers once a write needed them; before that undefined, and `#entries` holds them. */
  #headers: Headers | undefined;
  /** The entries, sorted by name; replaced (never changed in place) on every write, so iterations see a snapshot. */
  #entries: readonly InitialHeader[];
  #written = false;

  /**
   * Response headers starting empty, or with `initial` (lower-case names, sorted by name, values
   * without surrounding whitespace: what a `Headers` would hold for them).
   */
  static of(initial: readonly InitialHeader[] = NO_HEADERS): Headers {
    return new ResponseHeaders(initial) as unknown as Headers;
  }

  private constructor(initial: readonly InitialHeader[]) {
    this.#entries = initial;
  }

  /** Whether anything was written (tests; a writer that needs the entries reads them as usual). */
  get written(): boolean {
    return this.#written;
  }

  /** Whether a real `Headers` holds the entries (tests: the writes this view keeps itself make none). */
  get madeHeaders(): boolean {
    return this.#headers !== undefined;
  }

  get(name: string): string | null {
    if (this.#headers) return this.#headers.get(name);
    // A name Headers refuses throws as Headers throws it.
    if (!HEADER_NAME.test(name)) return new Headers().get(name);
    const lower = name.toLowerCase();
    for (const [entryName, value] of this.#entries) if (entryName === lower) return value;
    return null;
  }

  has(name: string): boolean {
    if (this.#headers) return this.#headers.has(name);
    // A name Headers refuses throws as Headers#has throws it.
    if (!HEADER_NAME.test(name)) return new Headers().has(name);
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.#written = true;
    const lower = !this.#headers && plainWrite(name, value) ? name.toLowerCase() : undefined;
    if (lower === undefined || cookieName(lower)) this.#real().set(name, value);
    else this.#put(lower, value, false);
  }

  append(name: string, value: string): void {
    this.#written = true;
    const lower = !this.#headers && plainWrite(name, value) ? name.toLowerCase() : undefined;
    if (lower === undefined || cookieName(lower)) this.#real().append(name, value);
    else this.#put(lower, value, true);
  }

  delete(name: string): void {
    this.#written = true;
    if (this.#headers || typeof name !== "string" || !HEADER_NAME.test(name)) {
      this.#real().delete(name);
      return;
    }
    const lower = name.toLowerCase();
    if (this.#entries.some(([entryName]) => entryName === lower))
      this.#entries = this.#entries.filter(([entryName]) => entryName !== lower);
  }

  getSetCookie(): string[] {
    // This view never keeps a `set-cookie` itself.
    return this.#headers ? this.#headers.getSetCookie() : [];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    if (this.#headers) {
      this.#headers.forEach((value, key) => {
        callback.call(thisArg, value, key, this as unknown as Headers);
      });
      return;
    }
    for (const [name, value] of this.#entries) callback.call(thisArg, value, name, this as unknown as Headers);
  }

  entries(): IterableIterator<[string, string]> {
    return this.#headers ? this.#headers.entries() : this.#entries.map(([name, value]): [string, string] => [name, value]).values();
  }

  keys(): IterableIterator<string> {
    return this.#headers ? this.#headers.keys() : this.#entries.map(([name]) => name).values();
  }

  values(): IterableIterator<string> {
    return this.#headers ? this.#headers.values() : this.#entries.map(([, value]) => value).values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }

  [inspect.custom](depth: number, options: object): string {
    return `Headers ${inspect(Object.fromEntries(this.entries()), { ...options, depth })}`;
  }

  /** Sets (or appends to, joined as Headers joins) the entry `lower`, keeping the entries sorted. */
  #put(lower: string, value: string, append: boolean): void {
    const entries = this.#entries;
    let at = 0;
    while (at < entries.length && (entries[at] as InitialHeader)[0] < lower) at++;
    const existing = entries[at];
    const replaces = existing !== undefined && existing[0] === lower;
    const entry: InitialHeader = [lower, replaces && append ? `${existing[1]}, ${value}` : value];
    const next = entries.slice();
    next.splice(at, replaces ? 1 : 0, entry);
    this.#entries = next;
  }

  /** The real `Headers`, made (with the entries so far) on first need. */
  #real(): Headers {
    if (!this.#headers) {
      const headers = new Headers();
      for (const [name, value] of this.#entries) headers.append(name, value);
      this.#headers = headers;
      this.#entries = NO_HEADERS;
    }
    return this.#headers;
  }
}

// Handlers and libraries may ask `instanceof Headers`: the view is one, without Headers' state.
Object.setPrototypeOf(ResponseHeaders.prototype, Headers.prototype);
