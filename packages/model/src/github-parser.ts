/**
 * The one place that loads GitHub's `@actions/workflow-parser`.
 *
 * The library cannot be imported by plain Node 20 (see json-import-hook.ts), so the hook is
 * registered first and the library is then imported dynamically: a static import would be
 * resolved before the hook exists. Top-level await makes the library ready before any module
 * that imports this one runs, so every consumer (CLI, tests, plugins) works without flags.
 */
import { register } from 'node:module';

import type * as WorkflowParser from '@actions/workflow-parser';
import type * as ActionParser from '@actions/workflow-parser/actions/action-parser';

// Compiled (dist/*.js), the hook sits next to this file. Run from source (vitest), this file is
// .ts and Vite imports the library itself, JSON included (see vitest.config.ts).
if (!import.meta.url.endsWith('.ts')) register('./json-import-hook.js', import.meta.url);

const workflowParser: typeof WorkflowParser = await import('@actions/workflow-parser');
const actionParser: typeof ActionParser = await import('@actions/workflow-parser/actions/action-parser');

export const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = workflowParser;
export const { parseAction } = actionParser;

export type { TemplateParseResult } from '@actions/workflow-parser';
export type { TemplateContext } from '@actions/workflow-parser/templates/template-context';
export type { TemplateValidationError } from '@actions/workflow-parser/templates/template-validation-error';
export type { WorkflowTemplate } from '@actions/workflow-parser';
