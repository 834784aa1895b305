import type { FileSharing, PodVolume } from '@kact/core';

/** Every shared path on an emptyDir of the job pod: nothing outlives the job. */
export class EmptyDirFiles implements FileSharing {
  readonly name = 'emptydir';

  volume(): PodVolume {
    return { source: { emptyDir: {} } };
  }
}
