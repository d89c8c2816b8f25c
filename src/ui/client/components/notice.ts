// The message area of a page: errors in an alert (announced at once), progress and success in a
// polite status line.
import { h } from "../dom.js";

export interface Notice {
  readonly element: HTMLElement;
  error(message: string): void;
  info(message: string): void;
  clear(): void;
}

export function notice(): Notice {
  const element = h("div", { class: "notice", role: "alert", "aria-live": "assertive", hidden: true });
  const show = (kind: "error" | "info", message: string) => {
    element.className = `notice notice-${kind}`;
    element.setAttribute("role", kind === "error" ? "alert" : "status");
    element.textContent = message;
    element.hidden = false;
  };
  return {
    element,
    error: (message) => show("error", message),
    info: (message) => show("info", message),
    clear: () => {
      element.hidden = true;
      element.textContent = "";
    },
  };
}
