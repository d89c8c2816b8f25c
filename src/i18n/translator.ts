// Formats the catalogue's ICU messages (plural and select rules from the platform's Intl) for one
// language. Shared by the server, which formats the catalogue's text, and the browser, which gets
// the messages parsed at build time (scripts/build-ui.mjs), so that the ICU parser is not shipped.
import type { MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { IntlMessageFormat } from "intl-messageformat";
import type englishCatalogue from "./messages/en.json";
import type { Locale } from "./locales.js";

/** Every message's key; English is the reference catalogue that every other must match. */
export type MessageKey = keyof typeof englishCatalogue;
export type MessageValues = Readonly<Record<string, string | number>>;
/** A message as the catalogue writes it, or as the build parses it for the browser. */
export type Message = string | MessageFormatElement[];
export type Messages = Readonly<Partial<Record<MessageKey, Message>>>;

/** `<tag>chunks</tag>` in a message becomes what its function makes of the formatted chunks. */
export type Tags<T> = Readonly<Record<string, (chunks: (string | T)[]) => T>>;

export interface Translator {
  readonly locale: Locale;
  t(key: MessageKey, values?: MessageValues): string;
  /** A message with tags, as text and the tags' results in order. */
  rich<T>(key: MessageKey, values: MessageValues, tags: Tags<T>): (string | T)[];
}

export function createTranslator(locale: Locale, messages: Messages): Translator {
  const formats = new Map<MessageKey, IntlMessageFormat>();
  const formatOf = (key: MessageKey): IntlMessageFormat => {
    let format = formats.get(key);
    if (!format) {
      const message = messages[key];
      if (message === undefined) throw new Error(`No message ${key} in the ${locale} catalogue`);
      format = new IntlMessageFormat(message, locale);
      formats.set(key, format);
    }
    return format;
  };
  return {
    locale,
    t: (key, values) => String(formatOf(key).format(values)),
    rich<T>(key: MessageKey, values: MessageValues, tags: Tags<T>): (string | T)[] {
      const result = formatOf(key).format<T>({ ...values, ...tags });
      return Array.isArray(result) ? result : [result];
    },
  };
}
