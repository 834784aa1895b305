import type { PodPlacement } from './pod-shapes.js';

/** What a job leg runs on: the image of its main container and where its pod is placed. */
export interface RunnerSelection {
  image: string;
  placement?: PodPlacement;
}

/**
 * ContainerSelection: which image, node placement, resources and service account a job leg gets
 * from its `runs-on` labels. Called while planning (also by `--dry-run`), so it must not touch
 * the cluster. A job's `container:` replaces the image; the placement still applies.
 */
export interface ContainerSelection {
  /** Shown in `--dry-run` and reports. */
  readonly name: string;
  /**
   * The selection for a leg's evaluated `runs-on` labels (in the order written), or undefined
   * when none is known here: the leg is then skipped with a message, as act does.
   */
  select(labels: string[]): RunnerSelection | undefined;
  /** One line for the skip message: how to make a label known (`map it with -P label=image`). */
  readonly hint: string;
}
