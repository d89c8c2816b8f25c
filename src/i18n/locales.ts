// The languages of the hosted pages and e-mails, and how one is chosen for a person: the first
// supported language of the most specific source that names one — the application's `ui_locales`,
// then the user's own `locale`, then the browser's Accept-Language, then the tenant's default.
// Pure: shared by the server (src/ui, src/mail) and the browser code.

export const SUPPORTED_LOCALES = ["en", "de", "fr", "es", "ja", "ar"] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const FALLBACK_LOCALE: Locale = "en";

const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set(["ar"]);

export function isSupportedLocale(value: string): value is Locale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

export function directionOf(locale: Locale): "ltr" | "rtl" {
  return RIGHT_TO_LEFT.has(locale) ? "rtl" : "ltr";
}

/** The supported language of one BCP 47 tag (`de-CH` → `de`), by its primary language subtag. */
export function supportedLocaleOf(tag: string): Locale | undefined {
  const language = tag.trim().split(/[-_]/)[0]?.toLowerCase() ?? "";
  return isSupportedLocale(language) ? language : undefined;
}

/** The tags of an OIDC `ui_locales` value (space-separated, in order of preference). */
export function uiLocaleTags(value: string): string[] {
  return value.split(" ").filter(Boolean).slice(0, 20);
}

/** The tags of an Accept-Language header by descending q (RFC 9110 §12.5.4); `*` and q=0 dropped. */
export function acceptLanguageTags(header: string | undefined): string[] {
  if (!header) return [];
  const ranked = header
    .split(",")
    .slice(0, 30)
    .map((part, index) => {
      const [tag = "", ...parameters] = part.trim().split(";");
      const q = parameters.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== "" && entry.tag !== "*" && entry.q > 0);
  ranked.sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.tag);
}

/** Where a person's language may come from, most specific first (each optional). */
export interface LocaleSources {
  /** The `ui_locales` of the authorization request, or of the page's own query. */
  readonly uiLocales?: string | undefined;
  /** The user's `locale` attribute, where the user is known (e-mails). */
  readonly userLocale?: string | undefined;
  readonly acceptLanguage?: string | undefined;
  /** The tenant's `default_locale`. */
  readonly tenantDefault?: string | undefined;
}

export function chooseLocale(sources: LocaleSources): Locale {
  const candidates = [
    ...uiLocaleTags(sources.uiLocales ?? ""),
    sources.userLocale ?? "",
    ...acceptLanguageTags(sources.acceptLanguage),
    sources.tenantDefault ?? "",
  ];
  for (const tag of candidates) {
    const locale = tag ? supportedLocaleOf(tag) : undefined;
    if (locale) return locale;
  }
  return FALLBACK_LOCALE;
}
