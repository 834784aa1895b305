import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from './agent-client.js';
import { AGENT_SCRIPT } from './step-agent.js';

/** The bash stand-in for the pod's busybox (`busybox sh` → bash, other applets → the host's tools). */
async function shim(dir: string): Promise<string> {
  const path = join(dir, 'busybox');
  await writeFile(path, '#!/bin/bash\nif [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi\nexec "$@"\n');
  await chmod(path, 0o755);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function post(port: number, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: text.trim() }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the step agent (run locally with node, as in the pod)', () => {
  const key = randomBytes(32);
  let root: string;
  let slots: string;
  let steps: string;
  let port: number;
  let agent: ChildProcess;

  /**
   * A slot as the pod's would be: its ids file, its FIFO, and (listening) a loop that takes one
   * step after another, reports each folder it is woken with, and "runs" the step until the test
   * drops a `release` file into the folder, then records exit code 7.
   */
  async function slot(name: string, listening: boolean) {
    const dir = join(slots, name);
    await mkdir(dir, { recursive: true });
    spawnSync('mkfifo', [join(dir, 'go')]);
    await writeFile(join(dir, 'ids'), `${process.getuid!()} ${process.getgid!()}\n`);
    if (!listening) return undefined;
    const loop = 'echo $$ > "$1/pid"; while :; do read -r d s < "$1/go" || continue; printf "%s|%s\\n" "$d" "$s"; until [ -e "$d/release" ]; do sleep 0.02; done; echo 7 > "$d/exit"; done';
    const reader = spawn('bash', ['-c', loop, 'slot', dir]);
    readers.push(reader);
    let out = '';
    reader.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    // The reader must be blocked on the FIFO before the agent is asked.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      /** The folders the slot has been woken with, in order. */
      received: () => out.split('\n').filter(Boolean),
      /** Waits until the slot has been woken `count` times. */
      async woken(count: number) {
        for (let i = 0; i < 200 && this.received().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        return this.received();
      },
    };
  }
  const readers: ChildProcess[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kact-agent-'));
    slots = join(root, 'slots');
    steps = join(root, 'steps');
    await mkdir(steps, { recursive: true });
    port = await freePort();
    const busybox = await shim(root);
    agent = spawn(process.execPath, ['-e', AGENT_SCRIPT, String(port), slots, steps, busybox, 'exit 0'], { env: { KACT_AGENT_KEY: key.toString('base64') }, stdio: 'inherit' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => http.get({ host: '127.0.0.1', port, path: '/healthz' }, (r) => resolve(r.statusCode === 200)).on('error', () => resolve(false)));
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the agent did not start');
  });
  afterAll(() => {
    agent?.kill();
    for (const reader of readers) reader.kill('SIGKILL');
  });

  const step = (dir: string) => ({ dir, script: 'script.sh', files: { env: Buffer.from('A=1\0').toString('base64'), 'script.sh': Buffer.from('echo hi\n').toString('base64') } });

  const send = (verb: string, slot: string, body: unknown) => post(port, `/${verb}/${slot}`, seal(key, `${verb}/${slot}`, body));
  const release = (dir: string) => writeFile(join(dir, 'release'), '');

  it('hands a sealed step to a waiting slot once: the step folder written, the slot woken with its path', async () => {
    const reader = await slot('kact-slot-0', true);
    const dir = join(steps, 's1');
    const reply = await send('step', 'kact-slot-0', step(dir));
    expect(reply).toEqual({ status: 200, text: 'handed over' });
    expect(await reader!.woken(1)).toEqual([`${dir}|script.sh`]);
    expect(await readFile(join(dir, 'env'), 'utf8')).toBe('A=1\0');
    expect(await readFile(join(dir, 'script.sh'), 'utf8')).toBe('echo hi\n');
    // The same request again (its answer lost on the way) is answered as before, and runs nothing twice.
    expect(await send('step', 'kact-slot-0', step(dir))).toEqual({ status: 200, text: 'handed over' });
    await release(dir);
  });

  it('hands a slot one step after another: not while its step runs, and an old step retried is never run again', async () => {
    const reader = await slot('kact-slot-4', true);
    const [one, two] = [join(steps, 'loop-1'), join(steps, 'loop-2')];
    expect((await send('step', 'kact-slot-4', step(one))).status).toBe(200);
    await reader!.woken(1);
    // Busy with the first step: the next waits (kact retries).
    expect(await send('step', 'kact-slot-4', step(two))).toMatchObject({ status: 409, text: expect.stringContaining('running a step') });
    expect(await send('done', 'kact-slot-4', { dir: one })).toEqual({ status: 202, text: 'running' });
    await release(one);
    for (let i = 0; i < 100 && (await send('done', 'kact-slot-4', { dir: one })).status !== 200; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await send('done', 'kact-slot-4', { dir: one })).toEqual({ status: 200, text: 'exit 7' });
    // The slot waits on its FIFO again: the second step is handed over.
    let reply = await send('step', 'kact-slot-4', step(two));
    for (let i = 0; i < 100 && reply.status === 409; i++) reply = (await new Promise((resolve) => setTimeout(resolve, 20)), await send('step', 'kact-slot-4', step(two)));
    expect(reply).toEqual({ status: 200, text: 'handed over' });
    expect(await reader!.woken(2)).toEqual([`${one}|script.sh`, `${two}|script.sh`]);
    // Both retried, the old one after the slot has moved on: answered as before, neither runs again.
    expect(await send('step', 'kact-slot-4', step(one))).toEqual({ status: 200, text: 'handed over' });
    expect(await send('step', 'kact-slot-4', step(two))).toEqual({ status: 200, text: 'handed over' });
    await release(two);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reader!.received()).toHaveLength(2);
    // Only the slot's own steps are answered for.
    expect((await send('done', 'kact-slot-0', { dir: two })).status).toBe(404);
    expect((await send('done', 'kact-slot-4', { dir: `${steps}/../x` })).status).toBe(400);
  });

  it('answers 410 for a slot whose process has ended, so kact stops asking it', async () => {
    await slot('kact-slot-5', false);
    const gone = spawnSync('bash', ['-c', 'echo $$']).stdout.toString().trim();
    await writeFile(join(slots, 'kact-slot-5', 'pid'), `${gone}\n`);
    expect(await send('step', 'kact-slot-5', step(join(steps, 'z')))).toMatchObject({ status: 410, text: 'slot kact-slot-5 has ended' });
  });

  it('refuses what is not sealed with the job key, or sealed for another slot', async () => {
    await slot('kact-slot-1', false);
    expect((await post(port, '/step/kact-slot-1', seal(randomBytes(32), 'step/kact-slot-1', step(join(steps, 'x'))))).status).toBe(403);
    expect((await post(port, '/step/kact-slot-1', seal(key, 'step/kact-slot-2', step(join(steps, 'x'))))).status).toBe(403);
    expect((await post(port, '/step/kact-slot-1', Buffer.from('garbage'))).status).toBe(403);
  });

  it('answers 409 while the slot is not waiting yet, and refuses step folders outside the steps folder', async () => {
    await slot('kact-slot-3', false);
    expect((await post(port, '/step/kact-slot-3', seal(key, 'step/kact-slot-3', step(join(steps, 'y'))))).status).toBe(409);
    expect((await post(port, '/step/kact-slot-9', seal(key, 'step/kact-slot-9', step(join(steps, 'y'))))).status).toBe(409);
    const reply = await post(port, '/step/kact-slot-3', seal(key, 'step/kact-slot-3', step(`${steps}/../elsewhere`)));
    expect(reply.status).toBe(400);
  });

  it('unpacks a copied tar.gz into the target folder', async () => {
    const source = join(root, 'source');
    await mkdir(join(source, 'sub'), { recursive: true });
    await writeFile(join(source, 'sub', 'file.txt'), 'copied ✓\n');
    const archive = join(root, 'in.tgz');
    await createTar({ cwd: source, file: archive, gzip: true, portable: true }, ['.']);
    const target = join(root, 'workspace', 'deep');
    const reply = await post(port, '/copy/kact-slot-0', seal(key, 'copy/kact-slot-0', { target, archive: (await readFile(archive)).toString('base64') }));
    expect(reply).toEqual({ status: 200, text: 'copied' });
    expect(await readFile(join(target, 'sub', 'file.txt'), 'utf8')).toBe('copied ✓\n');
  });
});
