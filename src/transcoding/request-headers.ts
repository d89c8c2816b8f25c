// A REST call's request headers as the `Headers` a Connect handler reads, without copying them.
// Copying every header of every request into a `Headers` (each name and value validated and
// normalised by undici) cost more than the few look-ups a call makes: handlers and interceptors
// read two or three headers by name (`authorization`, `dpop`, `x-api-key`, `cookie`). `get` and
// `has` read Node's parsed headers (lower-case names, repeated headers already joined — or, for
// `set-cookie`, an array) directly; anything else (iteration, a change) first makes the copy the
// gateway used to make, and answers from it, so every other method answers exactly as a filled
// `Headers` does.
import type { IncomingHttpHeaders } from "node:http";
import { inspect } from "node:util";

export class NodeRequestHeaders {
  /** Node's headers until the first call that needs a real copy; then undefined. */
  #source: IncomingHttpHeaders | undefined;
  /** The copy, once made. */
  #copy: Headers | undefined;

  /**
   * Node's parsed headers of a request, as the `Headers` of its call. `instanceof Headers` holds
   * (the prototype chain includes Headers.prototype) without Headers' constructor having run per
   * request (an undici header list, made for nothing when only `get` is called): every method
   * Headers has is overridden here, none reaches undici's brand checks.
   */
  static of(source: IncomingHttpHeaders): Headers {
    return new NodeRequestHeaders(source) as unknown as Headers;
  }

  private constructor(source: IncomingHttpHeaders) {
    this.#source = source;
  }

  get(name: string): string | null {
    const source = this.#source;
    if (source === undefined) return (this.#copy as Headers).get(name);
    const value = source[name.toLowerCase()];
    // Strings and arrays are the object's own: what its prototype holds (`constructor`) is neither.
    return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
  }

  has(name: string): boolean {
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

  /** The copy of Node's headers as a `Headers`, made once (what the gateway did for every call before). */
  #filled(): Headers {
    const source = this.#source;
    if (source === undefined) return this.#copy as Headers;
    const copy = new Headers();
    for (const [name, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) copy.append(name, item);
      else copy.set(name, value);
    }
    this.#copy = copy;
    this.#source = undefined;
    return copy;
  }
}

// Handlers and libraries may ask `instanceof Headers`: the view is one, without Headers' state.
Object.setPrototypeOf(NodeRequestHeaders.prototype, Headers.prototype);
