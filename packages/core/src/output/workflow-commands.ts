import type { Annotation } from '../run/results.js';
import { annotationFromCommand, formatAnnotation, maskAnnotation } from './annotations.js';
import { parseWorkflowCommand, type WorkflowCommand } from './command-syntax.js';
import type { SecretMasker } from './secret-masker.js';

/** What one line of step output amounts to once its workflow command (if any) is processed. */
export interface LineResult {
  /**
   * Lines to show, already masked: the line itself for plain output, or what the runner prints
   * for a command (`##[group]title`, `##[endgroup]`, `##[debug]…`, `::error …::…` for an
   * annotation, `::add-mask::***`), possibly nothing.
   */
  display: string[];
  /** The ::group:: the display lines belong to (masked): pass it as RunEvents.stepLog's `group`. */
  groupTitle?: string;
  /** Set on the line that opens or closes a group. */
  group?: 'start' | 'end';
  /** Annotations to record on the step (masked): error/warning/notice, and problems with commands. */
  annotations: Annotation[];
  /** A value `::add-mask::` registered with the masker (the secret itself: never display it). */
  mask?: string;
  /** The line was a `::debug::` message (shown only when step debug is on). */
  debug?: boolean;
  /** `::set-output name=…::` (deprecated): a step output, unmasked. */
  output?: [name: string, value: string];
  /** `::set-env name=…::` (only with ACTIONS_ALLOW_UNSECURE_COMMANDS): an env var for later steps. */
  env?: [name: string, value: string];
  /** `::add-path::` (only with ACTIONS_ALLOW_UNSECURE_COMMANDS): a directory to prepend to PATH. */
  path?: string;
  /** `::save-state name=…::` (deprecated): state for the action's post step. */
  state?: [name: string, value: string];
  /** `::echo::on|off` changed command echoing to this. */
  echo?: boolean;
  /** A command could not be processed; the runner then fails the step. */
  failed?: boolean;
  /** The (lower-cased) name of the command processed, when the line was one. */
  command?: string;
}

export interface WorkflowCommandOptions {
  /** The job's masker: `::add-mask::` adds to it and every displayed line goes through it. */
  masker: SecretMasker;
  /** ACTIONS_STEP_DEBUG: show `::debug::` messages, and echo commands unless `::echo::off`. */
  stepDebug?: boolean;
  /** `github.workspace`: annotation files under it are reported relative to it. */
  workspace?: string;
}

export interface StepCommandOptions {
  /** ACTIONS_ALLOW_UNSECURE_COMMANDS is `true` in the runner's or the step's env. */
  allowUnsecureCommands?: boolean;
}

const COMMANDS = new Set([
  'add-mask', 'add-matcher', 'remove-matcher', 'add-path', 'debug', 'echo', 'endgroup', 'error',
  'group', 'notice', 'save-state', 'set-env', 'set-output', 'stop-commands', 'warning',
]);
/** Commands the runner never echoes (their data may be secret or is shown in another way). */
const OMIT_ECHO = new Set(['add-mask', 'debug', 'error', 'warning', 'notice']);

const DEPRECATED = (name: string): string =>
  `The \`${name}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/`;
const DISABLED = (name: string): string =>
  `The \`${name}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`;

/**
 * Processes workflow commands in step output with the runner's semantics (ActionCommandManager).
 * One instance per job: masks and `::stop-commands::` last for the whole job, as on GitHub;
 * call `startStep()` before each step to reset echo and the open group.
 */
export class WorkflowCommandProcessor {
  readonly #masker: SecretMasker;
  readonly #stepDebug: boolean;
  readonly #workspace: string | undefined;
  /** Set while commands are stopped; '' (an empty token) never resumes, as on GitHub. */
  #stopToken: string | undefined;
  #echo: boolean;
  #group: string | undefined;
  #allowUnsecure = false;

  constructor(options: WorkflowCommandOptions) {
    this.#masker = options.masker;
    this.#stepDebug = options.stepDebug ?? false;
    this.#workspace = options.workspace;
    this.#echo = this.#stepDebug;
  }

  /** Commands are being printed, not processed, until `::<token>::` (after `::stop-commands::<token>`). */
  get stopped(): boolean {
    return this.#stopToken !== undefined;
  }

  /** Resets per-step state: echo back to its default, no open group, this step's unsecure-commands setting. */
  startStep(options: StepCommandOptions = {}): void {
    this.#echo = this.#stepDebug;
    this.#group = undefined;
    this.#allowUnsecure = options.allowUnsecureCommands ?? false;
  }

