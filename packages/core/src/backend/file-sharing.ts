import type { PodPaths } from './pod-paths.js';
import type { PodVolume } from './pod-shapes.js';

/** Which of the pod's shared paths a volume is for. */
export type SharedPath = Exclude<keyof PodPaths, 'actions'>;

/** The job a volume is chosen for. */
export interface VolumeJob {
  runId: string;
  podName: string;
  /** `kact.dev/job`: the job id as a label value. */
  jobId: string;
}

/**
 * FileSharing: the volumes behind the pod's shared paths (workspace, temp, tool cache, home and
 * kact's runtime folder), which every container of the pod mounts. Files get in through the
 * backend's copy-in (a tar, or the strategy's own channel); what a volume keeps after the job is
 * the provider's to say. Pure: no API calls.
 */
export interface FileSharing {
  readonly name: string;
  volume(path: SharedPath, job: VolumeJob): PodVolume;
}
