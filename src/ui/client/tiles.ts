// The pictures on the PIN keys and the pattern grid: 36 distinct tiles, six shapes in six colours,
// drawn as inline SVG (no image files, no third-party requests). A tile's id is its index in the
// unshuffled grid, which is what the secret encodes (login protocol §4); its name is its
// accessible description ("green triangle").
import { svg } from "./dom.js";

const SHAPES = ["circle", "square", "triangle", "diamond", "star", "hexagon"] as const;
const COLOURS = ["red", "orange", "yellow", "green", "blue", "purple"] as const;
type Shape = (typeof SHAPES)[number];

export const TILE_COUNT = SHAPES.length * COLOURS.length;

/** Shape and colour of tile `id`: along a row of six every shape appears, each row shifts the colours. */
function tileParts(id: number): { shape: Shape; colour: (typeof COLOURS)[number] } {
  const row = Math.floor(id / SHAPES.length) % COLOURS.length;
  const column = id % SHAPES.length;
  return { shape: SHAPES[column] as Shape, colour: COLOURS[(column + row) % COLOURS.length] as (typeof COLOURS)[number] };
}

export function tileName(id: number): string {
  const { shape, colour } = tileParts(id);
  return `${colour} ${shape}`;
}

function star(cx: number, cy: number, outer: number, inner: number): string {
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`);
  }
  return points.join(" ");
}

function shapeElement(shape: Shape): SVGElement {
  switch (shape) {
    case "circle":
      return svg("circle", { cx: 24, cy: 24, r: 15 });
    case "square":
      return svg("rect", { x: 10, y: 10, width: 28, height: 28, rx: 4 });
    case "triangle":
      return svg("polygon", { points: "24,7 41,38 7,38" });
    case "diamond":
      return svg("polygon", { points: "24,5 42,24 24,43 6,24" });
    case "star":
      return svg("polygon", { points: star(24, 25, 18, 8) });
    case "hexagon":
      return svg("polygon", { points: "24,6 40,15 40,33 24,42 8,33 8,15" });
  }
}

/** The picture of tile `id`, decorative (the button around it carries the name). */
export function tileImage(id: number): SVGSVGElement {
  const { shape, colour } = tileParts(id);
  const image = svg("svg", { viewBox: "0 0 48 48", class: `tile tile-${colour}`, "aria-hidden": "true", focusable: "false" });
  image.appendChild(shapeElement(shape));
  return image;
}
