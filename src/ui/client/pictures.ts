// The pictures on the PIN keys and the pattern grid, drawn as inline SVG (no image files, no
// third-party requests), in two sets that share nothing, so that a picture never means both a
// digit and a grid cell:
//   - keypad: ten geometric shapes, each in its own colour — one picture per digit;
//   - grid: six things (sun, moon, cloud, leaf, flower, lightning bolt) in six colours; along a
//     row every thing appears and each row shifts the colours, so the 36 cells of the largest
//     grid are all different. A cell's id is its index in the grid, which is what the secret
//     encodes (login protocol §4); its name ("red sun") is its accessible description.
import type { MessageKey } from "../../i18n/translator.js";
import { svg } from "./dom.js";
import { t } from "./i18n.js";

type Drawing = () => SVGElement[];

const polygon = (points: string) => svg("polygon", { points });
const path = (d: string) => svg("path", { d });

function starPoints(cx: number, cy: number, outer: number, inner: number): string {
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`);
  }
  return points.join(" ");
}

/** Digit → shape and colour class (`pic-k<digit>`, styles.css): ten shapes, ten colours. */
const KEYPAD: readonly Drawing[] = [
  () => [polygon("24,5 43,19 36,41 12,41 5,19")], // 0 pentagon
  () => [svg("circle", { cx: 24, cy: 24, r: 16 })], // 1 circle
  () => [svg("rect", { x: 9, y: 9, width: 30, height: 30, rx: 4 })], // 2 square
  () => [polygon("24,6 42,39 6,39")], // 3 triangle
  () => [polygon("24,4 43,24 24,44 5,24")], // 4 diamond
  () => [polygon(starPoints(24, 25, 19, 8))], // 5 star
  () => [polygon("24,5 41,14.5 41,33.5 24,43 7,33.5 7,14.5")], // 6 hexagon
  () => [path("M24 41C9 30 5 21 10 14c4-6 11-6 14 1 3-7 10-7 14-1 5 7 1 16-14 27Z")], // 7 heart
  () => [polygon("18,6 30,6 30,18 42,18 42,30 30,30 30,42 18,42 18,30 6,30 6,18 18,18")], // 8 plus
  () => [path("M24 4C24 4 10 21 10 30a14 14 0 0 0 28 0C38 21 24 4 24 4Z")], // 9 drop
];

const rays = () => {
  const group = svg("g", { class: "rays" });
  for (let i = 0; i < 8; i++) {
    const angle = (i * Math.PI) / 4;
    const [x1, y1, x2, y2] = [14, 14, 21, 21].map((r, j) => 24 + r * (j % 2 === 0 ? Math.cos(angle) : Math.sin(angle)));
    group.appendChild(
      svg("line", {
        x1: (x1 as number).toFixed(1),
        y1: (y1 as number).toFixed(1),
        x2: (x2 as number).toFixed(1),
        y2: (y2 as number).toFixed(1),
      }),
    );
  }
  return group;
};

const GRID_THINGS = ["sun", "moon", "cloud", "leaf", "flower", "bolt"] as const;
const GRID_COLOURS = ["red", "orange", "yellow", "green", "blue", "purple"] as const;
type Thing = (typeof GRID_THINGS)[number];

const THING_DRAWINGS: Readonly<Record<Thing, Drawing>> = {
  sun: () => [svg("circle", { cx: 24, cy: 24, r: 9 }), rays()],
  moon: () => [path("M30 6a18 18 0 1 0 12 28A15 15 0 0 1 30 6Z")],
  cloud: () => [path("M13 36a8 8 0 0 1-1-16 11 11 0 0 1 21-4 9 9 0 0 1 3 20Z")],
  leaf: () => [path("M9 40C8 20 20 8 41 7c1 21-11 33-32 33Z"), svg("path", { d: "M11 38 33 15", class: "vein" })],
  flower: () => [
    ...[0, 1, 2, 3, 4].map((i) => {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / 5;
      return svg("circle", { cx: (24 + 10 * Math.cos(angle)).toFixed(1), cy: (24 + 10 * Math.sin(angle)).toFixed(1), r: 7.5 });
    }),
    svg("circle", { cx: 24, cy: 24, r: 5, class: "heart" }),
  ],
  bolt: () => [polygon("28,3 9,27 22,27 17,45 39,19 26,19")],
};

const THING_NAMES: Readonly<Record<Thing, MessageKey>> = {
  sun: "picture.sun",
  moon: "picture.moon",
  cloud: "picture.cloud",
  leaf: "picture.leaf",
  flower: "picture.flower",
  bolt: "picture.bolt",
};
const COLOUR_NAMES: Readonly<Record<(typeof GRID_COLOURS)[number], MessageKey>> = {
  red: "colour.red",
  orange: "colour.orange",
  yellow: "colour.yellow",
  green: "colour.green",
  blue: "colour.blue",
  purple: "colour.purple",
};

/** Thing and colour of grid cell `id`. */
function gridParts(id: number) {
  const row = Math.floor(id / GRID_THINGS.length) % GRID_COLOURS.length;
  const column = id % GRID_THINGS.length;
  return {
    thing: GRID_THINGS[column] as Thing,
    colour: GRID_COLOURS[(column + row) % GRID_COLOURS.length] as (typeof GRID_COLOURS)[number],
  };
}

function picture(className: string, parts: SVGElement[]): SVGSVGElement {
  const image = svg("svg", { viewBox: "0 0 48 48", class: `pic ${className}`, "aria-hidden": "true", focusable: "false" });
  for (const part of parts) image.appendChild(part);
  return image;
}

/** The picture of a digit's key, decorative (the key is named by its digit). */
export function keypadPicture(digit: number): SVGSVGElement {
  return picture(`pic-k${digit}`, (KEYPAD[digit] as Drawing)());
}

/** The picture of grid cell `id`, decorative (the cell's button carries gridPictureName). */
export function gridPicture(id: number): SVGSVGElement {
  const { thing, colour } = gridParts(id);
  return picture(`pic-${colour}`, THING_DRAWINGS[thing]());
}

export function gridPictureName(id: number): string {
  const { thing, colour } = gridParts(id);
  return t("picture.name", { colour: t(COLOUR_NAMES[colour]), shape: t(THING_NAMES[thing]) });
}