  /** Processes one line of output (without its newline); never throws, and never returns an unmasked secret for display. */
  processLine(line: string): LineResult {
    const command = parseWorkflowCommand(line, (name) => this.#isCommand(name));
    if (!command) return this.#show([line]);
    const name = command.name.toLowerCase();
    if (this.#stopToken !== undefined) {
      if (this.#stopToken === '' || name !== this.#stopToken.toLowerCase()) return this.#show([line]);
      this.#stopToken = undefined;
      return { ...this.#show([line]), command: name };
    }
    if (name === 'stop-commands') {
      this.#stopToken = command.data;
      return { ...this.#show([line]), command: name };
    }
    const result: LineResult = { display: [], annotations: [], command: name };
    if (this.#echo && !OMIT_ECHO.has(name)) result.display.push(line);
    try {
      this.#run(name, command, result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.failed = true;
      this.#annotate(result, { level: 'error', message: `Unable to process command '${OMIT_ECHO.has(name) ? name : line}' successfully.` });
      this.#annotate(result, { level: 'error', message });
    }
    if (result.groupTitle === undefined && this.#group !== undefined) result.groupTitle = this.#group;
    if (result.groupTitle !== undefined) result.groupTitle = this.#masker.mask(result.groupTitle);
    result.display = result.display.map((text) => this.#masker.mask(text));
    result.annotations = result.annotations.map((a) => maskAnnotation(a, this.#masker));
    return result;
  }

  #isCommand(name: string): boolean {
    const lower = name.toLowerCase();
    return COMMANDS.has(lower) || (this.#stopToken !== undefined && this.#stopToken !== '' && lower === this.#stopToken.toLowerCase());
  }

  #show(lines: string[]): LineResult {
    const result: LineResult = { display: lines.map((text) => this.#masker.mask(text)), annotations: [] };
    if (this.#group !== undefined) result.groupTitle = this.#masker.mask(this.#group);
    return result;
  }

  #annotate(result: LineResult, annotation: Annotation): void {
    result.annotations.push(annotation);
    result.display.push(formatAnnotation(annotation));
  }

  #run(name: string, command: WorkflowCommand, result: LineResult): void {
    const { data, properties } = command;
    switch (name) {
      case 'add-mask':
        if (data.trim() === '') {
          this.#annotate(result, { level: 'warning', message: "Can't add secret mask for empty string in ##[add-mask] command." });
          return;
        }
        this.#masker.add(data);
        result.mask = data;
        // The runner echoes a placeholder, never the value.
        if (this.#echo) result.display.push('::add-mask::***');
        return;
      case 'debug':
        result.debug = true;
        if (this.#stepDebug) result.display.push(`##[debug]${data}`);
        return;
      case 'error':
      case 'warning':
      case 'notice':
        this.#annotate(result, annotationFromCommand(name, properties, data, this.#workspace));
        return;
      case 'group':
        this.#group = data;
        result.group = 'start';
        result.groupTitle = data;
        result.display.push(`##[group]${data}`);
        return;
      case 'endgroup':
        this.#group = undefined;
        result.group = 'end';
        result.display.push('##[endgroup]');
        return;
      case 'echo': {
        const value = data.trim().toLowerCase();
        if (value !== 'on' && value !== 'off') {
          throw new Error(`Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${data}'.`);
        }
        this.#echo = result.echo = value === 'on';
        return;
      }
      // set-output and save-state still work on GitHub, with a deprecation warning; so here.
      case 'set-output':
        result.output = [requireName(name, properties), data];
        this.#annotate(result, { level: 'warning', message: DEPRECATED(name) });
        return;
      case 'save-state':
        result.state = [requireName(name, properties), data];
        this.#annotate(result, { level: 'warning', message: DEPRECATED(name) });
        return;
      // set-env and add-path fail the step on GitHub unless ACTIONS_ALLOW_UNSECURE_COMMANDS=true; so here.
      case 'set-env': {
        if (!this.#allowUnsecure) throw new Error(DISABLED(name));
        const envName = requireName(name, properties);
        if (envName.toUpperCase() === 'NODE_OPTIONS') {
          this.#annotate(result, { level: 'error', message: "Can't update NODE_OPTIONS environment variable using ::set-env:: command." });
          return;
        }
        result.env = [envName, data];
        return;
      }
      case 'add-path':
        if (!this.#allowUnsecure) throw new Error(DISABLED(name));
        if (data === '') throw new Error("Required path is missing in ##[add-path] command.");
        result.path = data;
        return;
      case 'add-matcher':
      case 'remove-matcher':
        // Problem matchers are not implemented: accepted silently, as a debug note.
        result.debug = true;
        if (this.#stepDebug) result.display.push(`##[debug]kact does not support problem matchers; ignoring ::${name}::${data}`);
        return;
    }
  }
}

function requireName(command: string, properties: Record<string, string>): string {
  const name = properties.name;
  if (!name) throw new Error(`Required field 'name' is missing in ##[${command}] command.`);
  return name;
}
