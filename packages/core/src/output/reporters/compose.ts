import type { RunEvents } from '../../run/run-events.js';

type EventName = keyof RunEvents;
const EVENTS: EventName[] = ['runStarted', 'jobStarted', 'stepStarted', 'stepLog', 'jobInfo', 'stepFinished', 'jobFinished', 'runFinished'];

/**
 * One RunEvents that passes every event to each reporter in order. A reporter that throws does
 * not keep the others from the event; the error is rethrown after all have had it (an
 * AggregateError when several threw).
 */
export function composeReporters(...reporters: RunEvents[]): RunEvents {
  const composed: RunEvents = {};
  for (const event of EVENTS) {
    const targets = reporters.filter((r) => typeof r[event] === 'function');
    if (targets.length === 0) continue;
    (composed as Record<EventName, (...args: unknown[]) => void>)[event] = (...args: unknown[]) => {
      const errors: unknown[] = [];
      for (const target of targets) {
        try {
          (target[event] as (...a: unknown[]) => void).apply(target, args);
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `${errors.length} reporters failed on ${event}`);
    };
  }
  return composed;
}
