import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../src/config/config';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { formatMoney } from '../../src/domain/money';
import {
  promiseDeadline,
  PROMISE_STATES,
  type PromiseAmount,
  type PromiseState,
  type StoredPromise,
} from '../../src/domain/promises';
import { recordPromiseToPay, type PromiseProblem } from '../../src/use-cases/promises';
import { todayUtc } from '../compose';
import { dateOption, defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

type AddOptions = {
  customer: string;
  amount: string[];
  by: CalendarDate;
  invoice: string[];
  from?: string;
  note?: string;
  recordedBy: string;
  tenant?: TenantId;
  json: boolean;
};

type ListOptions = { customer?: string; state?: PromiseState; tenant?: TenantId; json: boolean };

const repeated = (value: string, previous: string[] = []): string[] => [...previous, value];

/** "USD:12000.00" as the use case's input; the amount itself is checked there. */
function amountOption(text: string): { currency: string; amount: string } {
  const match = /^([A-Za-z]{3}):(.+)$/.exec(text.trim());
  if (match === null)
    throw new UsageError(`--amount ${text}: expected CURRENCY:AMOUNT, such as USD:12000.00`);
  return { currency: (match[1] ?? '').toUpperCase(), amount: match[2] ?? '' };
}

/** The option a problem of the use case's input is about. */
function optionOf(problem: PromiseProblem): string {
  const [field] = problem.path.split('.');
  const options: Record<string, string> = {
    amounts: '--amount',
    promisedOn: '--by',
    invoiceIds: '--invoice',
    madeBy: '--from',
    note: '--note',
  };
  return options[field ?? ''] ?? problem.path;
}

const money = (amounts: readonly PromiseAmount[]): string =>
  amounts.map((amount) => formatMoney(amount.amountMinor, amount.currency)).join(' + ');

function describePromise(promise: StoredPromise): string {
  const scope = promise.invoiceIds.length === 0 ? 'account' : promise.invoiceIds.join(', ');
  const outcome =
    promise.state === 'open'
      ? `open until ${promiseDeadline(promise)}`
      : `${promise.state.replace('_', ' ')} on ${promise.settledOn ?? '?'}: ${money(promise.received)} received`;
  return `${promise.promiseId}  ${promise.customerId}  ${money(promise.amounts)} by ${promise.promisedOn} (${scope})  ${outcome}`;
}

function registerAdd(promises: Command): void {
  promises
    .command('add')
    .description(
      "record a customer's promise to pay by a date (kept or broken is decided from payments); audited",
    )
    .requiredOption('--customer <customer_id>', 'billing customer id')
    .requiredOption(
      '--amount <currency:amount>',
      'amount promised, e.g. USD:12000.00 (repeat per currency)',
      repeated,
    )
    .requiredOption('--by <date>', 'the day the customer promised to pay by (YYYY-MM-DD)', dateOption)
    .option(
      '--invoice <invoice_id>',
      'an invoice the promise covers (repeat; none: the whole account)',
      repeated,
      [],
    )
    .option('--from <who>', "who made the promise (the customer's contact name or e-mail)")
    .option('--note <text>', 'a note for the account team')
    .option('--recorded-by <who>', 'who records it (for the audit trail)', 'cli')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: AddOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const input = {
        amounts: options.amount.map(amountOption),
        promisedOn: options.by,
        invoiceIds: options.invoice,
        ...(options.from === undefined ? {} : { madeBy: options.from }),
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      const graceDays = loadConfig().promiseGraceDays;
      const result = await withStore((store) =>
        recordPromiseToPay(store, tenant, options.customer, input, options.recordedBy, todayUtc(), {
          graceDays,
        }),
      );
      if (result.outcome === 'invalid')
        throw new UsageError(`${optionOf(result.problem)}: ${result.problem.message}`, {
          path: result.problem.path,
          message: result.problem.message,
        });
      if (result.outcome === 'unknown_customer')
        throw new UsageError(`unknown customer ${options.customer} in tenant ${tenant}`);
      const { promise } = result;
      print(
        options,
        { ok: true, recorded: result.outcome === 'recorded', promise },
        () =>
          `${result.outcome === 'recorded' ? 'Recorded' : 'Already recorded'}: ${promise.promiseId}, ` +
          `${money(promise.amounts)} by ${promise.promisedOn} from ${promise.customerId}; ` +
          `reminders on it are held until ${promiseDeadline(promise)}.`,
      );
    });
}

function registerList(promises: Command): void {
  promises
    .command('list')
    .description('list promises to pay and their outcomes, the latest promised day first')
    .option('--customer <customer_id>', 'only this account')
    .option('--state <state>', `only this state: ${PROMISE_STATES.join(', ')}`, (value: string) => {
      if (!(PROMISE_STATES as readonly string[]).includes(value))
        throw new InvalidArgumentError(`expected ${PROMISE_STATES.join(', ')}`);
      return value as PromiseState;
    })
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ListOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const listed = await withStore((store) =>
        store.listPromises(tenant, {
          ...(options.customer === undefined ? {} : { customerId: options.customer }),
          ...(options.state === undefined ? {} : { state: options.state }),
        }),
      );
      print(options, { ok: true, promises: listed }, () =>
        listed.length === 0 ? 'No promises to pay.' : listed.map(describePromise).join('\n'),
      );
    });
}

/** `promises add` and `promises list`: customers' promises to pay, recorded and followed up. */
export function registerPromiseCommands(program: Command): void {
  const promises = program
    .command('promises')
    .description('promises to pay: record one, list them with their outcomes');
  registerAdd(promises);
  registerList(promises);
}
