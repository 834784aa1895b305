import { randomBytes } from 'node:crypto';
import { POD_PATHS, type ProcessRequest } from '@kact/core';

/** A step's process as the wrapper receives it, with the names both sides agree on. */
export interface EncodedStep {
  /** The step folder in the pod (argv of the wrapper). */
  dir: string;
  /** Marks the trailer lines on stderr; random per step. */
  nonce: string;
  /** File-command names in the order the wrapper reports them. */
  fileNames: string[];
  /** `<tar size>\n<tar>`: what the wrapper reads from stdin. */
  stdin: Buffer;
}

export class InvalidProcessRequest extends Error {
  override name = 'InvalidProcessRequest';
}

export function newStepDir(stepsDir = `${POD_PATHS.runtime}/steps`): string {
  return `${stepsDir}/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Turns a ProcessRequest into the wrapper's stdin. Values travel as file contents, never as shell
 * text; only what execve itself cannot carry is refused (NUL bytes, `=` in env names).
 */
export function encodeStep(request: ProcessRequest, wrapperText: string, dir = newStepDir()): EncodedStep {
  const script = request.script;
  if (script && !/^(\.[A-Za-z0-9_-]{1,16})?$/.test(script.extension)) throw new InvalidProcessRequest(`script extension ${JSON.stringify(script.extension)} is not allowed`);
  const scriptPath = script ? `${dir}/script${script.extension}` : undefined;
  const argv = request.command.map((arg) => (scriptPath ? arg.split('{0}').join(scriptPath) : arg));
  if (argv.length === 0) throw new InvalidProcessRequest('empty command');
  // env(1) would take a first word with `=` for an assignment.
  if (argv[0]!.includes('=')) throw new InvalidProcessRequest(`command ${JSON.stringify(argv[0])} contains '='`);
  for (const [name, value] of Object.entries(request.env)) {
    if (!name || name.includes('=') || name.startsWith('-') || name.includes('\0')) throw new InvalidProcessRequest(`environment variable name ${JSON.stringify(name)} is not allowed`);
    if (value.includes('\0')) throw new InvalidProcessRequest(`environment variable ${name} contains a NUL byte`);
  }
  for (const arg of argv) if (arg.includes('\0')) throw new InvalidProcessRequest('command argument contains a NUL byte');
  const fileNames = Object.keys(request.fileCommands);
  const nonce = `kact-${randomBytes(12).toString('hex')}`;
  const nulList = (items: string[]) => items.map((item) => `${item}\0`).join('');
  const entries: UstarEntry[] = [
    ['wrapper.sh', wrapperText],
    ['env', nulList(Object.entries(request.env).map(([k, v]) => `${k}=${v}`))],
    ['argv', nulList(argv)],
    ['cwd', `${request.workingDirectory}\0`],
    ['files', nulList(fileNames.map((name) => request.fileCommands[name]!))],
    ['timeout', request.timeoutMs !== undefined ? `${(Math.max(request.timeoutMs, 1) / 1000).toFixed(3)}\n` : '\n'],
    ['nonce', `${nonce}\n`],
  ];
  if (script) entries.push([`script${script.extension}`, script.content]);
  const name = dir.slice(dir.lastIndexOf('/') + 1);
  const tar = ustar([[`${name}/`, 'dir'], ...entries.map(([file, content]): UstarEntry => [`${name}/${file}`, content]), [`${name}/wake`, 'fifo']]);
  return { dir, nonce, fileNames, stdin: Buffer.concat([Buffer.from(`${tar.length}\n`), tar]) };
}

/** A file's content, or a directory or FIFO. */
export type UstarEntry = [name: string, content: string | Buffer | 'dir' | 'fifo'];

/** A minimal ustar archive with short names (≤ 100 bytes): all the wrapper needs. */
export function ustar(entries: UstarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  for (const [name, content] of entries) {
    const special = content === 'dir' ? '5' : content === 'fifo' ? '6' : undefined;
    const data = special ? Buffer.alloc(0) : Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write(content === 'dir' ? '0000755\0' : '0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136);
    header.write('        ', 148);
    header.write(special ?? '0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
