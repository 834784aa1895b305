import { describe, expect, it } from 'vitest';
import { evaluate, type Contexts, type JobStatus, type Value } from './index.js';

const ctx: Contexts = {
  github: {
    event_name: 'push',
    ref: 'refs/heads/main',
    event: {
      commits: [
        { id: 'a1', author: { username: 'alice' }, files: ['x.ts', 'y.md'] },
        { id: 'b2', author: { username: 'bob' }, files: ['z.go'] },
      ],
      labels: [{ name: 'bug' }, { name: 'docs' }],
    },
  },
  env: { GREETING: 'Hello', EMPTY: '', NUM: '42', FLAG: 'true' },
  secrets: { API_TOKEN: 's3cret' },
  vars: { Region: 'eu-west-1' },
  matrix: { os: 'ubuntu-latest', node: 20, list: [1, 2, 3] },
  steps: { build: { outputs: { version: '1.2.3' }, outcome: 'success', conclusion: 'success' } },
  needs: { setup: { result: 'success', outputs: { ok: 'yes' } } },
  inputs: { count: 3, dry: false },
  strategy: { 'fail-fast': true, 'max-parallel': 2 },
  runner: { os: 'Linux', arch: 'X64' },
  job: { status: 'success' },
  jobs: {},
};

type Case = [expression: string, expected: Value];

const literals: Case[] = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['0', 0],
  ['42', 42],
  ['-7', -7],
  ['3.25', 3.25],
  ['-0.5', -0.5],
  ['0xff', 255],
  ['0x10', 16],
  ['1e3', 1000],
  ['2.5E-2', 0.025],
  ['-1e2', -100],
  ["'hello'", 'hello'],
  ["''", ''],
  ["'it''s'", "it's"],
  ["'it''s a ''test'''", "it's a 'test'"],
  ["''''", "'"],
  ["'a''''b'", "a''b"],
  ["'}}'", '}}'],
  ["'${{ not an expression }}'", '${{ not an expression }}'],
  ["'line1\nline2'", 'line1\nline2'],
];

const operators: Case[] = [
  ['!true', false],
  ['!false', true],
  ['!null', true],
  ['!0', true],
  ['!1', false],
  ["!''", true],
  ["!'a'", false],
  ['!!matrix.node', true],
  ['1 < 2', true],
  ['2 < 1', false],
  ['2 <= 2', true],
  ['3 > 2', true],
  ['2 >= 3', false],
  ['1 == 1', true],
  ['1 != 1', false],
  ['true && false', false],
  ['true && 5', 5],
  ["0 && 'x'", 0],
  ["null || 'fallback'", 'fallback'],
  ["'' || 0 || 'last'", 'last'],
  ["'first' || 'second'", 'first'],
  ['false || null', null],
  ['(1 < 2) && (3 > 2)', true],
  ['!(1 == 1)', false],
  ['true || false && false', true],
  ['(true || false) && false', false],
  ["'b' > 'a'", true],
  ["'B' > 'a'", true],
  ["'abc' < 'abd'", true],
  ["'a' <= 'A'", true],
];

const equality: Case[] = [
  ["'abc' == 'ABC'", true],
  ["'abc' != 'ABD'", true],
  ["'1' == 1", true],
  ["'01' == 1", true],
  ["'1.0' == 1", true],
  ["' 1 ' == 1", true],
  ["'0x10' == 16", true],
  ["'abc' == 0", false],
  ["'' == 0", true],
  ['null == 0', true],
  ['null == false', true],
  ["null == ''", true],
  ['null == null', true],
  ['true == 1', true],
  ['false == 0', true],
  ["true == 'true'", false],
  ["true == '1'", true],
  ["false == ''", true],
  ['1 == 1.0', true],
  ["fromJSON('[]') == fromJSON('[]')", false],
  ['matrix.list == matrix.list', true],
  ["fromJSON('{}') == fromJSON('{}')", false],
  ["'NaN' == fromJSON('null')", false],
  ["'abc' > 1", false],
  ["'abc' < 1", false],
  ['null < 1', true],
  ['true > false', true],
  ['false < true', true],
  ["env.NUM == 42", true],
  ["env.NUM > 41", true],
  ["env.FLAG == 'TRUE'", true],
];

const properties: Case[] = [
  ['github.event_name', 'push'],
  ["github['event_name']", 'push'],
  ['GITHUB.EVENT_NAME', 'push'],
  ['env.greeting', 'Hello'],
  ['secrets.api_token', 's3cret'],
  ['secrets.API_TOKEN', 's3cret'],
  ['vars.REGION', 'eu-west-1'],
  ["vars['region']", 'eu-west-1'],
  ['env.MISSING', null],
  ['env.MISSING.deeper', null],
  ['github.event.commits[0].id', 'a1'],
  ['github.event.commits[1].author.username', 'bob'],
  ['github.event.commits[2]', null],
  ["github.event.commits['0'].id", 'a1'],
  ['matrix.list[1]', 2],
  ["matrix.list['1']", 2],
  ['matrix.list[-1]', null],
  ['matrix.node', 20],
  ["steps.build.outputs.version", '1.2.3'],
  ["steps['build'].outcome", 'success'],
  ['needs.setup.outputs.ok', 'yes'],
  ['inputs.count', 3],
  ['inputs.dry', false],
  ["strategy['fail-fast']", true],
  ['strategy.max-parallel', 2],
  ['runner.os', 'Linux'],
  ['job.status', 'success'],
  ['jobs', {}],
  ['github.event.commits.*.id', ['a1', 'b2']],
  ['github.event.commits.*.author.username', ['alice', 'bob']],
  ['github.event.commits.*.files.*', ['x.ts', 'y.md', 'z.go']],
  ['github.event.commits.*.files[0]', ['x.ts', 'z.go']],
  ['github.event.labels.*.name', ['bug', 'docs']],
  ['github.event.commits.*.missing', []],
  ['needs.*.result', ['success']],
  ['steps.*.outcome', ['success']],
  ['matrix.list.*', [1, 2, 3]],
  ['env.MISSING.*', []],
  ["env['GREETING']", 'Hello'],
  ['env.EMPTY.x', null],
];

