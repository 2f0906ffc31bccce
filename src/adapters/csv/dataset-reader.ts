import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { fromFormulaCell } from '../../domain/text';
import { DatasetSyntaxError, type DatasetReader, type RawFile, type RawRecord } from '../../ports/dataset';
import type { DatasetFile } from '../../ports/store';
import { NotUtf8Error, utf8Text } from './utf8';

type ParsedRow = { record: string[]; info: { lines: number } };

/** Records of a file read as UTF-8 text; a file that is not UTF-8 fails with its line. */
function csvRecords(fullPath: string, stream: ReadStream, options: Options): AsyncIterable<unknown> {
  const parser = parse(options);
  // pipeline, unlike pipe, hands an error of the decoder on to the parser being read.
  pipeline(stream, utf8Text(fullPath), parser, () => undefined);
  return parser as AsyncIterable<unknown>;
}

function syntaxError(file: DatasetFile, error: unknown): DatasetSyntaxError {
  if (error instanceof NotUtf8Error)
    return new DatasetSyntaxError(file, error.lines, error.message, '(encoding)');
  const line = (error as { lines?: number }).lines ?? 0;
  return new DatasetSyntaxError(file, line, (error as Error).message);
}

async function* readRecords(
  file: DatasetFile,
  fullPath: string,
  stream: ReadStream,
  header: string[],
): AsyncIterable<RawRecord> {
  const parsed = csvRecords(fullPath, stream, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    from_line: 2,
  }) as AsyncIterable<ParsedRow>;
  try {
    for await (const row of parsed) {
      const values: Record<string, string> = {};
      const cells = row.record;
      for (let index = 0; index < header.length; index += 1) {
        // A cell this program wrote with an apostrophe against formula injection reads back as written.
        values[header[index] as string] = fromFormulaCell((cells[index] ?? '').trim());
      }
      yield { line: row.info.lines, values, cellCount: cells.length };
    }
  } catch (error) {
    throw syntaxError(file, error);
  } finally {
    stream.destroy();
  }
}

async function readHeader(file: DatasetFile, fullPath: string): Promise<string[]> {
  const stream = createReadStream(fullPath);
  try {
    for await (const record of csvRecords(fullPath, stream, { bom: true, to_line: 1 }) as AsyncIterable<
      string[]
    >) {
      return record.map((name) => name.trim().toLowerCase());
    }
  } catch (error) {
    throw syntaxError(file, error);
  } finally {
    stream.destroy();
  }
  return [];
}

/** Reads a dataset folder; each file is streamed, never loaded whole. */
export function createCsvDatasetReader(dir: string): DatasetReader {
  return {
    async open(file: DatasetFile): Promise<RawFile | undefined> {
      const fullPath = path.join(dir, file);
      let sizeBytes: number;
      try {
        const info = await stat(fullPath);
        if (!info.isFile()) return undefined;
        sizeBytes = info.size;
      } catch {
        return undefined;
      }
      const header = await readHeader(file, fullPath);
      const stream = createReadStream(fullPath, { highWaterMark: 256 * 1024 });
      return {
        header,
        sizeBytes,
        bytesRead: () => stream.bytesRead,
        records: readRecords(file, fullPath, stream, header),
      };
    },
  };
}
