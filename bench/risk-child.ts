/**
 * The payment-risk model on an imported store: fit on the tenant's history, then score every
 * invoice at its issue date. Prints one JSON line with both timings and peak RSS.
 */
import { toDayNumber, type CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { prepareHistory } from '../src/domain/risk/features';
import { scoreInvoice } from '../src/domain/risk/risk-model';
import { fitTenantRiskModel, loadPromisesByCustomer } from '../src/use-cases/payment-risk';
import { openBenchStore } from './open-store';

async function main(): Promise<void> {
  const [dataDir, asOf, tenant = 'bench'] = process.argv.slice(2);
  if (dataDir === undefined || asOf === undefined)
    throw new Error('usage: risk-child <dataDir> <asOf> [tenant]');
  const store = await openBenchStore(dataDir);
  const fitStarted = process.hrtime.bigint();
  const promises = await loadPromisesByCustomer(store, tenant as TenantId);
  const model = await fitTenantRiskModel(store, tenant as TenantId, asOf as CalendarDate, { promises });
  const fitSeconds = Number(process.hrtime.bigint() - fitStarted) / 1e9;
  process.stderr.write(`  fitted on ${model.trainingSize} invoices in ${fitSeconds.toFixed(1)} s\n`);
  const scoreStarted = process.hrtime.bigint();
  let invoices = 0;
  let sum = 0;
  for await (const facts of store.streamAccountFacts(tenant as TenantId)) {
    const history = prepareHistory(facts, promises.get(facts.customer.customerId) ?? []);
    for (const ledger of history.ledgers) {
      sum += scoreInvoice(
        model,
        history,
        ledger.invoice,
        toDayNumber(ledger.invoice.issuedOn),
      ).probabilityLate;
      invoices += 1;
    }
  }
  const scoreSeconds = Number(process.hrtime.bigint() - scoreStarted) / 1e9;
  await store.close();
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      trainingSize: model.trainingSize,
      fitSeconds,
      invoices,
      scoreSeconds,
      meanProbability: sum / Math.max(1, invoices),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
