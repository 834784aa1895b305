import { DATA_HEADER, FRAME } from './relay-script.js';

export type FrameType = (typeof FRAME)[keyof typeof FRAME];

/** A frame without payload: HELLO, OPEN, END, RESET, PING. */
export function controlFrame(type: FrameType): Buffer {
  return Buffer.from([type]);
}

/** A DATA frame carrying `chunk` (one buffer, so that it goes out as one transport message). */
export function dataFrame(chunk: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(DATA_HEADER + chunk.length);
  frame[0] = FRAME.DATA;
  frame.writeUInt32BE(chunk.length, 1);
  chunk.copy(frame, DATA_HEADER);
  return frame;
}

/**
 * Reads frames from a byte stream cut anywhere (the relay script's reader, typed). DATA payloads
 * are passed on piecewise as they arrive, never gathered: a frame split over chunks costs no copy.
 */
export class FrameReader {
  private head: Buffer | undefined;
  private left = 0;

  constructor(private readonly onFrame: (type: number, data?: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - at);
        this.left -= n;
        this.onFrame(FRAME.DATA, chunk.subarray(at, at + n));
        at += n;
      } else if (this.head === undefined && chunk[at] !== FRAME.DATA) {
        this.onFrame(chunk[at]!);
        at += 1;
      } else {
        const n = Math.min(DATA_HEADER - (this.head?.length ?? 0), chunk.length - at);
        const part = chunk.subarray(at, at + n);
        this.head = this.head ? Buffer.concat([this.head, part]) : part;
        at += n;
        if (this.head.length === DATA_HEADER) {
          this.left = this.head.readUInt32BE(1);
          this.head = undefined;
        }
      }
    }
  }
}
