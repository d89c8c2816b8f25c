// The secret string fed to OPAQUE (login protocol §4), and the weak-secret checks that must run
// on the client because the server never sees the secret.
//
//   pinpat/v1|PIN:<digits>|PATTERN:<cell>-<cell>-…
//
// One part per enabled factor, in the tenant's `login_order`.
//
// PIN: exactly `pin_size` ASCII digits.
//
// Pattern rule (checked by validatePattern):
//   - a cell id is an integer from 0 to size²−1: the cell's row-major index on the
//     `patter_size × patter_size` grid. When the page shuffles the images, the id is the image's
//     stable id, which is its index in the unshuffled grid — never the screen position;
//   - at least MIN_PATTERN_CELLS (4) cells, each at most once (so at most size² cells);
//   - no adjacency rule: the user taps images, so any cell may follow any other.
//
// The weak checks (weakPinReason, weakPatternReason) are separate from the format checks: a login
// only needs a well-formed secret; registration, change and reset should also refuse weak ones.

export const SECRET_VERSION_PREFIX = "pinpat/v1";
export const MIN_PATTERN_CELLS = 4;
export const MIN_PIN_SIZE = 4;
export const MAX_PIN_SIZE = 12;
export const MIN_PATTERN_GRID = 3;
export const MAX_PATTERN_GRID = 6;

export type SecretFactor = "PIN" | "PATTERN";

/** The tenant's secret settings, as the public tenant info (`GetClientTenant`) gives them. */
export interface SecretPolicy {
  readonly usePin: boolean;
  readonly pinSize: number;
  readonly usePattern: boolean;
  readonly patterSize: number;
  readonly loginOrder: readonly string[];
}

/** What the user entered. Only the enabled factors are needed. */
export interface SecretInput {
  /** The PIN's digits, e.g. `"482915"`. */
  readonly pin?: string;
  /** The pattern's cell ids in the order they were drawn. */
  readonly pattern?: readonly number[];
}

/** A secret that cannot be encoded: a wrong PIN length, an invalid pattern, a factor missing… */
export class SecretFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretFormatError";
  }
}

/** The enabled factors in `login_order`; throws when the order does not list exactly them. */
export function factorOrder(policy: SecretPolicy): SecretFactor[] {
  const enabled: SecretFactor[] = [...(policy.usePin ? (["PIN"] as const) : []), ...(policy.usePattern ? (["PATTERN"] as const) : [])];
  if (enabled.length === 0) throw new SecretFormatError("The tenant enables neither a PIN nor a pattern");
  const order: SecretFactor[] = [];
  for (const factor of policy.loginOrder) {
    if (factor !== "PIN" && factor !== "PATTERN") throw new SecretFormatError(`Unknown factor in login_order: ${factor}`);
    if (order.includes(factor)) throw new SecretFormatError(`login_order lists ${factor} twice`);
    if (enabled.includes(factor)) order.push(factor);
  }
  for (const factor of enabled) {
    if (!order.includes(factor)) throw new SecretFormatError(`login_order does not list the enabled factor ${factor}`);
  }
  return order;
}

/** Why `pin` is not a PIN of `pinSize` digits, or undefined when it is. */
export function validatePin(pin: string, pinSize: number): string | undefined {
  if (!Number.isInteger(pinSize) || pinSize < MIN_PIN_SIZE || pinSize > MAX_PIN_SIZE) {
    return `The PIN size must be ${MIN_PIN_SIZE} to ${MAX_PIN_SIZE} digits`;
  }
  if (!/^[0-9]*$/.test(pin)) return "The PIN may contain digits only";
  if (pin.length !== pinSize) return `The PIN must have exactly ${pinSize} digits`;
  return undefined;
}

/** Why `cells` is not a valid pattern on a `size × size` grid (see the rule above), or undefined. */
export function validatePattern(cells: readonly number[], size: number): string | undefined {
  if (!Number.isInteger(size) || size < MIN_PATTERN_GRID || size > MAX_PATTERN_GRID) {
    return `The pattern grid must be ${MIN_PATTERN_GRID}×${MIN_PATTERN_GRID} to ${MAX_PATTERN_GRID}×${MAX_PATTERN_GRID}`;
  }
  const seen = new Set<number>();
  for (const cell of cells) {
    if (!Number.isInteger(cell) || cell < 0 || cell >= size * size)
      return `Pattern cells must be whole numbers from 0 to ${size * size - 1}`;
    if (seen.has(cell)) return "A pattern may use each cell only once";
    seen.add(cell);
  }
  if (cells.length < MIN_PATTERN_CELLS) return `A pattern must connect at least ${MIN_PATTERN_CELLS} cells`;
  return undefined;
}

/**
 * The password string for OPAQUE. Throws SecretFormatError when a needed factor is missing or
 * malformed, or the policy is inconsistent. Factors the tenant does not enable are ignored.
 */
export function encodeSecret(policy: SecretPolicy, input: SecretInput): string {
  const parts = [SECRET_VERSION_PREFIX];
  for (const factor of factorOrder(policy)) {
    if (factor === "PIN") {
      if (input.pin === undefined) throw new SecretFormatError("The PIN is missing");
      const problem = validatePin(input.pin, policy.pinSize);
      if (problem) throw new SecretFormatError(problem);
      parts.push(`PIN:${input.pin}`);
    } else {
      if (input.pattern === undefined) throw new SecretFormatError("The pattern is missing");
      const problem = validatePattern(input.pattern, policy.patterSize);
      if (problem) throw new SecretFormatError(problem);
      parts.push(`PATTERN:${input.pattern.join("-")}`);
    }
  }
  return parts.join("|");
}

