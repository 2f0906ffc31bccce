import { z } from 'zod';
import { calendarDate, money } from './common';

export const promiseState = z.enum(['open', 'kept', 'partly_kept', 'broken']);

export const promiseView = z
  .object({
    promiseId: z.string(),
    customerId: z.string(),
    amounts: z.array(money),
    promisedOn: calendarDate,
    /** The last day payments count: the promised day plus the grace. */
    deadline: calendarDate,
    graceDays: z.number().int(),
    invoiceIds: z.array(z.string()),
    madeBy: z.string().nullable(),
    note: z.string().nullable(),
    recordedBy: z.string(),
    recordedOn: calendarDate,
    state: promiseState,
    settledOn: calendarDate.nullable(),
    /** What was received toward it, per promised currency, once settled; empty while open. */
    received: z.array(money),
  })
  .meta({ id: 'PromiseToPay', description: "A customer's promise to pay by a day, and its outcome." });

export const recordPromiseResponse = z
  .object({ ok: z.literal(true), data: z.object({ recorded: z.boolean(), promise: promiseView }) })
  .meta({ id: 'RecordPromiseResponse' });

export const promisesResponse = z
  .object({ ok: z.literal(true), data: z.object({ promises: z.array(promiseView) }) })
  .meta({ id: 'PromisesResponse' });
