import { describe, expect, it } from 'vitest';
import type { Workflow } from '@kact/model';
import { dispatchInputs } from './dispatch-inputs.js';

const workflow = {
  on: { workflow_dispatch: { inputs: { level: { default: 'low' }, dry: { type: 'boolean', default: true }, count: { type: 'number', default: 3 }, target: { required: true } } } },
} as unknown as Workflow;

describe('dispatchInputs', () => {
  it('fills declared defaults and types them', () => {
    expect(dispatchInputs(workflow, 'workflow_dispatch', { target: 'prod' })).toEqual({ level: 'low', dry: true, count: 3, target: 'prod' });
  });
  it('lets given values win, coercing them to the declared type', () => {
    expect(dispatchInputs(workflow, 'workflow_dispatch', { level: 'high', dry: 'false', count: '7' })).toMatchObject({ level: 'high', dry: false, count: 7 });
  });
  it('leaves other events alone', () => {
    expect(dispatchInputs(workflow, 'push', { a: 'b' })).toEqual({ a: 'b' });
  });
});
