// The few DER (ITU-T X.690) encodings a self-signed certificate needs (x509.ts): every value is a
// tag, its length and its contents, and a constructed value's contents are the encodings of its
// parts. Only writing: nothing here parses what a client sends.

/** A DER value: tag, length, contents. */
function tlv(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOf(contents.length), contents]);
}

/** Definite length: one byte below 128, else 0x80 + the number of big-endian bytes that follow. */
function lengthOf(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...parts: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(parts));
export const set = (...parts: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(parts));
/** `[n] EXPLICIT`: a context-specific constructed tag around one value. */
export const explicit = (n: number, value: Uint8Array): Buffer => tlv(0xa0 | n, value);
export const nullValue = (): Buffer => tlv(0x05, Buffer.alloc(0));
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
export const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
/** A BIT STRING of whole bytes, or of `bitLength` bits when its last byte is only partly used. */
export function bitString(bytes: Uint8Array, bitLength = bytes.length * 8): Buffer {
  const unused = bytes.length * 8 - bitLength;
  if (unused < 0 || unused > 7) throw new RangeError("a BIT STRING's bit length must fall in its last byte");
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** A non-negative INTEGER from its big-endian magnitude, in the fewest bytes (a 0x00 first when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = magnitude.subarray(start);
  const needsZero = bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0;
  return tlv(0x02, needsZero ? Buffer.concat([Buffer.from([0]), bytes]) : Buffer.from(bytes));
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

/** An OBJECT IDENTIFIER from its dotted form: the first two arcs as one, then each arc in base 128. */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) throw new RangeError(`not an OID: ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)]) {
    const base128: number[] = [];
    for (let rest = arc; ; rest = Math.floor(rest / 128)) {
      base128.unshift((rest % 128) | (base128.length > 0 ? 0x80 : 0));
      if (rest < 128) break;
    }
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/**
 * A certificate's time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, to
 * the second, in UTC.
 */
export function certificateTime(at: Date): Buffer {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = at.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError("a certificate's time must fall in the years 1950–9999");
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "latin1")) : tlv(0x18, Buffer.from(digits, "latin1"));
}
