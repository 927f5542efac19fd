import { createRequire } from "node:module";
import type { TopLevelSpec } from "vega-lite";

/**
 * A Vega-Lite spec to a PNG: Vega-Lite compiles it, Vega lays it out headless into SVG, resvg rasterizes
 * it. All three are loaded on first use, so commands that draw nothing do not pay for them.
 *
 * Text renders the same on every machine: resvg is given the DejaVu Sans files from the
 * `dejavu-fonts-ttf` package (a production dependency, so the Docker image has them too) and never looks
 * at the system's fonts. Dates are laid out in UTC by the spec, so neither the machine's time zone nor a
 * DST change moves a label.
 */
export const CHART_FONT = "DejaVu Sans";

const require = createRequire(import.meta.url);
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${f}`),
);

export interface RenderedChart {
  png: Buffer;
  width: number;
  height: number;
  svg: string;
  /** Time spent laying out the SVG (on the event loop) and rasterizing it (off it), in ms. */
  ms: { svg: number; png: number };
}

/** Renders at `scale` times the spec's own size (2: sharp text on high-density screens and in Slack). */
export async function renderPng(spec: TopLevelSpec, scale = 2): Promise<RenderedChart> {
  const [vega, vegaLite, resvg] = await Promise.all([
    import("vega"),
    import("vega-lite"),
    import("@resvg/resvg-js"),
  ]);
  const started = performance.now();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const laidOut = performance.now();
  // resvg works off the event loop (a 365-day chart takes ~200 ms to rasterize at 2×).
  const image = await resvg.renderAsync(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: FONT_FILES,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  const png = image.asPng();
  const ms = { svg: laidOut - started, png: performance.now() - laidOut };
  return { png, width: image.width, height: image.height, svg, ms };
}
