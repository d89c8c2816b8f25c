// The message catalogues, one per supported language, for the server (e-mails and the pages it
// renders itself); the browser gets its language's messages from the build (scripts/build-ui.mjs).
import ar from "./messages/ar.json" with { type: "json" };
import de from "./messages/de.json" with { type: "json" };
import en from "./messages/en.json" with { type: "json" };
import es from "./messages/es.json" with { type: "json" };
import fr from "./messages/fr.json" with { type: "json" };
import ja from "./messages/ja.json" with { type: "json" };
import type { Locale } from "./locales.js";
import { createTranslator, type MessageKey, type Translator } from "./translator.js";

/** Each catalogue must hold exactly English's keys (test/i18n/catalogues.test.ts checks that). */
export const CATALOGUES: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en, de, fr, es, ja, ar };

const translators = new Map<Locale, Translator>();

export function translatorFor(locale: Locale): Translator {
  let translator = translators.get(locale);
  if (!translator) {
    translator = createTranslator(locale, CATALOGUES[locale]);
    translators.set(locale, translator);
  }
  return translator;
}
