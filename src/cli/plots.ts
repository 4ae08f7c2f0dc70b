import type { MetricsRecord } from './metricsLog';

/** A Vega-Lite (v6) specification, kept loose: the CLI only builds two fixed kinds of chart. */
export type VegaLiteSpec = Record<string, unknown>;

/** The loss curves of the step records (the trainer's StepLogs keys loss, supervised, unlabeled, iph): one line per term present. */
export function lossChartSpec(records: readonly MetricsRecord[]): VegaLiteSpec | undefined {
  const terms: Array<[string, string]> = [['loss', 'total'], ['supervised', 'supervised'], ['unlabeled', 'unlabeled'], ['iph', 'IPH']];
  const values: Array<{ step: number; value: number; term: string }> = [];
  for (const r of records) {
    if (r.type !== 'step') continue;
    for (const [key, term] of terms) {
      const v = r[key];
      if (typeof v === 'number' && Number.isFinite(v)) values.push({ step: r.step, value: v, term });
    }
  }
  if (values.length === 0) return undefined;
  return lineChart('Training losses', values, 'term', 'loss');
}

/** Validation top-1 and balanced accuracy over steps, for the student and the EMA model. */
export function accuracyChartSpec(records: readonly MetricsRecord[]): VegaLiteSpec | undefined {
  const values: Array<{ step: number; value: number; series: string }> = [];
  for (const r of records) {
    if (r.type !== 'eval' || r.split !== 'validation') continue;
    if (Number.isFinite(r.top1)) values.push({ step: r.step, value: r.top1, series: `${r.model} top-1` });
    if (Number.isFinite(r.balancedAccuracy)) values.push({ step: r.step, value: r.balancedAccuracy, series: `${r.model} balanced` });
  }
  if (values.length === 0) return undefined;
  return lineChart('Validation accuracy', values, 'series', 'accuracy');
}

/**
 * A confusion-matrix heat map: true class down, predicted class across, cell colour = the fraction of
 * the true class (row-normalised, so rare classes show), cell text = the count.
 */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], classNames: readonly string[], title: string): VegaLiteSpec {
  const order = classNames.slice();
  const values = matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({ true: order[t], predicted: order[p], count, fraction: total === 0 ? 0 : count / total }));
  });
  const side = Math.max(160, Math.min(480, 40 * order.length));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: side,
    height: side,
    background: 'white',
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: order, title: 'predicted' },
      y: { field: 'true', type: 'ordinal', sort: order, title: 'true' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'fraction', type: 'quantitative', title: 'fraction of row', scale: { domain: [0, 1], scheme: 'blues' } } } },
      {
        mark: { type: 'text', baseline: 'middle' },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.fraction > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

function lineChart(title: string, values: object[], colorField: string, yTitle: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 260,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: colorField, type: 'nominal', title: null },
    },
  };
}

/**
 * Renders a Vega-Lite spec to an SVG string with vega-lite → vega (both optional dependencies, imported
 * only here). Returns undefined, with the reason, when they are not installed.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<{ svg: string } | { missing: string }> {
  let vega: typeof import('vega');
  let vegaLite: typeof import('vega-lite');
  try {
    vega = await import('vega');
    vegaLite = await import('vega-lite');
  } catch (error) {
    return { missing: `vega and vega-lite are optional peer dependencies and could not be loaded (${(error as Error).message.split('\n')[0]})` };
  }
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return { svg: await view.toSVG() };
  } finally {
    view.finalize();
  }
}
