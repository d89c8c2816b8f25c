// The bytes a pipelined connection (pipelined-connection.ts) sends for its statements: the
// messages of Postgres's extended query protocol, written straight into one buffer, so that a
// tick's statements go out as one chunk of one socket write.
//
// Why not pg-protocol's serializer: it makes a Buffer per message (four or five per statement,
// each copied out of its writer and sliced), maps every value through node-pg's prepareValue first
// (an array for each statement), and the corked socket then gathers the chunks into a writev. For
// a login's short statements that was a third of what the database client cost this process
// (docs/performance.md, "The login's database client"). The bytes are pg-protocol's own for the
// same statement (test/persistence/statement-messages.test.ts), except that a statement's row
// description is asked for once, with its Parse (Describe of the statement), instead of with
// every execution (Describe of the portal): the connection keeps it for the statement's name.
//
// Values are sent as node-pg sends them (pg/lib/utils.js, prepareValue): strings, numbers and
// booleans as their text, Buffers in binary, arrays of strings and numbers as array literals
// written here; anything else (dates, objects as JSON, typed arrays, `toPostgres`) goes through
// node-pg's own prepareValue.
import pgUtils from "pg/lib/utils.js";

/** Node's Buffer writes UTF-8 without the argument checks of `write` (every Node version has it). */
type Utf8Buffer = Buffer & { utf8Write(text: string, offset: number): number };

const ARENA_BYTES = 64 * 1024;
/** Texts up to this many UTF-16 units are copied in JavaScript when they are ASCII (`ascii`). */
const SHORT_TEXT = 64;
const PARSE = 0x50;
const DESCRIBE = 0x44;
const BIND = 0x42;
/** Execute of the unnamed portal, all rows, then Sync: the same bytes after every Bind. */
const EXECUTE_AND_SYNC = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

function allocate(bytes: number): Utf8Buffer {
  return Buffer.allocUnsafe(bytes) as Utf8Buffer;
}

