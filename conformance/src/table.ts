import type { CaseResult } from './suite.js';

const MARK = { pass: '✓', fail: '✗', 'n/a': 'n-a' } as const;

/** Pads to a width in characters (marks are one column each). */
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - [...text].length));

/** The pass table: one row per case, one column per variant, then totals and every failure's reasons. */
export function passTable(results: CaseResult[]): string {
  const strategies = [...new Set(results.map((r) => r.variant))];
  const cases = [...new Set(results.map((r) => r.case))];
  const byKey = new Map(results.map((r) => [`${r.case}\0${r.variant}`, r]));
  const width = Math.max(4, ...cases.map((c) => c.length));
  const lines = [`${pad('case', width)}  ${strategies.map((s) => pad(s, Math.max(s.length, 3))).join('  ')}`];
  lines.push('-'.repeat(lines[0]!.length));
  for (const c of cases) {
    const cells = strategies.map((s) => {
      const r = byKey.get(`${c}\0${s}`);
      return pad(r ? `${MARK[r.status]}${r.status === 'n/a' ? '' : ` ${(r.durationMs / 1000).toFixed(0)}s`}` : '', Math.max(s.length, 3));
    });
    lines.push(`${pad(c, width)}  ${cells.join('  ')}`);
  }
  lines.push('-'.repeat(lines[0]!.length));
  for (const s of strategies) {
    const of = results.filter((r) => r.variant === s);
    const count = (st: string) => of.filter((r) => r.status === st).length;
    lines.push(`${s}: ${count('pass')} passed, ${count('fail')} failed, ${count('n/a')} not applicable`);
  }
  const failures = results.filter((r) => r.status !== 'pass' && r.problems.length);
  if (failures.length) {
    lines.push('');
    for (const r of failures) {
      lines.push(`${MARK[r.status]} ${r.case} [${r.variant}]${r.kept ? ` (kept ${r.kept})` : ''}`);
      for (const p of r.problems) lines.push(`    ${p}`);
      // The end of kact's own output says most about a failure the problems only name.
      const tail = r.status === 'fail' && r.output ? r.output.trimEnd().split('\n').slice(-12) : [];
      if (tail.length) lines.push('    output (last lines):', ...tail.map((line) => `      | ${line}`));
    }
  }
  return lines.join('\n');
}
