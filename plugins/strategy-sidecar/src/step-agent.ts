/**
 * The step agent: a small HTTP server in a container of its own in the job pod (the tools
 * image, which has node), reached through the API server's pod proxy (`pods/proxy`, no
 * `pods/exec`). It hands steps to the step slots waiting for one: kact POSTs a step, sealed with
 * the job's key (AES-256-GCM, `<verb>/<slot>` as associated data), the agent writes the step
 * folder on the pod's runtime volume for the slot's user and wakes the slot through its FIFO. A
 * slot takes one step after another (see slotScript); the agent holds no step data itself, and
 * stops a slot's processes on request (the stop helper's program, run with the pod's busybox:
 * the pod shares one PID namespace).
 *
 * `agentMain` runs in the pod as `node -e "(<its source>)()" <port> <slots dir> <steps dir>
 * <busybox> <stop script>`, with the key (base64) in KACT_AGENT_KEY: it may use nothing
 * outside its own body and node's built-in modules.
 *
 * Verbs, each `POST /<verb>/<slot>`: `step` hands over a step; `done` (body `{dir}`) tells
 * whether the step in that folder has recorded its exit code (a slot's container does not end
 * with its step, so this is how kact learns a step ended when its log read has gone stale);
 * `stop` signals the slot's processes; `copy` unpacks a tar.gz (the workspace, local actions) as
 * the slot's user, so checkouts need no container start either.
 *
 * Every request may be repeated (an answer lost on the way): a step folder handed to a slot is
 * answered as the first time whenever it is asked again, even after the slot has moved on to
 * newer steps, and never runs twice; stop and copy do the same thing twice.
 *
 * Answers: 200 step handed over / exit code recorded (`exit <code>`) / copied; 202 the step has
 * not recorded its exit yet; 400 unreadable request; 403 not sealed with the job's key; 409 the
 * slot is busy with a step or not waiting yet (try again); 410 the slot has ended; 404 otherwise.
 */
function agentMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const http = require('node:http') as typeof import('node:http');
  const fs = require('node:fs') as typeof import('node:fs');
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const [port, slotsDir, stepsDir, busybox, stopScript] = process.argv.slice(1) as [string, string, string, string, string];
  const key = Buffer.from(process.env['KACT_AGENT_KEY'] ?? '', 'base64');
  delete process.env['KACT_AGENT_KEY'];
  if (key.length !== 32) {
    console.error('kact step agent: KACT_AGENT_KEY must hold 32 bytes (base64)');
    process.exit(2);
  }
  // Slot → every step folder handed to it, and the latest: asking again with one of them is
  // answered as the first time (a retried request whose answer was lost) and runs nothing.
  const handed = new Map<string, { dirs: Set<string>; last: string }>();
  const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  const FILE = /^[A-Za-z0-9._-]{1,64}$/;
  // A packed checkout (32 MiB at most, base64 in JSON) and a little more.
  const MAX_BODY = 48 * 1024 * 1024;

  class Refused extends Error {
    constructor(
      readonly status: number,
      message: string,
    ) {
      super(message);
    }
  }
  const unseal = (body: Buffer, aad: string): Record<string, unknown> => {
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(body.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(body.subarray(28)), decipher.final()]).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new Refused(403, 'not sealed with the job key');
    }
  };

  const stepDir = (step: Record<string, unknown>): string => {
    const dir = step['dir'];
    if (typeof dir !== 'string' || !dir.startsWith(`${stepsDir}/`) || !/^[A-Za-z0-9._/-]+$/.test(dir) || dir.includes('..')) throw new Refused(400, 'bad step folder');
    return dir;
  };

  /**
   * 409 while the slot may come back for a step, 410 once its shell is gone (ended, or KILLed by
   * the stop helper): its FIFO stays behind, so only its process tells.
   */
  const notWaiting = (slot: string, why: string): Refused => {
    try {
      const pid = Number(fs.readFileSync(`${slotsDir}/${slot}/pid`, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && !fs.existsSync(`/proc/${pid}`)) return new Refused(410, `slot ${slot} has ended`);
    } catch {
      // No pid yet: the slot is starting.
    }
    return new Refused(409, `slot ${slot} ${why}`);
  };

  const handOver = (slot: string, step: Record<string, unknown>): string => {
    const dir = stepDir(step);
    const script = step['script'] ?? '';
    const files = step['files'] as Record<string, unknown> | undefined;
    if (typeof script !== 'string' || (script && !FILE.test(script)) || !files || typeof files !== 'object') throw new Refused(400, 'bad step');
    const known = handed.get(slot);
    if (known?.dirs.has(dir)) return 'handed over';
    // Until the step before has recorded its exit, the slot may still hold the FIFO open from
    // reading it: a line written now would be lost.
    if (known && !fs.existsSync(`${known.last}/exit`)) throw notWaiting(slot, 'is running a step');
    const slotDir = `${slotsDir}/${slot}`;
    let ids: number[];
    let fifo: number;
    try {
      ids = fs.readFileSync(`${slotDir}/ids`, 'utf8').trim().split(' ').map(Number);
      // Non-blocking: fails (ENXIO) unless the slot is already waiting on the other end.
      fifo = fs.openSync(`${slotDir}/go`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      throw notWaiting(slot, `is not waiting (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const paths = [dir];
      for (const [name, content] of Object.entries(files)) {
        if (!FILE.test(name) || typeof content !== 'string') throw new Refused(400, `bad file ${name}`);
        fs.writeFileSync(`${dir}/${name}`, Buffer.from(content, 'base64'), { mode: 0o600 });
        paths.push(`${dir}/${name}`);
      }
      // The step runs as the slot's user, which may not be ours.
      const [uid, gid] = ids;
      for (const path of paths) {
        try {
          if (Number.isInteger(uid) && Number.isInteger(gid)) fs.chownSync(path, uid!, gid!);
        } catch {
          fs.chmodSync(path, path === dir ? 0o777 : 0o644);
        }
      }
      fs.writeSync(fifo, `${dir} ${script}\n`);
      // Only once written: a hand-over that failed midway closes the FIFO empty, which the
      // slot takes as no step, and a retry must try again, not be told it is done.
      if (known) {
        known.dirs.add(dir);
        known.last = dir;
      } else handed.set(slot, { dirs: new Set([dir]), last: dir });
    } finally {
      fs.closeSync(fifo);
    }
    return 'handed over';
  };

  /** The exit code the step in the folder recorded, undefined while it runs. */
  const exitOf = (slot: string, request: Record<string, unknown>): string | undefined => {
    const dir = stepDir(request);
    if (!handed.get(slot)?.dirs.has(dir)) throw new Refused(404, `slot ${slot} was not given ${dir}`);
    try {
      // Empty: the wrapper is between creating the file and writing the code.
      return fs.readFileSync(`${dir}/exit`, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };

  /** Unpacks a tar.gz into a folder of the pod's volumes, as the slots' user (the job container's). */
  const copy = (slot: string, request: Record<string, unknown>): Promise<string> => {
    const target = request['target'];
    const archive = request['archive'];
    if (typeof target !== 'string' || !target.startsWith('/') || target.includes('\0') || typeof archive !== 'string') throw new Refused(400, 'bad copy request');
    let ids: number[];
    try {
      ids = fs.readFileSync(`${slotsDir}/${slot}/ids`, 'utf8').trim().split(' ').map(Number);
    } catch {
      throw new Refused(409, `slot ${slot} has not started yet`);
    }
    const file = `${stepsDir}/copy-${crypto.randomBytes(6).toString('hex')}.tgz`;
    fs.writeFileSync(file, Buffer.from(archive, 'base64'), { mode: 0o644 });
    const [uid, gid] = ids;
    const asUser = process.getuid?.() === 0 && Number.isInteger(uid) && Number.isInteger(gid) ? { uid: uid!, gid: gid! } : {};
    return new Promise((resolve, reject) => {
      const child = spawn(busybox, ['sh', '-c', 'bb=$0; $bb mkdir -p "$2" && $bb tar -x -z -o -f "$1" -C "$2"', busybox, file, target], { stdio: ['ignore', 'ignore', 'pipe'], ...asUser });
      let errors = '';
      child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => {
        fs.rmSync(file, { force: true });
        if (code === 0) resolve('copied');
        else reject(new Refused(500, `unpacking into ${target} failed (exit code ${code}): ${errors.trim()}`));
      });
    });
  };

  const stop = (step: Record<string, unknown>): string => {
    const container = step['container'];
    const grace = step['grace'];
    if (typeof container !== 'string' || !/^[a-f0-9]{12,128}$/.test(container) || !Number.isInteger(grace)) throw new Refused(400, 'bad stop request');
    spawn(busybox, ['sh', '-c', stopScript, 'kact-stop', container, String(grace)], { stdio: 'ignore', detached: true }).unref();
    return 'stopping';
  };

  http
    .createServer((request, response) => {
      const reply = (status: number, text: string) => {
        // No keep-alive: a proxy reusing a connection this server is closing would see it reset.
        response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        response.end(`${text}\n`);
      };
      const [, verb, slot, extra] = (request.url ?? '').split('?')[0]!.split('/');
      if (request.method === 'GET' && verb === 'healthz') return reply(200, 'ok');
      if (request.method !== 'POST' || (verb !== 'step' && verb !== 'stop' && verb !== 'copy' && verb !== 'done') || !slot || !NAME.test(slot) || extra !== undefined) return reply(404, 'no such endpoint');
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy();
        else chunks.push(chunk);
      });
      request.on('end', () => {
        const fail = (error: unknown) => reply(error instanceof Refused ? error.status : 500, error instanceof Error ? error.message : String(error));
        try {
          const body = unseal(Buffer.concat(chunks), `${verb}/${slot}`);
          if (verb === 'copy') copy(slot, body).then((text) => reply(200, text), fail);
          else if (verb === 'done') {
            const code = exitOf(slot, body);
            reply(code === undefined ? 202 : 200, code === undefined ? 'running' : `exit ${code}`);
          } else reply(200, verb === 'step' ? handOver(slot, body) : stop(body));
        } catch (error) {
          fail(error);
        }
      });
    })
    .listen(Number(port), '0.0.0.0');
}

/** The agent's program for `node -e`. */
export const AGENT_SCRIPT = `(${agentMain.toString()})()`;
