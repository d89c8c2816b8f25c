// A call's request headers as the `Headers` a Connect handler reads, over Node's parsed headers,
// without copying them: the REST gateway's HTTP/1.1 requests (src/transcoding/call-context.ts) and
// the gRPC listener's HTTP/2 streams (grpc-listener.ts) alike. Both used to copy every header of
// every call into an undici `Headers` — each name and value validated and normalised — though
// handlers and interceptors read two or three of them by name (`authorization`, `dpop`,
// `x-api-key`, `cookie`, `content-type`). `get` and `has` read Node's headers (lower-case names;
// repeated headers already joined, `set-cookie` an array); iteration or a change first makes the
// copy that used to be made, without HTTP/2's pseudo-headers (`:path`, `:authority`…, which a
// `Headers` cannot hold), and answers from it, so every method answers as a filled `Headers` does.
// A name `Headers` refuses (a pseudo-header's among them) throws as `Headers` throws it.
//
// Values need no normalising: Node never delivers one with surrounding whitespace or a control
// character (its HTTP/1.1 parser trims the one and refuses the other, nghttp2 refuses both), which
// is all `Headers` would change.
// HTTP/2's IncomingHttpHeaders extends this one with the pseudo-headers.
import type { IncomingHttpHeaders } from "node:http";
import { inspect } from "node:util";
import { HEADER_NAME } from "./response-headers.js";

export class RequestHeaders {
  /** Node's headers until the first call that needs a real copy; then undefined. */
  #source: IncomingHttpHeaders | undefined;
  /** The copy, once made. */
  #copy: Headers | undefined;

  /**
   * Node's parsed headers of a request, as the `Headers` of its call. `instanceof Headers` holds
   * (the prototype chain includes Headers.prototype) without Headers' constructor having run per
   * call: every method Headers has is overridden here, none reaches undici's brand checks.
   */
  static of(source: IncomingHttpHeaders): Headers {
    return new RequestHeaders(source) as unknown as Headers;
  }

  private constructor(source: IncomingHttpHeaders) {
    this.#source = source;
  }

  /** Whether the copy was made (tests: reading by name makes none). */
  get copied(): boolean {
    return this.#copy !== undefined;
  }

  get(name: string): string | null {
    const source = this.#source;
    if (source === undefined) return (this.#copy as Headers).get(name);
    // A name Headers refuses (`:path` too) throws as Headers#get throws it.
    if (typeof name !== "string" || !HEADER_NAME.test(name)) return new Headers().get(name);
    const value = source[name.toLowerCase()];
    // Strings and arrays are the object's own: what a prototype may hold (`constructor`) is neither.
    return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
  }

  has(name: string): boolean {
    if (this.#source === undefined) return (this.#copy as Headers).has(name);
    if (typeof name !== "string" || !HEADER_NAME.test(name)) return new Headers().has(name);
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.#filled().set(name, value);
  }

  append(name: string, value: string): void {
    this.#filled().append(name, value);
  }

  delete(name: string): void {
    this.#filled().delete(name);
  }

  getSetCookie(): string[] {
    return this.#filled().getSetCookie();
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#filled().forEach((value, key) => {
      callback.call(thisArg, value, key, this as unknown as Headers);
    });
  }

  entries(): IterableIterator<[string, string]> {
    return this.#filled().entries();
  }

  keys(): IterableIterator<string> {
    return this.#filled().keys();
  }

  values(): IterableIterator<string> {
    return this.#filled().values();
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

  /** The copy of Node's headers as a `Headers`, made once (what was made for every call before). */
  #filled(): Headers {
    const source = this.#source;
    if (source === undefined) return this.#copy as Headers;
    this.#copy = copyOf(source);
    this.#source = undefined;
    return this.#copy;
  }
}

/** Node's headers as a `Headers`, pseudo-headers left out: what Connect's node adapter makes of them. */
export function copyOf(source: IncomingHttpHeaders): Headers {
  const copy = new Headers();
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) copy.append(name, item);
    else copy.append(name, String(value));
  }
  return copy;
}

// Handlers and libraries may ask `instanceof Headers`: the view is one, without Headers' state.
Object.setPrototypeOf(RequestHeaders.prototype, Headers.prototype);
