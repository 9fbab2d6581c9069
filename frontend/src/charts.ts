/**
 * Small SVG charts as markup strings: a counts histogram and an optimizer convergence
 * plot. No chart library: both are a few dozen shapes, and strings test without a DOM.
 */

import type { IEvaluation } from './api';

export interface IChartSize {
  readonly width: number;
  readonly height: number;
}

const DEFAULT_SIZE: IChartSize = { width: 280, height: 150 };
const MARGIN = { top: 8, right: 8, bottom: 30, left: 44 };

/** Escape text for SVG/HTML markup. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number with at most `digits` significant digits, without trailing noise. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) {
    return value.toExponential(Math.max(0, digits - 2));
  }
  return String(Number(value.toPrecision(digits)));
}

/**
 * The bars a histogram shows: every outcome in bit-string order when there are at most
 * `maxBars`, else the `maxBars - 1` most frequent ones and an "other" bar.
 */
export function histogramBars(
  counts: Record<string, number>,
  maxBars = 16
): { label: string; count: number }[] {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length <= maxBars) {
    return entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([label, count]) => ({ label, count }));
  }
  entries.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const top = entries.slice(0, maxBars - 1).map(([label, count]) => ({ label, count }));
  const rest = entries.slice(maxBars - 1).reduce((sum, [, n]) => sum + n, 0);
  return [...top, { label: `other (${entries.length - maxBars + 1})`, count: rest }];
}

/** A bar chart of measurement counts (probabilities on the y axis). */
export function histogramSvg(
  counts: Record<string, number>,
  size: IChartSize = DEFAULT_SIZE
): string {
  const bars = histogramBars(counts);
  const total = bars.reduce((sum, b) => sum + b.count, 0);
  const { width, height } = size;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  if (total === 0) {
    return emptyChart(size, 'no counts');
  }
  const maxP = Math.max(...bars.map(b => b.count / total));
  const slot = plotW / bars.length;
  const barW = Math.max(2, slot * 0.75);
  const rotate = bars.some(b => b.label.length > 4) || slot < 22;
  const parts: string[] = [];
  bars.forEach((bar, i) => {
    const p = bar.count / total;
    const h = (p / maxP) * plotH;
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    const y = MARGIN.top + plotH - h;
    const label = escapeXml(bar.label);
    parts.push(
      `<rect class="jp-EigenChart-bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" ` +
        `width="${barW.toFixed(1)}" height="${h.toFixed(1)}">` +
        `<title>${label}: ${bar.count} (${formatNumber(p, 3)})</title></rect>`
    );
    const lx = MARGIN.left + i * slot + slot / 2;
    const ly = MARGIN.top + plotH + 12;
    parts.push(
      rotate
        ? `<text class="jp-EigenChart-tick" x="${lx.toFixed(1)}" y="${ly}" ` +
            `transform="rotate(-35 ${lx.toFixed(1)} ${ly})" text-anchor="end">${label}</text>`
        : `<text class="jp-EigenChart-tick" x="${lx.toFixed(1)}" y="${ly}" ` +
            `text-anchor="middle">${label}</text>`
    );
  });
  return svg(size, 'Measurement counts', [...axes(size, [0, maxP], 'probability'), ...parts]);
}

/**
 * The convergence of a hybrid job: the objective value at every evaluation (thin) and
 * the best value so far (bold), one pair of lines per optimized node.
 */
export function convergenceSvg(
  evaluations: readonly IEvaluation[],
  size: IChartSize = DEFAULT_SIZE
): string {
  const values = evaluations.filter(e => Number.isFinite(e.value));
  if (values.length === 0) {
    return emptyChart(size, 'no evaluations yet');
  }
  const nodes = [...new Set(values.map(e => e.node))];
  let lo = Math.min(...values.map(e => e.value));
  let hi = Math.max(...values.map(e => e.value));
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const n = values.length;
  const { width, height } = size;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (i: number) => MARGIN.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const py = (v: number) => MARGIN.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  nodes.forEach((node, k) => {
    const points: string[] = [];
    const best: string[] = [];
    let running = Infinity;
    values.forEach((e, i) => {
      if (e.node !== node) {
        return;
      }
      running = Math.min(running, e.value);
      points.push(`${px(i).toFixed(1)},${py(e.value).toFixed(1)}`);
      best.push(`${px(i).toFixed(1)},${py(running).toFixed(1)}`);
    });
    parts.push(
      `<polyline class="jp-EigenChart-value jp-EigenChart-series${k % 4}" ` +
        `points="${points.join(' ')}"/>`,
      `<polyline class="jp-EigenChart-best jp-EigenChart-series${k % 4}" ` +
        `points="${best.join(' ')}"><title>${escapeXml(node)}: best ` +
        `${formatNumber(running)}</title></polyline>`
    );
  });
  const xLabel = `<text class="jp-EigenChart-tick" x="${MARGIN.left + plotW}" y="${
    height - 4
  }" text-anchor="end">${n} evaluation${n === 1 ? '' : 's'}</text>`;
  return svg(size, 'Optimizer convergence', [
    ...axes(size, [lo, hi], 'objective'),
    ...parts,
    xLabel
  ]);
}

function axes(size: IChartSize, [lo, hi]: [number, number], label: string): string[] {
  const plotH = size.height - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = MARGIN.top + plotH;
  return [
    `<line class="jp-EigenChart-axis" x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}"/>`,
    `<line class="jp-EigenChart-axis" x1="${x0}" y1="${y0}" x2="${
      size.width - MARGIN.right
    }" y2="${y0}"/>`,
    `<text class="jp-EigenChart-tick" x="${x0 - 4}" y="${MARGIN.top + 8}" ` +
      `text-anchor="end">${formatNumber(hi, 3)}</text>`,
    `<text class="jp-EigenChart-tick" x="${x0 - 4}" y="${y0}" text-anchor="end">${formatNumber(
      lo,
      3
    )}</text>`,
    `<text class="jp-EigenChart-label" x="10" y="${MARGIN.top + plotH / 2}" ` +
      `transform="rotate(-90 10 ${MARGIN.top + plotH / 2})" text-anchor="middle">${label}</text>`
  ];
}

function emptyChart(size: IChartSize, message: string): string {
  return svg(size, message, [
    `<text class="jp-EigenChart-label" x="${size.width / 2}" y="${
      size.height / 2
    }" text-anchor="middle">${escapeXml(message)}</text>`
  ]);
}

function svg(size: IChartSize, title: string, parts: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="jp-EigenChart" role="img" ` +
    `viewBox="0 0 ${size.width} ${size.height}" width="100%" ` +
    `aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${parts.join('')}</svg>`
  );
}