const functions: Case[] = [
  ["contains('Hello World', 'world')", true],
  ["contains('Hello', 'xyz')", false],
  ["contains(github.event.labels.*.name, 'bug')", true],
  ["contains(github.event.labels.*.name, 'BUG')", true],
  ["contains(github.event.labels.*.name, 'feature')", false],
  ['contains(matrix.list, 2)', true],
  ["contains(matrix.list, '3')", true],
  ['contains(123, 2)', true],
  ["contains(null, '')", true],
  ["startsWith('Hello world', 'he')", true],
  ["startsWith('Hello world', 'world')", false],
  ["startsWith(github.ref, 'refs/heads/')", true],
  ["endsWith('Hello world', 'WORLD')", true],
  ["endsWith('file.ts', '.js')", false],
  ['startsWith(12345, 12)', true],
  ["format('{0} {1}', 'a', 'b')", 'a b'],
  ["format('{1}{0}', 'a', 'b')", 'ba'],
  ["format('{{0}} is {0}', 'x')", '{0} is x'],
  ["format('{0}', null)", ''],
  ["format('{0}-{1}', true, 1.5)", 'true-1.5'],
  ["format('{0}', 1e21)", '1E+21'],
  ["format('{0}', 123456789012345678)", '1.23456789012346E+17'],
  ["format('{0}', 0.1)", '0.1'],
  ["format('{0}', github.event)", 'Object'],
  ["format('no placeholders')", 'no placeholders'],
  ["join(github.event.labels.*.name)", 'bug,docs'],
  ["join(github.event.labels.*.name, ' | ')", 'bug | docs'],
  ['join(matrix.list, 0)', '10203'],
  ["join('single', ',')", 'single'],
  ['join(fromJSON(\'[1.5, true, null]\'))', '1.5,true,'],
  ["toJSON(matrix.list)", '[\n  1,\n  2,\n  3\n]'],
  ["toJSON('x')", '"x"'],
  ['toJSON(null)', 'null'],
  ["toJSON(needs.setup.outputs)", '{\n  "ok": "yes"\n}'],
  ["fromJSON('{\"a\": [1, {\"b\": null}]}')", { a: [1, { b: null }] }],
  ["fromJSON('true')", true],
  ["fromJSON('3.5')", 3.5],
  ["fromJSON('\"s\"')", 's'],
  ["fromJSON(toJSON(matrix))", { os: 'ubuntu-latest', node: 20, list: [1, 2, 3] }],
  ["fromJSON('[1,2]')[0]", 1],
  ["case(true, 'a', 'b')", 'a'],
  ["case(false, 'a', 'b')", 'b'],
  ["case(1 == 2, 'a', 2 == 2, 'b', 'c')", 'b'],
  ["CONTAINS('abc', 'B')", true],
  ['ToJson(1)', '1'],
];

const table: [string, Case[]][] = [
  ['literals', literals],
  ['operators', operators],
  ['loose equality and coercion', equality],
  ['property, index and * filters', properties],
  ['functions', functions],
];

describe.each(table)('evaluate: %s', (_name, cases) => {
  it.each(cases)('%s', (expression, expected) => {
    expect(evaluate(expression, ctx)).toEqual(expected);
  });
});

describe('evaluate: NaN from failed conversions', () => {
  it.each<Case>([
    ["'abc' > 0 || 'abc' <= 0", false],
    ["'abc' == 'abc' && 'abc' != 0", true],
    ["fromJSON('[]') < 1", false],
    ["fromJSON('{}') >= 0", false],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression, ctx)).toBe(expected);
  });
});

describe('evaluate: status functions', () => {
  const statuses: JobStatus[] = ['success', 'failure', 'cancelled'];
  const cases: [string, JobStatus, boolean][] = statuses.flatMap((status) => [
    ['success()', status, status === 'success'] as [string, JobStatus, boolean],
    ['failure()', status, status === 'failure'] as [string, JobStatus, boolean],
    ['cancelled()', status, status === 'cancelled'] as [string, JobStatus, boolean],
    ['always()', status, true] as [string, JobStatus, boolean],
  ]);
  it.each(cases)('%s under %s is %s', (expression, status, expected) => {
    expect(evaluate(expression, ctx, { status })).toBe(expected);
  });

  it('defaults to success and ignores case in the function name', () => {
    expect(evaluate('Success()', ctx)).toBe(true);
    expect(evaluate('FAILURE()', ctx)).toBe(false);
  });
});

describe('evaluate: missing contexts', () => {
  it('treats a context the caller did not provide as an empty object', () => {
    expect(evaluate('github', {})).toEqual({});
    expect(evaluate('inputs.anything', {})).toBeNull();
    expect(evaluate('toJSON(secrets)', {})).toBe('{}');
  });
});
