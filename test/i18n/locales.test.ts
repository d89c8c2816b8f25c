// How a language is chosen: ui_locales, then the user's locale, then Accept-Language, then the
// tenant's default, then English — each by the first supported tag, by primary language subtag.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptLanguageTags, chooseLocale, directionOf } from "../../src/i18n/locales.js";

describe("chooseLocale", () => {
  it("takes each source in order, skipping what is absent or unsupported", () => {
    const all = { uiLocales: "ja", userLocale: "fr", acceptLanguage: "es", tenantDefault: "de" };
    assert.equal(chooseLocale(all), "ja");
    assert.equal(chooseLocale({ ...all, uiLocales: "" }), "fr");
    assert.equal(chooseLocale({ ...all, uiLocales: "", userLocale: "" }), "es");
    assert.equal(chooseLocale({ tenantDefault: "de" }), "de");
    assert.equal(chooseLocale({}), "en");
    assert.equal(chooseLocale({ uiLocales: "pt-BR nl ar-EG", acceptLanguage: "de" }), "ar", "the first supported of ui_locales");
    assert.equal(chooseLocale({ uiLocales: "pt", userLocale: "zz", acceptLanguage: "ko, fr-CA;q=0.5", tenantDefault: "de" }), "fr");
  });

  it("reads Accept-Language by quality, dropping q=0 and *", () => {
    assert.deepEqual(acceptLanguageTags("fr;q=0.4, de-CH, es;q=0.9, ja;q=0, *;q=0.1"), ["de-CH", "es", "fr"]);
    assert.deepEqual(acceptLanguageTags(undefined), []);
    assert.equal(chooseLocale({ acceptLanguage: "ja;q=0, en-GB;q=0.2, ar;q=0.8" }), "ar");
  });

  it("writes Arabic right to left", () => {
    assert.equal(directionOf("ar"), "rtl");
    assert.equal(directionOf("ja"), "ltr");
  });
});
