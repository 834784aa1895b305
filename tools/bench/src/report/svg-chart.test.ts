import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { benchFixture, issue15Fixture } from '../../test/bench-fixture.js';
import { summarizeBench } from '../summary.js';
import { escapeXml, niceTicks, renderChart, STRATEGY_COLOURS } from './svg-chart.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, isArray: (name) => ['g', 'rect', 'text', 'line'].includes(name) });
const texts = (node: Node): string[] => ((node.text as (Node | string)[] | undefined) ?? []).map((t) => (typeof t === 'string' ? t : String(t['#text'] ?? '')));

describe('renderChart', () => {
  const summary = summarizeBench(benchFixture());
  const svg = renderChart(summary, 'a subtitle with <angle brackets> & ampersands');

  it('is well-formed SVG with a size and a view box', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const root = parser.parse(svg).svg as Node;
    expect(root.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(root.width)).toBeGreaterThan(800);
    expect(root.viewBox).toBe(`0 0 ${root.width} ${root.height}`);
    expect(texts(root)).toContain('a subtitle with <angle brackets> & ampersands');
  });

  it('draws a panel per metric with a bar per strategy in its colour, the p50 written above it', () => {
    const root = parser.parse(svg).svg as Node;
    const panels = root.g as Node[];
    expect(panels.map((p) => p['data-metric'])).toEqual(summary.rows.map((r) => r.metric.id));
    const steps = panels[0]!;
    const bars = (steps.rect as Node[]).map((r) => r.fill);
    expect(bars).toEqual([STRATEGY_COLOURS[0], STRATEGY_COLOURS[1]]);
    expect(texts(steps)).toEqual(expect.arrayContaining(['steps', 'per-step duration', 'ms', 'exec', 'sidecar', '34.0', '440', '0', '200', '400', '600']));
  });

  it('notes failed runs under a bar drawn from the others', () => {
    const root = parser.parse(svg).svg as Node;
    const matrix = (root.g as Node[]).find((p) => p['data-metric'] === 'matrix.throughput')!;
    expect(texts(matrix)).toContain('1 of 2 runs failed');
  });

  it('draws goals as labelled dashed lines', () => {
    const root = parser.parse(svg).svg as Node;
    const overhead = (root.g as Node[]).find((p) => p['data-metric'] === 'steps.overhead')!;
    expect((overhead.line as Node[]).filter((l) => l['stroke-dasharray'])).toHaveLength(2);
    expect(texts(overhead)).toEqual(expect.arrayContaining(['goal 50', 'goal 600']));
  });

  it("draws act's time as the goal of a whole kact run", () => {
    const chart = renderChart(summarizeBench(issue15Fixture()), 'x');
    expect(XMLValidator.validate(chart)).toBe(true);
    const hello = ((parser.parse(chart).svg as Node).g as Node[]).find((p) => p['data-metric'] === 'run-hello.wall')!;
    expect((hello.line as Node[]).filter((l) => l['stroke-dasharray'])).toHaveLength(2);
    expect(texts(hello)).toEqual(expect.arrayContaining(['goal 3.99', 'run-hello', 'kact run, examples/hello']));
  });

  it('has a legend naming every strategy', () => {
    const root = parser.parse(svg).svg as Node;
    const legend = (root.rect as Node[]).slice(1).map((r) => r.fill);
    expect(legend).toEqual([STRATEGY_COLOURS[0], STRATEGY_COLOURS[1]]);
    expect(texts(root)).toEqual(expect.arrayContaining(['exec', 'sidecar']));
  });

  it('says "failed" where a strategy has no samples, and stays valid with nothing measured', () => {
    const results = benchFixture();
    const failed = { ...results, runs: results.runs.map((r) => (r.strategy === 'sidecar' ? { ...r, ok: false, values: {} } : r)) };
    const chart = renderChart(summarizeBench(failed), 'x');
    expect(XMLValidator.validate(chart)).toBe(true);
    expect(chart).toContain('>failed</text>');
    const empty = renderChart(summarizeBench({ ...results, scenarios: [], runs: [] }), 'x');
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(empty).toContain('nothing measured');
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k and covers the maximum', () => {
    expect(niceTicks(100)).toEqual([0, 50, 100]);
    expect(niceTicks(480)).toEqual([0, 200, 400, 600]);
    expect(niceTicks(0.9)).toEqual([0, 0.5, 1]);
    expect(niceTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
