// A REST call's request headers as the `Headers` a Connect handler reads, without copying them.
// Copying every header of every request into a `Headers` (each name and value validated and
// normalised by undici) cost more than the few look-ups a call makes: handlers and interceptors
// read two or three headers by name (`authorization`, `dpop`, `x-api-key`, `cookie`). `get` and
// `has` read Node's parsed headers (lower-case names, repeated headers already joined — or, for
// `set-cookie`, an array) directly; anything else (iteration, a change) first makes the copy the
// gateway used to make, so every other method answers exactly as a filled `Headers` does.
import type { IncomingHttpHeaders } from "node:http";

/** The methods of `Headers` (node's types declare them as fields, which a subclass cannot call through `super`). */
interface HeadersMethods {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  getSetCookie(): string[];
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

const HeadersBase = Headers as unknown as new () => HeadersMethods;

export class NodeRequestHeaders extends HeadersBase {
  /** Node's headers until the first call that needs a real copy; then undefined. */
  #source: IncomingHttpHeaders | undefined;

  /** Node's parsed headers of a request, as the `Headers` of its call (the instance is one). */
  static of(source: IncomingHttpHeaders): Headers {
    return new NodeRequestHeaders(source) as unknown as Headers;
  }

  private constructor(source: IncomingHttpHeaders) {
    super();
    this.#source = source;
  }

  override get(name: string): string | null {
    const source = this.#source;
    if (source === undefined) return super.get(name);
    const value = source[name.toLowerCase()];
    // Strings and arrays are the object's own: what its prototype holds (`constructor`) is neither.
    return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
  }

  override has(name: string): boolean {
    return this.get(name) !== null;
  }

  override set(name: string, value: string): void {
    this.#filled();
    super.set(name, value);
  }

  override append(name: string, value: string): void {
    this.#filled();
    super.append(name, value);
  }

  override delete(name: string): void {
    this.#filled();
    super.delete(name);
  }

  override getSetCookie(): string[] {
    this.#filled();
    return super.getSetCookie();
  }

  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#filled();
    super.forEach(callback, thisArg);
  }

  override entries(): IterableIterator<[string, string]> {
    this.#filled();
    return super.entries();
  }

  override keys(): IterableIterator<string> {
    this.#filled();
    return super.keys();
  }

  override values(): IterableIterator<string> {
    this.#filled();
    return super.values();
  }

  override [Symbol.iterator](): IterableIterator<[string, string]> {
    this.#filled();
    return super[Symbol.iterator]();
  }

  /** Copies Node's headers into this `Headers` once (what the gateway did for every call before). */
  #filled(): this {
    const source = this.#source;
    if (source === undefined) return this;
    this.#source = undefined;
    for (const [name, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) super.append(name, item);
      else super.set(name, value);
    }
    return this;
  }
}
