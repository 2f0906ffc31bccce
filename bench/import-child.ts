/**
 * One measured import in its own process, so peak memory (maxRSS) belongs to the import alone.
 * Prints one JSON line: rows per file, seconds, peak RSS.
 */
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { openBenchStore } from './open-store';
import type { TenantId } from '../src/domain/model';
import { importDataset } from '../src/use-cases/import-dataset';

async function main(): Promise<void> {
  const [datasetDir, dataDir, tenant = 'bench'] = process.argv.slice(2);
  if (datasetDir === undefined || dataDir === undefined)
    throw new Error('usage: import-child <dataset> <dataDir> [tenant]');
  const store = await openBenchStore(dataDir);
  await store.migrate();
  let lastReport = 0;
  const started = process.hrtime.bigint();
  const result = await importDataset(store, createCsvDatasetReader(datasetDir), {
    tenant: tenant as TenantId,
    onProgress: (progress) => {
      const now = Date.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        const percent = ((progress.bytesRead / Math.max(1, progress.bytesTotal)) * 100).toFixed(0);
        process.stderr.write(`  import ${percent}% (${progress.file}, ${progress.rows} rows)\n`);
      }
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  if (!result.ok) throw new Error(`import rejected: ${JSON.stringify(result.problems.slice(0, 5))}`);
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      seconds,
      rows: result.rows,
      inserted: result.outcome.inserted,
      updated: result.outcome.updated,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
