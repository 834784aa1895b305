import { describe, expect, it } from 'vitest';
import { JobSecrets } from './job-secrets.js';

describe('JobSecrets', () => {
  it('gives the run the values of -s and --secret-file, and keeps them all in the job Secret', async () => {
    const secrets = new JobSecrets();
    const values = await secrets.load({ TOKEN: 't0k3n', EMPTY: '' });
    expect(values).toEqual({ TOKEN: 't0k3n', EMPTY: '' });
    expect(secrets.jobSecret(values)).toEqual(values);
  });
});
