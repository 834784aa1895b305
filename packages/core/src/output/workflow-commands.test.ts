import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, parseWorkflowCommand } from './command-syntax.js';
import { SecretMasker } from './secret-masker.js';
import { WorkflowCommandProcessor, type WorkflowCommandOptions } from './workflow-commands.js';

function processor(options: Partial<WorkflowCommandOptions> = {}): { p: WorkflowCommandProcessor; masker: SecretMasker } {
  const masker = options.masker ?? new SecretMasker();
  const p = new WorkflowCommandProcessor({ ...options, masker });
  p.startStep();
  return { p, masker };
}

const any = (): boolean => true;

describe('parseWorkflowCommand', () => {
  it('reads the name, properties and data of a :: command', () => {
    expect(parseWorkflowCommand('::warning file=a.ts,line=3::careful', any)).toEqual({
      name: 'warning',
      properties: { file: 'a.ts', line: '3' },
      data: 'careful',
      form: 'colons',
    });
  });

  it('unescapes %25 %0D %0A in data and also %3A %2C in properties', () => {
    const cmd = parseWorkflowCommand('::error title=a%3Ab%2Cc%25%0A::x%0Ay%0D%25z %3A', any)!;
    expect(cmd.properties.title).toBe('a:b,c%\n');
    expect(cmd.data).toBe('x\ny\r%z %3A');
  });

  it('round-trips text through escapeData and escapeProperty', () => {
    const text = 'a:b,c%d\r\ne%25';
    const cmd = parseWorkflowCommand(`::notice title=${escapeProperty(text)}::${escapeData(text)}`, any)!;
    expect(cmd.properties.title).toBe(text);
    expect(cmd.data).toBe(text);
  });

  it('keeps :: inside the data and = inside property values', () => {
    const cmd = parseWorkflowCommand('::error title=a=b::one::two', any)!;
    expect(cmd.properties.title).toBe('a=b');
    expect(cmd.data).toBe('one::two');
  });

  it('allows leading whitespace, ignores case of names and keys, and skips empty properties', () => {
    const cmd = parseWorkflowCommand('   ::WARNING File=x.js,,line=,col=2::m', any)!;
    expect(cmd.name).toBe('WARNING');
    expect(cmd.properties).toEqual({ file: 'x.js', col: '2' });
  });

  it('reads the legacy ##[name k=v;k2=v2]data form anywhere in the line', () => {
    expect(parseWorkflowCommand('prefix ##[set-output name=a;x=y]v%5D%3B', any)).toEqual({
      name: 'set-output',
      properties: { name: 'a', x: 'y' },
      data: 'v];',
      form: 'legacy',
    });
  });

  it('is not a command when the name is unknown or the closing :: is missing', () => {
    const known = (n: string): boolean => n === 'error';
    expect(parseWorkflowCommand('::unknown::x', known)).toBeUndefined();
    expect(parseWorkflowCommand('::error no closing', known)).toBeUndefined();
    expect(parseWorkflowCommand('text ::error::x', known)).toBeUndefined();
  });
});

