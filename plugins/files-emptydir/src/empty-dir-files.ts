import type { FileSharing, PodVolume, SharedPath, VolumeJob } from '@kact/core';

/** Every shared path on an emptyDir of the job pod: nothing outlives the job. */
export class EmptyDirFiles implements FileSharing {
  readonly name = 'emptydir';

  // Every path and job alike: the arguments do not matter here.
  volume(_path: SharedPath, _job: VolumeJob): PodVolume {
    return { source: { emptyDir: {} } };
  }
}
