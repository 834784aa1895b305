import type { Plan } from '@kact/core';

function box(label: string): string[] {
  const bar = '─'.repeat(label.length + 2);
  return [`╭${bar}╮`, `│ ${label} │`, `╰${bar}╯`];
}

function sideBySide(boxes: string[][]): string[] {
  return [0, 1, 2].map((row) => boxes.map((b) => b[row]).join(' '));
}

/**
 * Draws the job graph stage by stage: the boxes of one stage side by side, an arrow to the
 * next, and under each box the jobs it needs when they are not the whole previous stage.
 */
export function renderGraph(plan: Plan): string {
  const out: string[] = [];
  const multipleWorkflows = new Set(plan.jobs.map((j) => j.workflow.file)).size > 1;
  const label = (key: string) => {
    const job = plan.jobs.find((j) => j.key === key)!;
    return multipleWorkflows ? `${job.workflow.file}: ${job.job.id}` : job.job.id;
  };
  plan.stages.forEach((stage, i) => {
    if (i > 0) out.push('  ⬇');
    out.push(...sideBySide(stage.map((j) => box(label(j.key)))));
    const previous = new Set((plan.stages[i - 1] ?? []).map((j) => j.key));
    for (const job of stage) {
      const needs = job.needs.filter((n) => plan.jobs.some((j) => j.key === n));
      const wholePrevious = needs.length === previous.size && needs.every((n) => previous.has(n));
      if (needs.length > 0 && !wholePrevious) out.push(`  ${label(job.key)} needs ${needs.map(label).join(', ')}`);
    }
  });
  return out.join('\n');
}
