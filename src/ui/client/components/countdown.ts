// A live countdown of whole seconds: what the page shows while the server will not take the next
// try (429 with Retry-After). The number is a timer (role="timer": screen readers do not read
// every tick); the page announces the wait once, in its alert. Driven by the page's clock, so a
// test can move time on instead of waiting.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function countdown(seconds: number, onDone: () => void): HTMLElement {
  const end = Date.now() + seconds * 1000;
  const text = h("p", { class: "countdown", role: "timer" });
  const tick = () => {
    const left = Math.ceil((end - Date.now()) / 1000);
    if (left <= 0 || !text.isConnected) {
      clearInterval(timer);
      if (left <= 0 && text.isConnected) onDone();
      return;
    }
    text.textContent = t("wait.countdown", { seconds: left });
  };
  const timer = setInterval(tick, 250);
  text.textContent = t("wait.countdown", { seconds });
  return h("div", { class: "wait" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}
