import { describe, expect, it } from 'vitest';

import type { IEvaluation } from '../src/api';
import {
  convergenceSvg,
  escapeXml,
  formatNumber,
  histogramBars,
  histogramSvg
} from '../src/charts';

function evaluation(index: number, value: number, node = 'energy'): IEvaluation {
  return { index, node, iteration: index, parameters: [], value, best_value: value, time: index };
}

describe('histogram', () => {
  it('shows every outcome in bit-string order when there are few', () => {
    expect(histogramBars({ '11': 500, '00': 524 }).map(b => b.label)).toEqual(['00', '11']);
  });

  it('keeps the most frequent outcomes and sums the rest into "other"', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      counts[i.toString(2).padStart(6, '0')] = i + 1;
    }
    const bars = histogramBars(counts, 16);
    expect(bars).toHaveLength(16);
    expect(bars[0]).toEqual({ label: '100111', count: 40 });
    expect(bars[15].label).toBe('other (25)');
    expect(bars.reduce((s, b) => s + b.count, 0)).toBe((40 * 41) / 2);
  });

  it('draws one bar per outcome, tallest for the most frequent', () => {
    const svg = histogramSvg({ '00': 750, '11': 250 });
    const heights = [...svg.matchAll(/<rect[^>]* height="([\d.]+)"/g)].map(m => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[0]).toBeGreaterThan(heights[1]);
    expect(svg).toContain('<title>00: 750 (0.75)</title>');
  });

  it('says so when there is nothing to draw', () => {
    expect(histogramSvg({})).toContain('no counts');
  });
});

describe('convergence', () => {
  it('draws the values and the best-so-far line of each node', () => {
    const svg = convergenceSvg([evaluation(0, 1), evaluation(1, -1), evaluation(2, 0.5)]);
    expect(svg.match(/jp-EigenChart-value/g)).toHaveLength(1);
    expect(svg.match(/jp-EigenChart-best/g)).toHaveLength(1);
    expect(svg).toContain('3 evaluations');
    expect(svg).toContain('best -1');
  });

  it('gives each optimized node its own series', () => {
    const svg = convergenceSvg([evaluation(0, 1, 'a'), evaluation(1, 2, 'b')]);
    expect(svg).toContain('jp-EigenChart-series0');
    expect(svg).toContain('jp-EigenChart-series1');
  });

  it('copes with no evaluations and a flat history', () => {
    expect(convergenceSvg([])).toContain('no evaluations yet');
    expect(convergenceSvg([evaluation(0, 2), evaluation(1, 2)])).not.toContain('NaN');
  });
});

describe('text', () => {
  it('escapes markup', () => {
    expect(escapeXml(`<b a="1">&'`)).toBe('&lt;b a=&quot;1&quot;&gt;&amp;&#39;');
  });

  it.each([
    [-1.137283, '-1.137'],
    [2, '2'],
    [0.000012, '1.20e-5'],
    [123456, '1.23e+5']
  ])('formatNumber(%s) = %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});
