// The page's messages (its language's parsed catalogue, loaded by main.ts) and how the page
// code uses them: every word a person reads comes from here.
import type { Locale } from "../../i18n/locales.js";
import { createTranslator, type MessageKey, type Messages, type MessageValues, type Translator } from "../../i18n/translator.js";
import { h } from "./dom.js";

let translator: Translator | undefined;

export function useMessages(locale: Locale, messages: Messages): void {
  translator = createTranslator(locale, messages);
}

function current(): Translator {
  if (!translator) throw new Error("the page's messages are not loaded");
  return translator;
}

export function t(key: MessageKey, values?: MessageValues): string {
  return current().t(key, values);
}

type Content = Node | string;

/** A message with markup: `<strong>` is bold, and each of `tags` makes its own element. */
export function tNodes(key: MessageKey, values: MessageValues, tags: Record<string, (chunks: Content[]) => Node> = {}): Content[] {
  return current().rich<Node>(key, values, { strong: (chunks) => h("strong", {}, ...chunks), ...tags });
}

/** "15 minutes", "2 hours": a wait or a block's length, rounded up to a unit that reads well. */
export function duration(seconds: number): string {
  if (seconds < 90) return t("duration", { unit: "second", n: Math.max(1, Math.ceil(seconds)) });
  if (seconds < 90 * 60) return t("duration", { unit: "minute", n: Math.ceil(seconds / 60) });
  if (seconds < 36 * 3600) return t("duration", { unit: "hour", n: Math.ceil(seconds / 3600) });
  return t("duration", { unit: "day", n: Math.ceil(seconds / 86_400) });
}
