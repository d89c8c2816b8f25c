// `proto_version` (login protocol §2): the OPAQUE suite and the client's Argon2id key stretching.
//
//   opaque-3dh/ristretto255-sha512/argon2id-m<memory KiB>-t<iterations>-p<parallelism>
//
// Pure: no imports, shared by the SDK and the server (which refuses other values with 422).

export const OPAQUE_SUITE = "opaque-3dh/ristretto255-sha512";

/** Argon2id, 64 MiB, 3 passes: the default for new registrations. */
export const PROTO_VERSION_DEFAULT = `${OPAQUE_SUITE}/argon2id-m65536-t3-p1`;
/** Argon2id, 19 MiB, 2 passes (OWASP's minimum): for constrained devices. */
export const PROTO_VERSION_LIGHT = `${OPAQUE_SUITE}/argon2id-m19456-t2-p1`;

export const SUPPORTED_PROTO_VERSIONS: readonly string[] = Object.freeze([PROTO_VERSION_DEFAULT, PROTO_VERSION_LIGHT]);

export interface Argon2idParams {
  /** KiB. */
  readonly memory: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** `keyStretching` as `@serenity-kit/opaque` takes it. */
export interface KeyStretching {
  readonly "argon2id-custom": { memory: number; iterations: number; parallelism: number };
}

export interface ProtoVersion {
  readonly value: string;
  readonly suite: typeof OPAQUE_SUITE;
  readonly argon2id: Argon2idParams;
  readonly keyStretching: KeyStretching;
}

export class UnsupportedProtoVersionError extends Error {
  constructor(readonly value: string) {
    super(`Unsupported proto_version: ${JSON.stringify(value)}`);
    this.name = "UnsupportedProtoVersionError";
  }
}

const SYNTAX = /^opaque-3dh\/ristretto255-sha512\/argon2id-m([1-9][0-9]{0,9})-t([1-9][0-9]{0,9})-p([1-9][0-9]{0,9})$/;

/** The canonical string for the given parameters (any parameters: support is checked by parse). */
export function formatProtoVersion(params: Argon2idParams): string {
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`argon2id ${name} must be a positive integer`);
  }
  return `${OPAQUE_SUITE}/argon2id-m${params.memory}-t${params.iterations}-p${params.parallelism}`;
}

/** Parses a supported `proto_version`; throws UnsupportedProtoVersionError for anything else. */
export function parseProtoVersion(value: string): ProtoVersion {
  const match = SUPPORTED_PROTO_VERSIONS.includes(value) ? SYNTAX.exec(value) : null;
  if (!match) throw new UnsupportedProtoVersionError(value);
  const argon2id = { memory: Number(match[1]), iterations: Number(match[2]), parallelism: Number(match[3]) };
  return { value, suite: OPAQUE_SUITE, argon2id, keyStretching: { "argon2id-custom": { ...argon2id } } };
}

export function isSupportedProtoVersion(value: string): boolean {
  return SUPPORTED_PROTO_VERSIONS.includes(value);
}
