// The secret string (login protocol §4) and the client-side weak-secret checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  COMMON_PINS,
  encodeSecret,
  factorOrder,
  SecretFormatError,
  type SecretPolicy,
  validatePattern,
  validatePin,
  weakPatternReason,
  weakPinReason,
  weakSecretReasons,
} from "../../src/sdk/secret.js";

const both: SecretPolicy = { usePin: true, pinSize: 6, usePattern: true, patterSize: 3, loginOrder: ["PIN", "PATTERN"] };

describe("encodeSecret", () => {
  it("encodes the factors in login_order", () => {
    assert.equal(encodeSecret(both, { pin: "482915", pattern: [0, 4, 8, 5] }), "pinpat/v1|PIN:482915|PATTERN:0-4-8-5");
    assert.equal(
      encodeSecret({ ...both, loginOrder: ["PATTERN", "PIN"] }, { pin: "482915", pattern: [0, 4, 8, 5] }),
      "pinpat/v1|PATTERN:0-4-8-5|PIN:482915",
    );
  });

  it("encodes only the enabled factors and ignores the others' input", () => {
    const pinOnly = { ...both, usePattern: false, loginOrder: ["PIN"] };
    assert.equal(encodeSecret(pinOnly, { pin: "482915", pattern: [0, 1, 2, 3] }), "pinpat/v1|PIN:482915");
    const patternOnly = { ...both, usePin: false, patterSize: 4, loginOrder: ["PATTERN"] };
    assert.equal(encodeSecret(patternOnly, { pattern: [15, 0, 10, 3, 12] }), "pinpat/v1|PATTERN:15-0-10-3-12");
    // A factor listed in login_order but disabled is skipped.
    assert.equal(encodeSecret({ ...pinOnly, loginOrder: ["PATTERN", "PIN"] }, { pin: "482915" }), "pinpat/v1|PIN:482915");
  });

  it("keeps leading zeros of a PIN", () => {
    assert.equal(encodeSecret({ ...both, usePattern: false, pinSize: 4, loginOrder: ["PIN"] }, { pin: "0739" }), "pinpat/v1|PIN:0739");
  });

  it("refuses a missing or malformed factor", () => {
    assert.throws(() => encodeSecret(both, { pattern: [0, 4, 8, 5] }), SecretFormatError);
    assert.throws(() => encodeSecret(both, { pin: "482915" }), SecretFormatError);
    assert.throws(() => encodeSecret(both, { pin: "48291", pattern: [0, 4, 8, 5] }), /exactly 6 digits/);
    assert.throws(() => encodeSecret(both, { pin: "482915", pattern: [0, 4, 8, 9] }), /0 to 8/);
  });

  it("refuses an inconsistent policy", () => {
    assert.throws(() => factorOrder({ ...both, usePin: false, usePattern: false, loginOrder: [] }), /neither/);
    assert.throws(() => factorOrder({ ...both, loginOrder: ["PIN"] }), /does not list the enabled factor PATTERN/);
    assert.throws(() => factorOrder({ ...both, loginOrder: ["PIN", "PIN", "PATTERN"] }), /twice/);
    assert.throws(() => factorOrder({ ...both, loginOrder: ["PIN", "FACE"] }), /Unknown factor/);
    assert.deepEqual(factorOrder(both), ["PIN", "PATTERN"]);
  });
});

describe("validatePin", () => {
  it("wants exactly pin_size ASCII digits, pin_size 4 to 12", () => {
    assert.equal(validatePin("482915", 6), undefined);
    assert.equal(validatePin("4829", 4), undefined);
    assert.match(validatePin("4829150", 6) ?? "", /exactly 6/);
    assert.match(validatePin("48 915", 6) ?? "", /digits only/);
    assert.match(validatePin("４８２９１５", 6) ?? "", /digits only/, "full-width digits are not ASCII digits");
    assert.match(validatePin("482", 3) ?? "", /4 to 12/);
    assert.match(validatePin("1234567890123", 13) ?? "", /4 to 12/);
  });
});

describe("validatePattern", () => {
  it("accepts 4 or more distinct cells of the grid", () => {
    assert.equal(validatePattern([0, 4, 8, 5], 3), undefined);
    assert.equal(validatePattern([0, 1, 2, 5, 8, 7, 6, 3, 4], 3), undefined, "every cell once");
    assert.equal(validatePattern([35, 0, 17, 20], 6), undefined);
  });

  it("refuses short patterns, repeats, cells off the grid and bad grid sizes", () => {
    assert.match(validatePattern([0, 4, 8], 3) ?? "", /at least 4/);
    assert.match(validatePattern([0, 4, 0, 5], 3) ?? "", /only once/);
    assert.match(validatePattern([0, 4, 8, 9], 3) ?? "", /0 to 8/);
    assert.match(validatePattern([0, 4, -1, 5], 3) ?? "", /0 to 8/);
    assert.match(validatePattern([0, 4, 1.5, 5], 3) ?? "", /whole numbers/);
    assert.match(validatePattern([0, 1, 2, 3], 2) ?? "", /3×3 to 6×6/);
    assert.match(validatePattern([0, 1, 2, 3], 7) ?? "", /3×3 to 6×6/);
  });
});