/** An array element as node-pg's arrayString quotes it (escapeElement). */
function quoted(text: string): string {
  return text.includes("\\") || text.includes('"') ? `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : `"${text}"`;
}

/** Whether node-pg's array literal of `array` is written here (`arrayLiteral`): strings, numbers and nulls only. */
function isFlatArray(array: readonly unknown[]): boolean {
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    if (element !== null && element !== undefined && typeof element !== "string" && typeof element !== "number") return false;
  }
  return true;
}

/**
 * Messages written since the last `take`, in an arena: a taken chunk is never written over (the
 * socket may still hold it); a full arena is left to those chunks and a new one started.
 */
export class StatementMessages {
  private buffer = allocate(ARENA_BYTES);
  /** Where the bytes not yet taken begin. */
  private start = 0;
  private offset = 0;

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.offset - this.start;
  }

  /**
   * One statement: with `text`, first Parse of `name` (no parameter types: Postgres infers them)
   * and Describe of the statement (its row description, for the connection to keep); then Bind of
   * `values` to the unnamed portal with text results, Execute of all its rows, Sync. A value that
   * cannot be sent throws, and then nothing of the statement is written.
   */
  statement(name: string, text: string | undefined, values: readonly unknown[]): void {
    // Positions are kept relative to the bytes not yet taken: a new arena moves those.
    const before = this.offset - this.start;
    try {
      if (text !== undefined) {
        const parse = this.begin(PARSE);
        this.cString(name);
        this.cString(text);
        this.int16(0);
        this.end(parse);
        const describe = this.begin(DESCRIBE);
        this.byte(0x53); // 'S'
        this.cString(name);
        this.end(describe);
      }
      this.bind(name, values);
      this.ensure(EXECUTE_AND_SYNC.length);
      this.buffer.set(EXECUTE_AND_SYNC, this.offset);
      this.offset += EXECUTE_AND_SYNC.length;
    } catch (error) {
      this.offset = this.start + before;
      throw error;
    }
  }

  /** The bytes written since the last call. */
  take(): Buffer {
    const taken = this.buffer.subarray(this.start, this.offset);
    this.start = this.offset;
    // An arena grown for a large statement is not kept: it goes with the chunks taken from it.
    if (this.buffer.length > ARENA_BYTES) {
      this.buffer = allocate(ARENA_BYTES);
      this.start = 0;
      this.offset = 0;
    }
    return taken;
  }

  private bind(name: string, values: readonly unknown[]): void {
    const count = values.length;
    const bind = this.begin(BIND);
    this.byte(0); // the unnamed portal
    this.cString(name);
    this.int16(count);
    // The parameters' format codes (text, or binary for a Buffer), filled in as they are written.
    this.ensure(count * 2);
    const formats = this.offset - this.start;
    this.offset += count * 2;
    this.int16(count);
    for (let i = 0; i < count; i++) {
      const binary = this.value(values[i]);
      const format = this.start + formats + 2 * i;
      this.buffer[format] = 0;
      this.buffer[format + 1] = binary ? 1 : 0;
    }
    this.int16(1); // one result format code for every column: text
    this.int16(0);
    this.end(bind);
  }

  /** One parameter: its length and bytes, or -1 for null. Whether it went in binary. */
  private value(value: unknown): boolean {
    if (value === null || value === undefined) {
      this.int32(-1);
      return false;
    }
    if (typeof value === "string") this.lengthAndText(value);
    else if (typeof value === "number" || typeof value === "boolean") this.lengthAndText(String(value));
    else if (value instanceof Buffer) {
      this.int32(value.length);
      this.ensure(value.length);
      this.buffer.set(value, this.offset);
      this.offset += value.length;
      return true;
    } else if (Array.isArray(value) && isFlatArray(value)) this.arrayLiteral(value);
    else {
      const prepared = pgUtils.prepareValue(value) as string | Buffer | null;
      if (typeof prepared !== "string") return this.value(prepared);
      this.lengthAndText(prepared);
    }
    return false;
  }

  private lengthAndText(text: string): void {
    const at = this.lengthStart();
    this.string(text);
    this.lengthEnd(at);
  }

  /**
   * node-pg's array literal (arrayString) of an array of strings, numbers and nulls, with its
   * length: written element by element, not made as a string first (the audit trail's batches
   * send their columns as arrays).
   */
  private arrayLiteral(array: readonly unknown[]): void {
    const at = this.lengthStart();
    this.byte(0x7b); // {
    for (let i = 0; i < array.length; i++) {
      if (i > 0) this.byte(0x2c); // ,
      const element = array[i];
      if (element === null || element === undefined) this.string("NULL");
      else if (typeof element === "string" && (element.includes("\\") || element.includes('"'))) this.string(quoted(element));
      else {
        this.byte(0x22); // "
        this.string(typeof element === "string" ? element : String(element));
        this.byte(0x22);
      }
    }
    this.byte(0x7d); // }
    this.lengthEnd(at);
  }

  /** Room for a value's length, to be written by `lengthEnd` once its bytes are (relative to the bytes not yet taken). */
  private lengthStart(): number {
    this.ensure(4);
    const at = this.offset - this.start;
    this.offset += 4;
    return at;
  }

  private lengthEnd(at: number): void {
    const start = this.start + at;
    const length = this.offset - start - 4;
    const buffer = this.buffer;
    buffer[start] = length >>> 24;
    buffer[start + 1] = (length >>> 16) & 0xff;
    buffer[start + 2] = (length >>> 8) & 0xff;
    buffer[start + 3] = length & 0xff;
  }

  /** A message's type and room for its length; where it starts (relative to the bytes not yet taken). */
  private begin(type: number): number {
    this.ensure(5);
    const at = this.offset - this.start;
    this.buffer[this.offset] = type;
    this.offset += 5;
    return at;
  }

  /** Writes the length of the message begun at `at`. */
  private end(at: number): void {
    const start = this.start + at;
    const length = this.offset - start - 1;
    const buffer = this.buffer;
    buffer[start + 1] = length >>> 24;
    buffer[start + 2] = (length >>> 16) & 0xff;
    buffer[start + 3] = (length >>> 8) & 0xff;
    buffer[start + 4] = length & 0xff;
  }

  private string(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair's two take 4): room for
    // that many needs no count; a long text is counted exactly rather than over-allocated.
    if (text.length * 3 > this.buffer.length - this.offset) this.ensure(Buffer.byteLength(text));
    if (text.length > SHORT_TEXT || !this.ascii(text)) this.offset += this.buffer.utf8Write(text, this.offset);
  }

  /**
   * Writes `text` byte for byte if it is all ASCII (its own UTF-8) and says whether it did. Most
   * values are short ASCII (ids, names, addresses, numbers): copied here they cost no call into
   * C++, which costs more than the copy (≈ 70 such values per login). Nothing is kept of a text
   * that turns out not to be ASCII: `utf8Write` then writes it over from its start.
   */
  private ascii(text: string): boolean {
    const buffer = this.buffer;
    const at = this.offset;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return false;
      buffer[at + i] = code;
    }
    this.offset = at + text.length;
    return true;
  }

  private cString(text: string): void {
    this.string(text);
    this.byte(0);
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = value;
  }

  private int16(value: number): void {
    this.ensure(2);
    const buffer = this.buffer;
    buffer[this.offset++] = (value >>> 8) & 0xff;
    buffer[this.offset++] = value & 0xff;
  }

  private int32(value: number): void {
    this.ensure(4);
    const buffer = this.buffer;
    buffer[this.offset++] = (value >>> 24) & 0xff;
    buffer[this.offset++] = (value >>> 16) & 0xff;
    buffer[this.offset++] = (value >>> 8) & 0xff;
    buffer[this.offset++] = value & 0xff;
  }

  /** Room for `bytes` more: else a new arena, with the bytes not yet taken moved to its start. */
  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const pending = this.offset - this.start;
    const arena = allocate(Math.max(ARENA_BYTES, 2 * (pending + bytes)));
    this.buffer.copy(arena, 0, this.start, this.offset);
    this.buffer = arena;
    this.start = 0;
    this.offset = pending;
  }
}
