import { describe, expect, it } from 'vitest';
import { describeError } from './run-steps.js';

/** What @kubernetes/client-node throws: an Error whose message is a dump, with the HTTP code and the Status body. */
const apiException = (code: number, message: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify({ message })}\nHeaders: {...}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
  });

describe('describeError', () => {
  it("gives the API server's message for a Kubernetes client error, not the client's dump", () => {
    expect(describeError(apiException(409, 'pods "p" already exists'))).toBe('pods "p" already exists (HTTP 409)');
  });

  it('names the missing right and where the Roles are documented when the API server refuses', () => {
    const text = describeError(apiException(403, 'configmaps "c" is forbidden: User "system:serviceaccount:ns:kact" cannot patch resource "configmaps"'));
    expect(text).toBe(
      'configmaps "c" is forbidden: User "system:serviceaccount:ns:kact" cannot patch resource "configmaps" (HTTP 403): the account kact runs as lacks this right (docs/rbac/ has the Role each strategy needs)',
    );
    expect(text).not.toContain('\n');
  });

  it('keeps the message of any other error', () => {
    expect(describeError(new Error('the step timed out'))).toBe('the step timed out');
    expect(describeError(Object.assign(new Error('odd'), { code: 500, body: 'not json' }))).toBe('odd');
  });
});
