import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { DatasetSyntaxError, type DatasetReader, type RawFile, type RawRecord } from '../../ports/dataset';
import type { DatasetFile } from '../../ports/store';

type ParsedRow = { record: string[]; info: { lines: number } };

async function* readRecords(
  file: DatasetFile,
  stream: ReadStream,
  header: string[],
): AsyncIterable<RawRecord> {
  const parser = stream.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, from_line: 2 }),
  );
  try {
    for await (const parsed of parser as AsyncIterable<ParsedRow>) {
      const values: Record<string, string> = {};
      const cells = parsed.record;
      for (let index = 0; index < header.length; index += 1) {
        values[header[index] as string] = (cells[index] ?? '').trim();
      }
      yield { line: parsed.info.lines, values, cellCount: cells.length };
    }
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    throw new DatasetSyntaxError(file, line, (error as Error).message);
  } finally {
    stream.destroy();
  }
}

async function readHeader(fullPath: string): Promise<string[]> {
  const parser = createReadStream(fullPath).pipe(parse({ bom: true, to_line: 1 }));
  for await (const record of parser as AsyncIterable<string[]>) {
    return record.map((name) => name.trim().toLowerCase());
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
      const header = await readHeader(fullPath);
      const stream = createReadStream(fullPath, { highWaterMark: 256 * 1024 });
      return {
        header,
        sizeBytes,
        bytesRead: () => stream.bytesRead,
        records: readRecords(file, stream, header),
      };
    },
  };
}