describe('WorkflowCommandProcessor', () => {
  it('shows plain lines masked and unchanged otherwise', () => {
    const { p, masker } = processor();
    masker.add('tok3n');
    expect(p.processLine('hello tok3n').display).toEqual(['hello ***']);
  });

  it('add-mask masks the value in every later line and never shows the command', () => {
    const { p } = processor();
    const r = p.processLine('::add-mask::my-secret-value');
    expect(r.display).toEqual([]);
    expect(r.mask).toBe('my-secret-value');
    expect(p.processLine('the value is my-secret-value').display).toEqual(['the value is ***']);
  });

  it('with echo on, add-mask shows ::add-mask::*** instead of the value', () => {
    const { p } = processor();
    p.processLine('::echo::on');
    expect(p.processLine('::add-mask::abc123').display).toEqual(['::add-mask::***']);
  });

  it('add-mask with a multi-line value masks each line; an empty value warns', () => {
    const { p } = processor();
    p.processLine('::add-mask::first%0Asecond');
    expect(p.processLine('first and second').display).toEqual(['*** and ***']);
    const empty = p.processLine('::add-mask::   ');
    expect(empty.annotations).toEqual([{ level: 'warning', message: "Can't add secret mask for empty string in ##[add-mask] command." }]);
  });

  it('masks add-mask values in annotations too', () => {
    const { p } = processor();
    p.processLine('::add-mask::hunter2');
    const r = p.processLine('::error title=hunter2::bad hunter2');
    expect(r.annotations[0]).toMatchObject({ title: '***', message: 'bad ***' });
    expect(r.display.join('\n')).not.toContain('hunter2');
  });

  it('turns error/warning/notice into annotations with file, line, endLine, col, endColumn and title', () => {
    const { p } = processor({ workspace: '/github/workspace' });
    const r = p.processLine('::error file=/github/workspace/src/app.ts,line=10,endLine=10,col=5,endColumn=9,title=Type error::Oops');
    expect(r.annotations).toEqual([
      { level: 'error', message: 'Oops', title: 'Type error', file: 'src/app.ts', line: 10, endLine: 10, col: 5, endColumn: 9 },
    ]);
    expect(r.display).toEqual(['::error title=Type error,file=src/app.ts,line=10,endLine=10,col=5,endColumn=9::Oops']);
    expect(p.processLine('::notice::fyi').annotations).toEqual([{ level: 'notice', message: 'fyi' }]);
  });

  it('fixes annotation positions as the runner does', () => {
    const { p } = processor();
    const a = (line: string) => p.processLine(line).annotations[0];
    expect(a('::warning endLine=4::m')).toMatchObject({ line: 4, endLine: 4 });
    expect(a('::warning line=1,endColumn=7::m')).toMatchObject({ line: 1, col: 7, endColumn: 7 });
    expect(a('::warning col=1,endColumn=2::m')).toEqual({ level: 'warning', message: 'm' });
    expect(a('::warning line=1,endLine=2,col=1,endColumn=2::m')).toEqual({ level: 'warning', message: 'm', line: 1, endLine: 2 });
    expect(a('::warning line=4,endLine=3::m')).toEqual({ level: 'warning', message: 'm' });
    expect(a('::warning line=1,endLine=1,col=3,endColumn=2::m')).toEqual({ level: 'warning', message: 'm', line: 1, endLine: 1 });
    expect(a('::warning line=x::m')).toEqual({ level: 'warning', message: 'm' });
  });

  it('group/endgroup show ##[group]title and ##[endgroup] and tag the lines between', () => {
    const { p } = processor();
    const start = p.processLine('::group::Install deps');
    expect(start).toMatchObject({ display: ['##[group]Install deps'], group: 'start', groupTitle: 'Install deps' });
    expect(p.processLine('npm ci').groupTitle).toBe('Install deps');
    const end = p.processLine('::endgroup::');
    expect(end).toMatchObject({ display: ['##[endgroup]'], group: 'end' });
    expect(end.groupTitle).toBeUndefined();
    expect(p.processLine('after').groupTitle).toBeUndefined();
  });

  it('masks secrets in group titles, which reporters show', () => {
    const { p, masker } = processor();
    masker.add('t0ken');
    expect(p.processLine('::group::deploy with t0ken')).toMatchObject({ display: ['##[group]deploy with ***'], groupTitle: 'deploy with ***' });
    expect(p.processLine('inside').groupTitle).toBe('deploy with ***');
  });

  it('debug messages are shown only when step debug is on', () => {
    expect(processor().p.processLine('::debug::details')).toMatchObject({ display: [], debug: true });
    expect(processor({ stepDebug: true }).p.processLine('::debug::details').display).toEqual(['##[debug]details']);
  });

  it('stop-commands prints commands instead of running them until the token comes back', () => {
    const { p } = processor();
    expect(p.processLine('::stop-commands::pause-42').display).toEqual(['::stop-commands::pause-42']);
    const ignored = p.processLine('::set-output name=x::1');
    expect(ignored.display).toEqual(['::set-output name=x::1']);
    expect(ignored.output).toBeUndefined();
    expect(p.processLine('::add-mask::not-a-mask').mask).toBeUndefined();
    expect(p.processLine('::PAUSE-42::').display).toEqual(['::PAUSE-42::']);
    expect(p.stopped).toBe(false);
    expect(p.processLine('::set-output name=x::1').output).toEqual(['x', '1']);
  });

  it('stop-commands lasts across steps of the job', () => {
    const { p } = processor();
    p.processLine('::stop-commands::tok');
    p.startStep();
    expect(p.processLine('::error::x').annotations).toEqual([]);
    p.processLine('::tok::');
    expect(p.processLine('::error::x').annotations).toHaveLength(1);
  });

  it('echo on shows processed commands; echo resets at the next step', () => {
    const { p } = processor();
    expect(p.processLine('::echo::on')).toMatchObject({ echo: true });
    expect(p.processLine('::set-output name=a::b').display[0]).toBe('::set-output name=a::b');
    p.startStep();
    expect(p.processLine('::set-output name=a::b').display).not.toContain('::set-output name=a::b');
  });

  it('an invalid echo value fails the step with an error', () => {
    const r = processor().p.processLine('::echo::maybe');
    expect(r.failed).toBe(true);
    expect(r.annotations[0]?.message).toBe("Unable to process command '::echo::maybe' successfully.");
  });

  it('set-output and save-state still work, with a deprecation warning as on GitHub', () => {
    const { p } = processor();
    const out = p.processLine('::set-output name=result::a,b:c');
    expect(out.output).toEqual(['result', 'a,b:c']);
    expect(out.annotations[0]).toMatchObject({ level: 'warning' });
    expect(out.annotations[0]!.message).toContain('The `set-output` command is deprecated');
    expect(p.processLine('::save-state name=pid::42').state).toEqual(['pid', '42']);
  });

  it('set-output without a name fails the step', () => {
    const r = processor().p.processLine('::set-output::v');
    expect(r.failed).toBe(true);
    expect(r.annotations.map((a) => a.message)).toContain("Required field 'name' is missing in ##[set-output] command.");
  });

  it('set-env and add-path are refused (and fail the step) unless unsecure commands are allowed', () => {
    const { p } = processor();
    const refused = p.processLine('::set-env name=FOO::bar');
    expect(refused.failed).toBe(true);
    expect(refused.env).toBeUndefined();
    expect(refused.annotations[1]!.message).toContain('ACTIONS_ALLOW_UNSECURE_COMMANDS');
    p.startStep({ allowUnsecureCommands: true });
    expect(p.processLine('::set-env name=FOO::bar').env).toEqual(['FOO', 'bar']);
    expect(p.processLine('::add-path::/opt/tool/bin').path).toBe('/opt/tool/bin');
    const blocked = p.processLine('::set-env name=node_options::--x');
    expect(blocked.env).toBeUndefined();
    expect(blocked.failed).toBeUndefined();
    expect(blocked.annotations[0]?.message).toContain("Can't update NODE_OPTIONS");
  });

  it('processes the legacy ##[...] form too', () => {
    expect(processor().p.processLine('##[warning file=a.c;line=2]old style').annotations).toEqual([
      { level: 'warning', message: 'old style', file: 'a.c', line: 2 },
    ]);
  });

  it('leaves unknown :: commands as plain output', () => {
    const r = processor().p.processLine('::not-a-command::hello');
    expect(r.display).toEqual(['::not-a-command::hello']);
    expect(r.command).toBeUndefined();
  });
});
