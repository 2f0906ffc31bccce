import type { Command } from 'commander';
import { print, withStore, type Output } from './shared';

/** `migrate` and `tenants`: the store itself, its schema and what it holds. */
export function registerStoreCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .option('--json', 'print the result as JSON', false)
    .action(async (options: Output) => {
      const kind = await withStore(async (store) => store.kind);
      print(options, { ok: true, store: kind }, () => `Schema is up to date (${kind}).`);
    });

  program
    .command('tenants')
    .description('list the tenants in the store with their row counts')
    .option('--json', 'print the result as JSON', false)
    .action(async (options: Output) => {
      const tenants = await withStore(async (store) => {
        const list = [];
        for (const tenant of await store.listTenants())
          list.push({ tenant, counts: await store.counts(tenant) });
        return list;
      });
      print(options, { tenants }, () =>
        tenants.length === 0
          ? 'No tenants yet: run `collections import <dir>` or `npm start` for demo data.'
          : tenants
              .map(
                ({ tenant, counts }) =>
                  `${tenant}: ${counts.customers} customers, ${counts.invoices} invoices, ${counts.payments} payments, ${counts.subscriptions} subscriptions, ${counts.disputes} disputes`,
              )
              .join('\n'),
      );
    });
}
