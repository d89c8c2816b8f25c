// A call's response headers or trailers as the `Headers` its handler and interceptors write to,
// made only when something is written. Most calls never set a trailer, and many set no header;
// every `new Headers()` is an undici object with its own header list, made twice per call (one
// for the headers, one for the trailers) and dropped unread. Until the first change this view
// answers from the entries it started with (none for REST; the gRPC listener's content type and
// `grpc-status: 0`), in the sorted, lower-case order a `Headers` iterates in; every change, and
// every method reading more than a name, goes to a real `Headers` filled with those entries, so
// each method answers exactly as that `Headers` does. `instanceof Headers` holds (the prototype
// chain includes Headers.prototype) without Headers' constructor having run: every method Headers
// has is overridden here, none reaches undici's brand checks.
import { inspect } from "node:util";

/** A header as it starts: a lower-case name and a value that needs no normalising. */
export type InitialHeader = readonly [name: string, value: string];

/** A header name as RFC 9110's `token`: the names Headers accepts. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const NO_HEADERS: readonly InitialHeader[] = [];

export class ResponseHeaders {
  /** The real headers once anything was written; before that undefined, and `#initial` holds them. */
  #headers: Headers | undefined;
  readonly #initial: readonly InitialHeader[];

  /**
   * Response headers starting empty, or with `initial` (lower-case names, sorted by name, values
   * without surrounding whitespace: what a `Headers` would hold for them).
   */
  static of(initial: readonly InitialHeader[] = NO_HEADERS): Headers {
    return new ResponseHeaders(initial) as unknown as Headers;
  }

  private constructor(initial: readonly InitialHeader[]) {
    this.#initial = initial;
  }

  /** Whether anything was written (tests; a writer that needs the entries reads them as usual). */
  get written(): boolean {
    return this.#headers !== undefined;
  }

  get(name: string): string | null {
    if (this.#headers) return this.#headers.get(name);
    // A name Headers refuses throws as Headers throws it.
    if (!HEADER_NAME.test(name)) return new Headers().get(name);
    const lower = name.toLowerCase();
    for (const [initialName, value] of this.#initial) if (initialName === lower) return value;
    return null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.#real().set(name, value);
  }

  append(name: string, value: string): void {
    this.#real().append(name, value);
  }

  delete(name: string): void {
    this.#real().delete(name);
  }

  getSetCookie(): string[] {
    return this.#headers ? this.#headers.getSetCookie() : [];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    if (this.#headers) {
      this.#headers.forEach((value, key) => {
        callback.call(thisArg, value, key, this as unknown as Headers);
      });
      return;
    }
    for (const [name, value] of this.#initial) callback.call(thisArg, value, name, this as unknown as Headers);
  }

  entries(): IterableIterator<[string, string]> {
    return this.#headers ? this.#headers.entries() : this.#initial.map(([name, value]): [string, string] => [name, value]).values();
  }

  keys(): IterableIterator<string> {
    return this.#headers ? this.#headers.keys() : this.#initial.map(([name]) => name).values();
  }

  values(): IterableIterator<string> {
    return this.#headers ? this.#headers.values() : this.#initial.map(([, value]) => value).values();
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

  /** The real `Headers`, made (with the initial entries) on first need. */
  #real(): Headers {
    if (!this.#headers) {
      const headers = new Headers();
      for (const [name, value] of this.#initial) headers.append(name, value);
      this.#headers = headers;
    }
    return this.#headers;
  }
}

// Handlers and libraries may ask `instanceof Headers`: the view is one, without Headers' state.
Object.setPrototypeOf(ResponseHeaders.prototype, Headers.prototype);
