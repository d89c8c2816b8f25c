// The message area of a page: errors as an alert (announced at once), progress and success as a
// polite status. Each message is a new element, so that the same message twice (a second wrong
// PIN) is announced again.
import { h, replaceChildren } from "../dom.js";

export interface Notice {
  readonly element: HTMLElement;
  error(message: string): void;
  info(message: string): void;
  clear(): void;
}

export function notice(): Notice {
  const element = h("div", { class: "notice-area" });
  const show = (kind: "error" | "info", message: string) =>
    replaceChildren(element, h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, message));
  return {
    element,
    error: (message) => show("error", message),
    info: (message) => show("info", message),
    clear: () => replaceChildren(element),
  };
}
