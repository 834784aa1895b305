import type { Value } from '@kact/expressions';
import type { ContainerSelection } from '../backend/container-selection.js';
import type { PodPlacement } from '../backend/pod-shapes.js';

export interface RunsOn {
  labels: string[];
  /** The selected image; undefined when no label is known (the job is skipped, as act does). */
  image?: string;
  placement?: PodPlacement;
}

/** The labels of an evaluated `runs-on`: a label, a list, or `{ group, labels }`. */
export function runsOnLabels(runsOn: Value): string[] {
  let labels: Value[];
  if (Array.isArray(runsOn)) labels = runsOn;
  else if (runsOn !== null && typeof runsOn === 'object') {
    const l = runsOn.labels;
    labels = Array.isArray(l) ? l : l === undefined || l === null ? [] : [l];
  } else labels = runsOn === null ? [] : [runsOn];
  return labels.map((l) => String(l));
}

/** Reads an evaluated `runs-on` and asks the ContainerSelection what it runs on. */
export function resolveRunsOn(runsOn: Value, containers: ContainerSelection): RunsOn {
  const labels = runsOnLabels(runsOn);
  const selected = containers.select(labels);
  if (!selected) return { labels };
  return { labels, image: selected.image, ...(selected.placement ? { placement: selected.placement } : {}) };
}
