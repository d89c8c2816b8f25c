// The branding rules (WCAG contrast, #rrggbb, https links) and the stylesheet made from a brand's
// colours: only validated colours in it, and links on the dark card kept at 4.5:1.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { brandingViolations, contrastRatio } from "../../src/domain/branding/brand-rules.js";
import { brandStylesheet } from "../../src/ui/brand.js";

describe("brand rules", () => {
  it("computes WCAG contrast ratios", () => {
    assert.equal(contrastRatio("#ffffff", "#000000"), 21);
    assert.equal(contrastRatio("#777777", "#777777"), 1);
    assert.equal(contrastRatio("#767676", "#ffffff").toFixed(2), "4.54", "the classic lightest grey that passes on white");
  });

  it("refuses unreadable colours, malformed colours and links that are not https, field by field", () => {
    assert.deepEqual(
      brandingViolations({ primaryColor: "#1d4ed8", backgroundColor: "#fdf6e3", uris: { logo_uri: "https://a.example/l.png" } }),
      [],
    );
    assert.deepEqual(
      brandingViolations({ primaryColor: "", backgroundColor: null, uris: { support_uri: "" } }),
      [],
      "none is always allowed",
    );
    const paths = (input: Parameters<typeof brandingViolations>[0]) => brandingViolations(input).map((v) => v.path.join("."));
    assert.deepEqual(paths({ primaryColor: "#777777" }), ["primary_color"], "4.48:1 is not enough");
    assert.deepEqual(paths({ primaryColor: "blue", backgroundColor: "#12345" }), ["primary_color", "background_color"]);
    assert.deepEqual(
      paths({ uris: { logo_uri: "http://a.example/l.png", support_uri: "https://user:pw@a.example/", terms_of_service_uri: "x" } }),
      ["logo_uri", "support_uri", "terms_of_service_uri"],
    );
  });

  it("makes a stylesheet of the colours only, with links lightened for the dark card", () => {
    assert.equal(brandStylesheet({ primary: "", background: "" }), "");
    const css = brandStylesheet({ primary: "#1D4ED8", background: "#FDF6E3" });
    assert.match(css, /^:root\{--accent:#1d4ed8;--focus:#1d4ed8;--button:#1d4ed8;--button-text:#ffffff\}/);
    const dark = /prefers-color-scheme:dark\)\{:root\{--accent:(#[0-9a-f]{6})/.exec(css)?.[1];
    assert.ok(dark && contrastRatio(dark, "#1b1d21") >= 4.5, `dark-scheme links ${dark}`);
    assert.match(css, /prefers-color-scheme:light\)\{:root\{--bg:#fdf6e3\}\}$/);
    assert.equal(brandStylesheet({ primary: "red;}body{display:none", background: "" }), "", "nothing but #rrggbb gets in");
  });
});
