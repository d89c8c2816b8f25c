// The PIN keypad: ten picture keys (a tile plus its digit), Delete and Clear. Works by pointer,
// by touch and from the keyboard (digits and Backspace typed anywhere in the pad, or Tab to a key
// and Enter/Space). The digits stay in this closure until the pad completes; they are never put
// into an input element, the URL or storage.
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { keypadPicture } from "../pictures.js";

export interface PinPadOptions {
  readonly heading: string;
  readonly length: number;
  /** The tenant's `show_pin_when_typing`: show the digits instead of dots. */
  readonly showDigits: boolean;
  readonly onComplete: (pin: string) => void;
  /** Shown under the keypad (the sign-in page's "Forgot your PIN?"). */
  readonly footer?: Node | undefined;
}

export interface PinPad {
  readonly element: HTMLElement;
  focus(): void;
}

// Telephone layout; the order is fixed so that keyboard and muscle memory agree (shuffling the
// keys would not change what the server learns, which is nothing).
const KEY_ROWS = [
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
] as const;

export function pinPad(options: PinPadOptions): PinPad {
  let digits = "";
  let done = false;
  const headingId = uniqueId("pin-heading");
  const slots = Array.from({ length: options.length }, () => h("span", { class: "slot", "aria-hidden": "true" }));
  const status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const display = h("div", { class: "pin-display" }, ...slots);

  const render = () => {
    slots.forEach((slot, index) => {
      const digit = digits[index];
      slot.classList.toggle("filled", digit !== undefined);
      slot.textContent = digit === undefined ? "" : options.showDigits ? digit : "•";
    });
    status.textContent = t("pin.progress", { count: digits.length, length: options.length });
  };

  const press = (digit: number) => {
    if (done || digits.length >= options.length) return;
    digits += String(digit);
    render();
    if (digits.length === options.length) {
      done = true;
      const pin = digits;
      // Let the last dot paint before the next step (key stretching holds the main thread), and
      // no longer: two frames, not a fixed delay.
      requestAnimationFrame(() => requestAnimationFrame(() => options.onComplete(pin)));
    }
  };
  const removeLast = () => {
    if (done) return;
    digits = digits.slice(0, -1);
    render();
  };
  const clear = () => {
    if (done) return;
    digits = "";
    render();
  };

  const digitKey = (digit: number) =>
    h(
      "button",
      { type: "button", class: "key", "data-digit": digit, "aria-label": String(digit), onclick: () => press(digit) },
      keypadPicture(digit),
      h("span", { class: "key-digit", "aria-hidden": "true" }, String(digit)),
    );
  const actionKey = (label: string, symbol: string, action: () => void, className: string) =>
    h(
      "button",
      { type: "button", class: `key key-action ${className}`, "aria-label": label, onclick: action },
      h("span", { "aria-hidden": "true" }, symbol),
    );

  const keypad = h(
    "div",
    { class: "keypad", role: "group", "aria-label": t("pin.keypad") },
    ...KEY_ROWS.flat().map(digitKey),
    actionKey(t("common.clear"), t("common.clear"), clear, "key-clear"),
    digitKey(0),
    actionKey(t("pin.delete"), "⌫", removeLast, "key-delete"),
  );

  const element = h(
    "section",
    {
      class: "factor factor-pin",
      "aria-labelledby": headingId,
      onkeydown: (event: Event) => {
        const key = (event as KeyboardEvent).key;
        if (/^[0-9]$/.test(key)) {
          event.preventDefault();
          press(Number(key));
        } else if (key === "Backspace") {
          event.preventDefault();
          removeLast();
        }
      },
    },
    h("h2", { id: headingId }, options.heading),
    h("p", { class: "hint" }, t("pin.hint", { length: options.length })),
    display,
    status,
    keypad,
    options.footer,
  );
  render();
  return { element, focus: () => (keypad.querySelector("button") as HTMLButtonElement).focus() };
}
