import { createPgliteStore } from '../src/adapters/postgres';
import { computeAccountStatus } from '../src/domain/account-status';
import type { AccountFacts, TenantId } from '../src/domain/model';
import type { CalendarDate } from '../src/domain/dates';
async function main() {
  const store = await createPgliteStore({ dataDir: '/tmp/bstore' });
  const all: AccountFacts[] = [];
  for await (const f of store.streamAccountFacts('bench' as TenantId, { pageSize: 1000 })) all.push(f);
  await store.close();
  for (let round = 0; round < 5; round++) {
    const t1 = performance.now();
    let n = 0;
    for (const f of all) { computeAccountStatus(f, '2026-11-22' as CalendarDate); n += f.invoices.length; }
    const ms = performance.now() - t1;
    console.log({ round, ms: Math.round(ms), invPerSec: Math.round(n / ms * 1000) });
  }
}
main();