/**
 * Very common PINs that the rules of weakPinReason do not already catch (same digit, sequences,
 * repeated blocks). Kept short on purpose: the top of published PIN-frequency studies
 * (DataGenetics "PIN analysis", 2012, for 4 digits; Wang et al., "Understanding Human-Chosen PINs",
 * 2017, for 6 digits) — dates, keypad columns/diagonals and mirrored halves.
 */
export const COMMON_PINS: readonly string[] = Object.freeze([
  // 4 digits
  "1004",
  "2000",
  "2001",
  "1122",
  "1001",
  "2580",
  // 6 digits
  "112233",
  "123321",
  "159753",
  "147258",
  "258369",
  "147852",
  "789456",
  "102030",
  // 8 digits
  "11223344",
  "12344321",
]);

/**
 * Why `pin` is too easy to guess, or undefined. Checked, in this order: every digit the same
 * (`000000`); an ascending or descending run, wrapping 9→0 and 0→9 (`123456`, `654321`, `890123`);
 * a short block repeated (`121212`, `123123`, `12341234`); the COMMON_PINS deny list.
 */
export function weakPinReason(pin: string): string | undefined {
  const problem = weakPinProblem(pin);
  return problem && WEAK_PIN_REASONS[problem];
}

/** What makes a PIN weak, as a code (for a UI that words it in its own language). */
export type WeakPinProblem = "empty" | "same_digits" | "ascending" | "descending" | "repeated_group" | "common";

const WEAK_PIN_REASONS: Readonly<Record<WeakPinProblem, string>> = {
  empty: "The PIN is empty",
  same_digits: "All digits are the same",
  ascending: "The digits are an ascending sequence",
  descending: "The digits are a descending sequence",
  repeated_group: "The PIN repeats a short group of digits",
  common: "The PIN is one of the most common PINs",
};

/** weakPinReason's rule, answering a code. */
export function weakPinProblem(pin: string): WeakPinProblem | undefined {
  if (pin.length === 0) return "empty";
  const digits = [...pin].map((d) => d.charCodeAt(0) - 48);
  if (digits.every((d) => d === digits[0])) return "same_digits";
  if (isRun(digits, 1)) return "ascending";
  if (isRun(digits, 9)) return "descending";
  for (let period = 2; period <= digits.length / 2; period++) {
    if (digits.every((d, i) => i < period || d === digits[i - period])) return "repeated_group";
  }
  if (COMMON_PINS.includes(pin)) return "common";
  return undefined;
}

function isRun(digits: readonly number[], step: number): boolean {
  return digits.every((d, i) => i === 0 || d === ((digits[i - 1] as number) + step) % 10);
}

/**
 * Why the pattern `cells` on a `size × size` grid is too easy to guess, or undefined: fewer than
 * MIN_PATTERN_CELLS cells, or all cells on one straight line — one row, one column or one
 * diagonal (either direction). On grids up to 6×6 no other line holds 4 cells.
 */
export function weakPatternReason(cells: readonly number[], size: number): string | undefined {
  const problem = weakPatternProblem(cells, size);
  return problem && WEAK_PATTERN_REASONS[problem];
}

/** What makes a pattern weak, as a code (for a UI that words it in its own language). */
export type WeakPatternProblem = "too_short" | "row" | "column" | "diagonal";

const WEAK_PATTERN_REASONS: Readonly<Record<WeakPatternProblem, string>> = {
  too_short: `The pattern connects fewer than ${MIN_PATTERN_CELLS} cells`,
  row: "The pattern is a straight line along one row",
  column: "The pattern is a straight line along one column",
  diagonal: "The pattern is a straight line along a diagonal",
};

/** weakPatternReason's rule, answering a code. */
export function weakPatternProblem(cells: readonly number[], size: number): WeakPatternProblem | undefined {
  if (cells.length < MIN_PATTERN_CELLS) return "too_short";
  const points = cells.map((cell) => ({ row: Math.floor(cell / size), col: cell % size }));
  const same = (key: (p: { row: number; col: number }) => number) => points.every((p) => key(p) === key(points[0] as (typeof points)[0]));
  if (same((p) => p.row)) return "row";
  if (same((p) => p.col)) return "column";
  if (same((p) => p.row - p.col) || same((p) => p.row + p.col)) return "diagonal";
  return undefined;
}

/** Every reason why the enabled factors of `input` are weak (empty when none). Assumes a valid input. */
export function weakSecretReasons(policy: SecretPolicy, input: SecretInput): string[] {
  const reasons: string[] = [];
  for (const factor of factorOrder(policy)) {
    const reason =
      factor === "PIN"
        ? input.pin !== undefined
          ? weakPinReason(input.pin)
          : undefined
        : input.pattern !== undefined
          ? weakPatternReason(input.pattern, policy.patterSize)
          : undefined;
    if (reason) reasons.push(reason);
  }
  return reasons;
}
