import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { lazily } from '../lib/lazily.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import { CHART_FONT, postureChartSpec } from '../report/posture-chart.ts';

// The posture chart as a PNG, with no system library and no system font: Vega-Lite → Vega → SVG (headless, no
// canvas), then resvg's WebAssembly build with the font files shipped by the `source-sans` package (SIL OFL).
// The wasm and the fonts are read from node_modules (the chart function's package carries them: serverless.yml).

/** Files of node_modules the renderer reads; serverless.yml's chart function packages the same paths. */
export const CHART_ASSETS = {
  wasm: '@resvg/resvg-wasm/index_bg.wasm',
  fonts: ['source-sans/TTF/SourceSans3-Regular.ttf', 'source-sans/TTF/SourceSans3-Semibold.ttf'],
} as const;

const require = createRequire(import.meta.url);

/** The wasm, initialised once per process (initWasm may not run twice), and the fonts. */
const assets = lazily(async (): Promise<Uint8Array[]> => {
  await initWasm(await readFile(require.resolve(CHART_ASSETS.wasm)));
  return Promise.all(CHART_ASSETS.fonts.map(async (font) => new Uint8Array(await readFile(require.resolve(font)))));
});

/** The chart as SVG text. */
export async function renderPostureSvg(history: readonly RunHistoryEntry[]): Promise<string> {
  const view = new View(parse(compile(postureChartSpec(history)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as PNG bytes, at twice the SVG's size (sharp on high-density screens). */
export async function renderPosturePng(history: readonly RunHistoryEntry[]): Promise<Uint8Array> {
  const [svg, fontBuffers] = await Promise.all([renderPostureSvg(history), assets()]);
  const resvg = new Resvg(svg, {
    font: { fontBuffers, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
