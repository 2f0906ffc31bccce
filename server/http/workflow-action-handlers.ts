import { z } from 'zod';
import { addDays, isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import { promiseDeadline } from '../../src/domain/promises';
import type { TenantId } from '../../src/domain/model';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../../src/domain/money';
import { DEFAULT_TIERS, type RiskTiers } from '../../src/domain/risk/risk-model';
import type { CollectionsStore } from '../../src/ports/store';
import { getAccountCardByCrmId, type CardOptions } from '../../src/use-cases/account-card';
import { companyFields } from '../../src/use-cases/crm-sync';
import { recommendPaymentTerms, type BuyerQuery } from '../../src/use-cases/payment-terms';
import { recordPromiseToPay } from '../../src/use-cases/promises';

/** Output values as HubSpot takes them: strings (numbers as decimal text, dates as YYYY-MM-DD). */
export type ActionOutputs = Record<string, string>;

/** Why an action did not do what it was asked: a code a workflow can branch on, and words for people. */
export type ActionErrorCode = 'INVALID_INPUT' | 'NO_RECORD' | 'NO_BILLING_DATA' | 'NOT_AVAILABLE';

export type ActionOutcome =
  { ok: true; outputs: ActionOutputs } | { ok: false; code: ActionErrorCode; message: string };

export type ActionContext = {
  store: CollectionsStore;
  tenant: TenantId;
  today: CalendarDate;
  /** The enrolled record, as HubSpot sent it; undefined when the call names none. */
  object: { objectId: string; objectType: string } | undefined;
  inputs: Record<string, unknown>;
  cardOptions: CardOptions;
  actor: string;
};

export type WorkflowAction = {
  /** The HubSpot object type the action runs on (its `objectTypes`). */
  objectType: 'COMPANY' | 'DEAL';
  run: (context: ActionContext) => Promise<ActionOutcome>;
};

const invalid = (field: string, message: string): ActionOutcome => ({
  ok: false,
  code: 'INVALID_INPUT',
  message: `${field}: ${message}`,
});

/** A value HubSpot sends as text or as a number (a property mapped into a number input). */
const text = z.union([z.string(), z.number()]).transform((value) => String(value).trim());

/** The first problem of a parse, naming its input field (a field left out or blank is required). */
function firstProblem(error: z.ZodError, inputs: Record<string, unknown>): ActionOutcome {
  const issue = error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const given = inputs[field];
  const missing = given === undefined || given === null || String(given).trim() === '';
  return invalid(field, missing ? 'required' : (issue?.message ?? 'invalid'));
}

/** The enrolled record must be of the action's type: a company action never runs on a contact. */
function recordOf(context: ActionContext, type: WorkflowAction['objectType']): string | ActionOutcome {
  const object = context.object;
  if (object === undefined) return { ok: false, code: 'NO_RECORD', message: 'the call names no record' };
  if (object.objectType.toUpperCase() !== type)
    return {
      ok: false,
      code: 'NO_RECORD',
      message: `this action runs on a ${type.toLowerCase()}, not a ${object.objectType.toLowerCase()}`,
    };
  return object.objectId;
}

async function customerOf(context: ActionContext, companyId: string): Promise<string | ActionOutcome> {
  const customerId = await context.store.findCustomerIdByCrmId(context.tenant, companyId);
  if (customerId === undefined)
    return {
      ok: false,
      code: 'NO_BILLING_DATA',
      message: `no billing customer is mapped to company ${companyId}`,
    };
  return customerId;
}

const pauseInputs = z.object({
  reason: text.pipe(z.string().min(1, 'required').max(500, 'at most 500 characters')),
  days: text.pipe(
    z
      .string()
      .regex(/^\d+$/, 'a whole number of days')
      .transform(Number)
      .pipe(z.number().min(1, 'at least 1').max(365, 'at most 365')),
  ),
});

/** Pauses the company's collections automation from today for `days` days (the last paused day). */
const pauseCollections: WorkflowAction = {
  objectType: 'COMPANY',
  async run(context) {
    const companyId = recordOf(context, 'COMPANY');
    if (typeof companyId !== 'string') return companyId;
    const parsed = pauseInputs.safeParse(context.inputs);
    if (!parsed.success) return firstProblem(parsed.error, context.inputs);
    const customerId = await customerOf(context, companyId);
    if (typeof customerId !== 'string') return customerId;
    const until = addDays(context.today, parsed.data.days);
    const outcome = await context.store.pauseAutomation(context.tenant, customerId, {
      reason: parsed.data.reason,
      until,
      actor: context.actor,
      startedOn: context.today,
    });
    if (outcome === 'unknown_customer')
      return { ok: false, code: 'NO_BILLING_DATA', message: `unknown customer ${customerId}` };
    return { ok: true, outputs: { paused_until: until, billing_customer_id: customerId } };
  },
};

/** The company's collections picture, as the CRM sync writes it onto the company. */
const getCollectionsStatus: WorkflowAction = {
  objectType: 'COMPANY',
  async run(context) {
    const companyId = recordOf(context, 'COMPANY');
    if (typeof companyId !== 'string') return companyId;
    const card = await getAccountCardByCrmId(
      context.store,
      context.tenant,
      companyId,
      context.today,
      context.cardOptions,
    );
    if (card === undefined)
      return {
        ok: false,
        code: 'NO_BILLING_DATA',
        message: `no billing customer is mapped to company ${companyId}`,
      };
    const fields = companyFields(card.customerId, card.status, card.risk);
    return {
      ok: true,
      outputs: {
        status: card.status.status,
        risk_tier: card.risk?.tier ?? '',
        overdue_amount: fields['collections_overdue_amount'] ?? '0',
        currency: fields['collections_currency'] ?? '',
        days_past_due: String(card.status.oldestDaysPastDue),
        days_to_renewal: card.status.daysToRenewal === null ? '' : String(card.status.daysToRenewal),
        automation_paused: card.status.paused === null ? 'false' : 'true',
      },
    };
  },
};

const termsInputs = z.object({
  amount: text.pipe(z.string().regex(/^\d+(\.\d+)?$/, 'an amount in major units, like "120000.00"')),
  currency: text
    .transform((value) => value.toUpperCase())
    .pipe(z.string().refine(isCurrencyCode, 'unknown currency code')),
  months: text
    .pipe(z.string().regex(/^\d+$/, 'a whole number of months').transform(Number))
    .pipe(z.number().min(1, 'at least 1').max(120, 'at most 120'))
    .optional(),
  company_id: text.pipe(z.string().regex(/^[A-Za-z0-9]{1,40}$/, 'a company record id')).optional(),
});

/**
 * Recommends payment terms for the enrolled deal: its company's billing customer when one is mapped,
 * otherwise a prospect (no history), as the deal card does.
 */
function recommendTerms(tiers: RiskTiers): WorkflowAction {
  return {
    objectType: 'DEAL',
    async run(context) {
      const dealId = recordOf(context, 'DEAL');
      if (typeof dealId !== 'string') return dealId;
      const blanksDropped = Object.fromEntries(
        Object.entries(context.inputs).filter(([, value]) => value !== '' && value !== null),
      );
      const parsed = termsInputs.safeParse(blanksDropped);
      if (!parsed.success) return firstProblem(parsed.error, blanksDropped);
      const currency = parsed.data.currency as CurrencyCode;
      const amount = parseMajorAmount(parsed.data.amount, currency);
      if (!amount.ok) return invalid('amount', amount.message);
      if (amount.minor <= 0) return invalid('amount', 'must be greater than 0');
      const companyId = parsed.data.company_id;
      const customerId =
        companyId === undefined
          ? undefined
          : await context.store.findCustomerIdByCrmId(context.tenant, companyId);
      const query: BuyerQuery =
        customerId === undefined
          ? { kind: 'prospect', segment: null, employees: null, fundingStage: null, country: null }
          : { kind: 'customer', customerId };
      const recommendation = await recommendPaymentTerms(
        context.store,
        context.tenant,
        query,
        { amountMinor: amount.minor, currency, months: parsed.data.months ?? 12, billing: null },
        context.today,
        tiers,
        dealId,
      );
      const chosen = recommendation.options.find((option) => option.id === recommendation.recommended);
      return {
        ok: true,
        outputs: {
          recommended_terms: chosen?.label ?? '',
          recommended_terms_id: chosen?.id ?? '',
          risk_tier: recommendation.buyer.risk.tier,
          buyer: recommendation.buyer.kind,
        },
      };
    },
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A HubSpot date input: YYYY-MM-DD, or milliseconds at midnight UTC as date properties are sent. */
function hubspotDate(value: unknown): CalendarDate | undefined {
  const given = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (isCalendarDate(given)) return given;
  if (!/^\d{1,15}$/.test(given) || Number(given) % DAY_MS !== 0) return undefined;
  return new Date(Number(given)).toISOString().slice(0, 10) as CalendarDate;
}

/** The use case's field names back to the action's input names. */
const PROMISE_FIELDS: Readonly<Record<string, string>> = {
  'amounts.0.amount': 'amount',
  'amounts.0.currency': 'currency',
  promisedOn: 'promised_date',
  note: 'note',
};

/** Records the customer's promise to pay one amount by a date, recorded by the workflow. */
function recordPromise(graceDays: number | undefined): WorkflowAction {
  return {
    objectType: 'COMPANY',
    async run(context) {
      const companyId = recordOf(context, 'COMPANY');
      if (typeof companyId !== 'string') return companyId;
      const { amount, currency, promised_date: promisedDate, note } = context.inputs;
      for (const [field, value] of [
        ['amount', amount],
        ['currency', currency],
        ['promised_date', promisedDate],
      ] as const)
        if (value === undefined || value === null || String(value).trim() === '')
          return invalid(field, 'required');
      const promisedOn = hubspotDate(promisedDate);
      if (promisedOn === undefined) return invalid('promised_date', 'expected a date (YYYY-MM-DD)');
      const customerId = await customerOf(context, companyId);
      if (typeof customerId !== 'string') return customerId;
      const noteText = typeof note === 'string' && note.trim() !== '' ? note.trim() : null;
      const result = await recordPromiseToPay(
        context.store,
        context.tenant,
        customerId,
        {
          amounts: [{ currency: String(currency).trim().toUpperCase(), amount: String(amount).trim() }],
          promisedOn,
          ...(noteText === null ? {} : { note: noteText }),
        },
        context.actor,
        context.today,
        graceDays === undefined ? {} : { graceDays },
      );
      if (result.outcome === 'invalid')
        return invalid(PROMISE_FIELDS[result.problem.path] ?? result.problem.path, result.problem.message);
      if (result.outcome === 'unknown_customer')
        return { ok: false, code: 'NO_BILLING_DATA', message: `unknown customer ${customerId}` };
      return {
        ok: true,
        outputs: {
          promise_id: result.promise.promiseId,
          promise_deadline: promiseDeadline(result.promise),
        },
      };
    },
  };
}

/** The actions by the name in their URL (`/hubspot/workflow-actions/:action`). */
export function workflowActions(
  options: CardOptions & { promiseGraceDays?: number },
): Readonly<Record<string, WorkflowAction>> {
  return {
    'pause-collections': pauseCollections,
    'record-promise-to-pay': recordPromise(options.promiseGraceDays),
    'get-collections-status': getCollectionsStatus,
    'recommend-payment-terms': recommendTerms(options.riskTiers ?? DEFAULT_TIERS),
  };
}
