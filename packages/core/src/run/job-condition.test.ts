import { describe, expect, it } from 'vitest';
import { shouldRunJob } from './job-condition.js';

const ctx = { github: { ref: 'refs/heads/main' } };

describe('shouldRunJob', () => {
  it('runs by default only when every need succeeded', () => {
    expect(shouldRunJob(undefined, ['success', 'success'], false, ctx, {})).toBe(true);
    expect(shouldRunJob(undefined, ['success', 'failure'], false, ctx, {})).toBe(false);
    expect(shouldRunJob(undefined, ['skipped'], false, ctx, {})).toBe(false);
  });
  it('wraps conditions without status functions in success()', () => {
    expect(shouldRunJob("github.ref == 'refs/heads/main'", ['failure'], false, ctx, {})).toBe(false);
    expect(shouldRunJob("github.ref == 'refs/heads/main'", ['success'], false, ctx, {})).toBe(true);
  });
  it('lets always() and failure() run after a failed need', () => {
    expect(shouldRunJob('always()', ['failure'], false, ctx, {})).toBe(true);
    expect(shouldRunJob('${{ failure() }}', ['failure'], false, ctx, {})).toBe(true);
    expect(shouldRunJob('failure()', ['success'], false, ctx, {})).toBe(false);
  });
  it('sees cancelled() when the run was cancelled', () => {
    expect(shouldRunJob('cancelled()', ['success'], true, ctx, {})).toBe(true);
    expect(shouldRunJob(undefined, [], true, ctx, {})).toBe(false);
  });
});
