/** Writes a demo dataset in its own process (so the import's memory figure is not mixed with it). */
import { mkdir } from 'node:fs/promises';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import type { CalendarDate } from '../src/domain/dates';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';

async function main(): Promise<void> {
  const [dir, customersText, seedText, asOf] = process.argv.slice(2);
  if (dir === undefined || asOf === undefined)
    throw new Error('usage: generate-child <dir> <customers> <seed> <asOf>');
  const customers = Number(customersText);
  await mkdir(dir, { recursive: true });
  const writer = await createCsvDatasetWriter(dir);
  const started = process.hrtime.bigint();
  let done = 0;
  let rows = 0;
  for await (const row of generateDemoDataset({
    customers,
    seed: Number(seedText),
    asOf: asOf as CalendarDate,
  })) {
    await writer.write(row);
    rows += 1;
    if (row.file === 'customers.csv' && ++done % 10000 === 0) {
      process.stderr.write(`  generated ${done}/${customers} customers\n`);
    }
  }
  await writer.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
