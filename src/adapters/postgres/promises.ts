import type { CalendarDate } from '../../domain/dates';
import type { CurrencyCode } from '../../domain/money';
import type { PromiseAmount, PromiseState, StoredPromise } from '../../domain/promises';
import type { PromiseStore } from '../../ports/promises';
import { invalidateCards } from './cards';
import type { SqlClient } from './sql-client';

type PromiseRow = {
  promise_id: string;
  customer_id: string;
  promised_on: CalendarDate;
  grace_days: number;
  invoice_ids: string[];
  made_by: string | null;
  note: string | null;
  recorded_by: string;
  recorded_on: CalendarDate;
  state: PromiseState;
  settled_on: CalendarDate | null;
  amounts: string;
};

type AmountJson = { currency: string; amountMinor: number; receivedMinor: number | null };

const SETTLED_EVENT: Record<Exclude<PromiseState, 'open'>, string> = {
  kept: 'promise_kept',
  partly_kept: 'promise_partly_kept',
  broken: 'promise_broken',
};

function fromRow(row: PromiseRow): StoredPromise {
  const amounts = JSON.parse(row.amounts) as AmountJson[];
  return {
    promiseId: row.promise_id,
    customerId: row.customer_id,
    amounts: amounts.map((amount) => ({
      currency: amount.currency as CurrencyCode,
      amountMinor: amount.amountMinor,
    })),
    promisedOn: row.promised_on,
    graceDays: row.grace_days,
    invoiceIds: row.invoice_ids,
    madeBy: row.made_by,
    note: row.note,
    recordedBy: row.recorded_by,
    recordedOn: row.recorded_on,
    state: row.state,
    settledOn: row.settled_on,
    received:
      row.state === 'open'
        ? []
        : amounts.map((amount) => ({
            currency: amount.currency as CurrencyCode,
            amountMinor: amount.receivedMinor ?? 0,
          })),
  };
}

function amountsPayload(amounts: readonly PromiseAmount[]): { currency: string; minor: number }[] {
  return amounts.map((amount) => ({ currency: amount.currency, minor: amount.amountMinor }));
}

export function promiseStore(client: SqlClient): PromiseStore {
  return {
    async recordPromise(tenant, promise) {
      return client.transaction(async (tx) => {
        const known = await tx.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND customer_id = $2', [
          tenant,
          promise.customerId,
        ]);
        if (known.length === 0) return 'unknown_customer' as const;
        const inserted = await tx.query(
          `INSERT INTO promises_to_pay (tenant_id, promise_id, customer_id, promised_on, grace_days, invoice_ids,
                                        made_by, note, recorded_by, recorded_on)
           VALUES ($1, $2, $3, $4::date, $5, $6::text[], $7, $8, $9, $10::date)
           ON CONFLICT (tenant_id, promise_id) DO NOTHING RETURNING promise_id`,
          [
            tenant,
            promise.promiseId,
            promise.customerId,
            promise.promisedOn,
            promise.graceDays,
            [...promise.invoiceIds],
            promise.madeBy,
            promise.note,
            promise.recordedBy,
            promise.recordedOn,
          ],
        );
        if (inserted.length === 0) return 'exists' as const;
        for (const amount of promise.amounts)
          await tx.query(
            `INSERT INTO promise_amounts (tenant_id, promise_id, currency, amount_minor) VALUES ($1, $2, $3, $4)`,
            [tenant, promise.promiseId, amount.currency, amount.amountMinor],
          );
        await tx.query(
          `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
           VALUES ($1, 'promise_recorded', $2, $3, $4::jsonb)`,
          [
            tenant,
            promise.customerId,
            promise.recordedBy,
            JSON.stringify({
              promiseId: promise.promiseId,
              amounts: amountsPayload(promise.amounts),
              promisedOn: promise.promisedOn,
              graceDays: promise.graceDays,
              invoiceIds: promise.invoiceIds,
              madeBy: promise.madeBy,
              note: promise.note,
            }),
          ],
        );
        await invalidateCards(tx, tenant, [promise.customerId]);
        return 'recorded' as const;
      });
    },

    async listPromises(tenant, filter = {}) {
      const rows = await client.query<PromiseRow>(
        `SELECT p.promise_id, p.customer_id, to_char(p.promised_on, 'YYYY-MM-DD') AS promised_on, p.grace_days,
                p.invoice_ids, p.made_by, p.note, p.recorded_by, to_char(p.recorded_on, 'YYYY-MM-DD') AS recorded_on,
                p.state, to_char(p.settled_on, 'YYYY-MM-DD') AS settled_on,
                (SELECT coalesce(json_agg(json_build_object('currency', a.currency, 'amountMinor', a.amount_minor,
                                                            'receivedMinor', a.received_minor) ORDER BY a.currency), '[]')
                   FROM promise_amounts a WHERE a.tenant_id = p.tenant_id AND a.promise_id = p.promise_id)::text AS amounts
           FROM promises_to_pay p
          WHERE p.tenant_id = $1
            AND ($2::text IS NULL OR p.customer_id = $2)
            AND ($3::text[] IS NULL OR p.customer_id = ANY($3::text[]))
            AND ($4::text IS NULL OR p.state = $4)
            AND ($5::date IS NULL OR p.promised_on >= $5::date)
          ORDER BY p.promised_on DESC, p.created_at DESC, p.promise_id`,
        [
          tenant,
          filter.customerId ?? null,
          filter.customerIds === undefined ? null : [...filter.customerIds],
          filter.state ?? null,
          filter.promisedFrom ?? null,
        ],
      );
      return rows.map(fromRow);
    },

    async settlePromise(tenant, promiseId, settlement, actor) {
      return client.transaction(async (tx) => {
        const [settled] = await tx.query<{ customer_id: string }>(
          `UPDATE promises_to_pay SET state = $3, settled_on = $4::date
            WHERE tenant_id = $1 AND promise_id = $2 AND state = 'open' RETURNING customer_id`,
          [tenant, promiseId, settlement.state, settlement.settledOn],
        );
        if (settled === undefined) return false;
        for (const amount of settlement.received)
          await tx.query(
            `UPDATE promise_amounts SET received_minor = $4
              WHERE tenant_id = $1 AND promise_id = $2 AND currency = $3`,
            [tenant, promiseId, amount.currency, amount.amountMinor],
          );
        await tx.query(
          `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
           VALUES ($1, $2, $3, $4, $5::jsonb)`,
          [
            tenant,
            SETTLED_EVENT[settlement.state],
            settled.customer_id,
            actor,
            JSON.stringify({
              promiseId,
              settledOn: settlement.settledOn,
              received: amountsPayload(settlement.received),
            }),
          ],
        );
        await invalidateCards(tx, tenant, [settled.customer_id]);
        return true;
      });
    },
  };
}
