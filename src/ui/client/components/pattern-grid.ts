// The pattern grid: size × size picture cells. Drag across them (mouse, pen or touch), tap them
// one by one, or move with the arrow keys and press Enter/Space; Undo, Clear and Continue finish.
// A cell's id is its index in the grid (login protocol §4). The chosen cells stay in this closure.
import { h, svg, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { gridPicture, gridPictureName } from "../pictures.js";

export interface PatternGridOptions {
  readonly heading: string;
  readonly size: number;
  readonly minCells: number;
  readonly onComplete: (cells: number[]) => void;
  /** Shown under the grid (the sign-in page's "Forgot your pattern?"). */
  readonly footer?: Node | undefined;
}

export interface PatternGrid {
  readonly element: HTMLElement;
  focus(): void;
}

// A drag selects a cell only when it passes near the centre, so that crossing a corner does not
// pick the neighbours.
const HIT_RADIUS = 0.38;

export function patternGrid(options: PatternGridOptions): PatternGrid {
  const { size } = options;
  const chosen: number[] = [];
  let focused = 0;
  let dragging = false;
  let done = false;
  const headingId = uniqueId("pattern-heading");

  const cells = Array.from({ length: size * size }, (_, id) => {
    const row = Math.floor(id / size) + 1;
    const column = (id % size) + 1;
    return h(
      "button",
      {
        type: "button",
        class: "cell",
        "data-cell": id,
        tabindex: id === 0 ? 0 : -1,
        "aria-pressed": "false",
        "aria-label": t("pattern.cell", { picture: gridPictureName(id), row, column }),
        // Keyboard activation (detail 0); pointer presses are handled on pointerdown.
        onclick: (event: Event) => {
          if ((event as MouseEvent).detail === 0) choose(id);
        },
      },
      gridPicture(id),
      h("span", { class: "cell-order", "aria-hidden": "true" }),
    );
  });
  const trail = svg("svg", { class: "trail", "aria-hidden": "true" });
  const line = svg("polyline", {});
  trail.appendChild(line);
  // The grid's columns come from a class, not a style attribute (the CSP forbids inline styles).
  const grid = h("div", { class: `grid grid-${size}`, role: "group", "aria-label": t("pattern.grid", { size }) }, ...cells);
  const status = h("p", { class: "pattern-status", role: "status", "aria-live": "polite" });
  const continueButton = h("button", { type: "button", class: "primary", disabled: true, onclick: () => finish() }, t("common.continue"));

  const render = () => {
    cells.forEach((cell, id) => {
      const position = chosen.indexOf(id);
      cell.setAttribute("aria-pressed", String(position >= 0));
      (cell.querySelector(".cell-order") as HTMLElement).textContent = position >= 0 ? String(position + 1) : "";
    });
    const missing = options.minCells - chosen.length;
    status.textContent =
      chosen.length === 0
        ? t("pattern.start", { min: options.minCells })
        : t("pattern.progress", { count: chosen.length, missing: Math.max(0, missing) });
    continueButton.disabled = missing > 0;
    drawTrail();
  };

  const drawTrail = () => {
    const box = grid.getBoundingClientRect();
    trail.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
    const points = chosen.map((id) => {
      const rect = (cells[id] as HTMLElement).getBoundingClientRect();
      return `${(rect.left + rect.width / 2 - box.left).toFixed(1)},${(rect.top + rect.height / 2 - box.top).toFixed(1)}`;
    });
    line.setAttribute("points", points.join(" "));
  };

  function choose(id: number) {
    if (done || chosen.includes(id)) return;
    chosen.push(id);
    render();
  }
  const undo = () => {
    if (done) return;
    chosen.pop();
    render();
  };
  const clear = () => {
    if (done) return;
    chosen.length = 0;
    render();
  };
  function finish() {
    if (done || chosen.length < options.minCells) return;
    done = true;
    options.onComplete([...chosen]);
  }

  const cellAt = (x: number, y: number): number | undefined => {
    for (let id = 0; id < cells.length; id++) {
      const rect = (cells[id] as HTMLElement).getBoundingClientRect();
      const dx = (x - (rect.left + rect.width / 2)) / rect.width;
      const dy = (y - (rect.top + rect.height / 2)) / rect.height;
      if (dx * dx + dy * dy <= HIT_RADIUS * HIT_RADIUS) return id;
    }
    return undefined;
  };
  const moveFocus = (to: number) => {
    (cells[focused] as HTMLElement).tabIndex = -1;
    focused = to;
    const cell = cells[focused] as HTMLElement;
    cell.tabIndex = 0;
    cell.focus();
  };

  grid.addEventListener("pointerdown", (event) => {
    const id = cellAt(event.clientX, event.clientY);
    if (id === undefined) return;
    event.preventDefault();
    dragging = true;
    grid.setPointerCapture(event.pointerId);
    moveFocus(id);
    choose(id);
  });
  grid.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const id = cellAt(event.clientX, event.clientY);
    if (id !== undefined) choose(id);
  });
  const stopDragging = () => {
    dragging = false;
  };
  grid.addEventListener("pointerup", stopDragging);
  grid.addEventListener("pointercancel", stopDragging);
  grid.addEventListener("keydown", (event) => {
    const row = Math.floor(focused / size);
    const column = focused % size;
    const targets: Record<string, number | undefined> = {
      ArrowLeft: column > 0 ? focused - 1 : undefined,
      ArrowRight: column < size - 1 ? focused + 1 : undefined,
      ArrowUp: row > 0 ? focused - size : undefined,
      ArrowDown: row < size - 1 ? focused + size : undefined,
      Home: row * size,
      End: row * size + size - 1,
    };
    if (!(event.key in targets)) return;
    event.preventDefault();
    const target = targets[event.key];
    if (target !== undefined) moveFocus(target);
  });
  // The trail follows the cells when the layout changes; a grid that left the page lets go.
  const onResize = () => (grid.isConnected ? drawTrail() : window.removeEventListener("resize", onResize));
  window.addEventListener("resize", onResize);

  const element = h(
    "section",
    { class: "factor factor-pattern", "aria-labelledby": headingId },
    h("h2", { id: headingId }, options.heading),
    h("p", { class: "hint" }, t("pattern.hint")),
    h("div", { class: "grid-wrap" }, grid, trail),
    status,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: undo }, t("pattern.undo")),
      h("button", { type: "button", class: "secondary", onclick: clear }, t("common.clear")),
      continueButton,
    ),
    options.footer,
  );
  render();
  return { element, focus: () => (cells[focused] as HTMLElement).focus() };
}