describe("weakPinReason", () => {
  it("accepts ordinary PINs", () => {
    for (const pin of ["482915", "7391", "190384", "20481937", "918273645012"]) assert.equal(weakPinReason(pin), undefined, pin);
  });

  it("refuses all-same digits", () => {
    for (const pin of ["000000", "1111", "999999999999"]) assert.equal(weakPinReason(pin), "All digits are the same", pin);
  });

  it("refuses ascending and descending sequences, also wrapping around 9/0", () => {
    for (const pin of ["123456", "0123", "890123", "456789012"])
      assert.equal(weakPinReason(pin), "The digits are an ascending sequence", pin);
    for (const pin of ["654321", "9876", "210987", "3210"]) assert.equal(weakPinReason(pin), "The digits are a descending sequence", pin);
  });

  it("refuses a short group of digits repeated", () => {
    for (const pin of ["121212", "1212", "123123", "12341234", "907907907907", "12121"]) {
      assert.equal(weakPinReason(pin), "The PIN repeats a short group of digits", pin);
    }
    assert.equal(weakPinReason("123412"), undefined, "a group of 4 in a 6-digit PIN is not repeated in full");
  });

  it("refuses every PIN of the deny list", () => {
    assert.ok(COMMON_PINS.length > 0 && COMMON_PINS.length <= 20, "the list stays short");
    for (const pin of COMMON_PINS) assert.ok(weakPinReason(pin), pin);
    assert.equal(weakPinReason("112233"), "The PIN is one of the most common PINs");
    assert.equal(weakPinReason("2580"), "The PIN is one of the most common PINs");
  });
});

describe("weakPatternReason", () => {
  it("accepts patterns that turn", () => {
    assert.equal(weakPatternReason([0, 4, 8, 5], 3), undefined);
    assert.equal(weakPatternReason([0, 1, 2, 3], 3), undefined, "a row then the next row's first cell");
    assert.equal(weakPatternReason([0, 5, 10, 14], 4), undefined, "a diagonal that leaves it at the end");
  });

  it("refuses fewer than 4 cells", () => {
    assert.equal(weakPatternReason([0, 4, 8], 3), "The pattern connects fewer than 4 cells");
    assert.equal(weakPatternReason([], 3), "The pattern connects fewer than 4 cells");
  });

  it("refuses a straight line along a row, a column or a diagonal", () => {
    assert.equal(weakPatternReason([4, 5, 6, 7], 4), "The pattern is a straight line along one row");
    assert.equal(weakPatternReason([7, 6, 5, 4], 4), "The pattern is a straight line along one row", "either direction");
    assert.equal(weakPatternReason([1, 6, 11, 16, 21], 5), "The pattern is a straight line along one column");
    assert.equal(weakPatternReason([0, 5, 10, 15], 4), "The pattern is a straight line along a diagonal");
    assert.equal(weakPatternReason([3, 6, 9, 12], 4), "The pattern is a straight line along a diagonal", "the anti-diagonal");
    assert.equal(weakPatternReason([1, 8, 15, 22, 29], 6), "The pattern is a straight line along a diagonal", "an off-centre diagonal");
    assert.equal(weakPatternReason([0, 3, 2, 1], 4), "The pattern is a straight line along one row", "order does not matter");
  });

  it("does not call a line with a turn at the end straight", () => {
    assert.equal(weakPatternReason([4, 5, 6, 11], 4), undefined);
    assert.equal(weakPatternReason([0, 7, 14, 21, 22], 6), undefined);
  });
});

describe("weakSecretReasons", () => {
  it("collects the reasons of every enabled factor", () => {
    assert.deepEqual(weakSecretReasons(both, { pin: "123456", pattern: [0, 4, 8, 5] }), ["The digits are an ascending sequence"]);
    assert.deepEqual(weakSecretReasons(both, { pin: "000000", pattern: [0, 1, 2, 3] }), ["All digits are the same"]);
    assert.deepEqual(weakSecretReasons({ ...both, patterSize: 4 }, { pin: "000000", pattern: [0, 4, 8, 12] }), [
      "All digits are the same",
      "The pattern is a straight line along one column",
    ]);
    assert.deepEqual(weakSecretReasons(both, { pin: "482915", pattern: [0, 4, 8, 5] }), []);
  });
});
