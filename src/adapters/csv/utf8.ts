import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';

/** The bytes of a file are not UTF-8 text: a Latin-1 "ü" would otherwise become U+FFFD and ids merge. */
export class NotUtf8Error extends Error {
  constructor(readonly lines: number) {
    super(`line ${lines} is not UTF-8 text (save the file as UTF-8)`);
    this.name = 'NotUtf8Error';
  }
}

/**
 * The WHATWG UTF-8 decoder's rules (as TextDecoder with `fatal` applies them), byte by byte, to find
 * the line of the first byte that breaks them. Only run once a file is known to be bad.
 */
export async function lineOfInvalidUtf8(file: string): Promise<number> {
  let line = 1;
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (needed === 0) {
        if (byte <= 0x7f) {
          if (byte === 0x0a) line += 1;
        } else if (byte >= 0xc2 && byte <= 0xdf) needed = 1;
        else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) lower = 0xa0;
          if (byte === 0xed) upper = 0x9f;
          needed = 2;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) lower = 0x90;
          if (byte === 0xf4) upper = 0x8f;
          needed = 3;
        } else return line;
        continue;
      }
      if (byte < lower || byte > upper) return line;
      lower = 0x80;
      upper = 0xbf;
      needed -= 1;
    }
  }
  return line;
}

/**
 * Bytes in, UTF-8 text out; invalid bytes fail the stream with a NotUtf8Error naming their line
 * (found by reading the file again, which only happens for a bad file).
 */
export function utf8Text(file: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const fail = (callback: (error: Error) => void): void => {
    lineOfInvalidUtf8(file).then(
      (line) => callback(new NotUtf8Error(line)),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, callback) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        fail(callback);
        return;
      }
      callback(null, text);
    },
    flush(callback) {
      let text: string;
      try {
        text = decoder.decode();
      } catch {
        fail(callback);
        return;
      }
      callback(null, text);
    },
  });
}
