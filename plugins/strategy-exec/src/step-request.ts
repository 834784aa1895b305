import type { ProcessRequest } from '@kact/core';
import { newStepDir, stepFiles } from '@kact/kubernetes';

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

/**
 * Turns a ProcessRequest into the wrapper's stdin: the wrapper and the step folder's files
 * (`stepFiles`) as a tar, with a FIFO to wake the log reader.
 */
export function encodeStep(request: ProcessRequest, wrapperText: string, dir = newStepDir()): EncodedStep {
  const { nonce, fileNames, files } = stepFiles(request, dir);
  const entries: UstarEntry[] = [['wrapper.sh', wrapperText], ...files];
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
