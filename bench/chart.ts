// The benchmark chart: vega-lite specs compiled to vega and rendered to SVG headless (no canvas,
// no browser). A charting library draws it, so axes, scales and legends stay correct as data changes.
//
// vega and vega-lite are dev dependencies: loaded on demand, and the chart is skipped (null) in an
// installed package that lacks them.
import type * as vega from 'vega';
import type * as vl from 'vega-lite';
import { importOptional } from './optional-import.js';

/** The packages the chart needs, named when it is skipped. */
export const CHART_PACKAGES = ['vega', 'vega-lite'] as const;

export interface EngineBar {
  /** e.g. 'ours SIMD', 'hash-wasm', 'node:crypto'. */
  engine: string;
  /** e.g. 'tree hash', 'linear SHA-256'. */
  kind: string;
  mibPerSecond: number;
}

export interface ScalingPoint {
  /** e.g. 'wasm', 'node', 'node (SHA-NI masked)'. */
  engine: string;
  threads: number;
  mibPerSecond: number;
}

export interface UploadBar {
  variant: string;
  mibPerSecond: number;
}

export interface ChartData {
  title: string;
  engines: EngineBar[];
  scaling: ScalingPoint[];
  uploads: UploadBar[];
}

/** Builds the vega-lite spec: engines side by side, pool scaling, and end-to-end uploads. */
export function chartSpec(data: ChartData): vl.TopLevelSpec {
  const panels: any[] = [];
  if (data.engines.length) {
    panels.push({
      title: 'Hash throughput per engine (one thread)',
      data: { values: data.engines },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'engine', type: 'nominal', title: null, sort: '-x', axis: { labelLimit: 320 } },
        yOffset: { field: 'kind' },
        x: { field: 'mibPerSecond', type: 'quantitative', title: 'MiB/s' },
        color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
      width: 320,
    });
  }
  if (data.scaling.length) {
    panels.push({
      title: 'HashPool.hashFile scaling by threads',
      data: { values: data.scaling },
      mark: { type: 'line', point: true, tooltip: true },
      encoding: {
        x: { field: 'threads', type: 'ordinal', title: 'threads', axis: { labelAngle: 0 } },
        y: { field: 'mibPerSecond', type: 'quantitative', title: 'MiB/s (linear + tree hash)' },
        color: { field: 'engine', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } },
      },
      width: 240,
      height: 220,
    });
  }
  if (data.uploads.length) {
    panels.push({
      title: 'Upload to the local server (loopback)',
      data: { values: data.uploads },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'variant', type: 'nominal', title: null, axis: { labelAngle: -20 }, sort: '-y' },
        y: { field: 'mibPerSecond', type: 'quantitative', title: 'MiB/s' },
        color: { field: 'variant', type: 'nominal', legend: null },
      },
      width: 200,
      height: 220,
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: data.title, anchor: 'start' },
    hconcat: panels,
    // Each panel colours a different field (hash kind, engine, upload variant): own scales, own legends.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    padding: 12,
    config: { font: 'sans-serif', view: { stroke: null }, title: { offset: 10 } },
  } as vl.TopLevelSpec;
}

/** The chart as SVG; null when vega or vega-lite is not installed. */
export async function renderChartSvg(data: ChartData): Promise<string | null> {
  const vegaLib = await importOptional<typeof vega>('vega');
  const vlLib = await importOptional<typeof vl>('vega-lite');
  if (vegaLib === null || vlLib === null) return null;
  const spec = vlLib.compile(chartSpec(data)).spec;
  const view = new vegaLib.View(vegaLib.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
