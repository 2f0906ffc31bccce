import { z } from 'zod';
import { addDays, isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import { promiseDeadline } from '../../src/domain/promises';
import type { TenantId } from '../../src/domain/model';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../../src/domain/money';
import { DEFAULT_TIERS, type RiskTiers } from '../../src/domain/risk/risk-model';
import { IntegrationError } from '../../src/ports/crm-gateway';
import type { CollectionsStore } from '../../src/ports/store';
import { getAccountCardByCrmId, type CardOptions } from '../../src/use-cases/account-card';
import { companyFields } from '../../src/use-cases/crm-sync';
import { recommendPaymentTerms, type BuyerQuery } from '../../src/use-cases/payment-terms';
import { recordPromiseToPay, type PromiseInput } from '../../src/use-cases/promises';

/** Output values as HubSpot takes them: strings (numbers as decimal text, dates as YYYY-MM-DD). */
export type ActionOutputs = Record<string, string>;

/** Why an action did not do what it was asked: a code a workflow can branch on, and words for people. */
export type ActionErrorCode =
  | 'INVALID_INPUT'
  | 'NO_RECORD'
  | 'NO_BILLING_DATA'
  | 'NOT_AVAILABLE'
  /** The CRM refused a read the action needs: the installation lacks a scope. */
  | 'MISSING_SCOPE';

export type ActionOutcome =
  { ok: true; outputs: ActionOutputs } | { ok: false; code: ActionErrorCode; message: string };

/**
 * Finds the company a deal is associated with in the CRM (its primary one first; null when none), or
 * says the CRM cannot be reached for this tenant. Throws the CRM's IntegrationError when a read fails.
 */
export type DealCompanyLookup = (dealId: string) => Promise<{ companyId: string | null } | 'not_connected'>;

export type ActionContext = {
  store: CollectionsStore;
  tenant: TenantId;
  today: CalendarDate;
  /** The enrolled record, as HubSpot sent it; undefined when the call names none. */
  object: { objectId: string; objectType: string } | undefined;
  inputs: Record<string, unknown>;
  cardOptions: CardOptions;
  actor: string;
  /** Where a deal action finds the deal's company when the call names none; without it: a prospect. */
  dealCompany?: DealCompanyLookup;
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

/** Why the deal's company could not be read, as a code a workflow can branch on; other failures throw. */
function lookupFailure(error: unknown, dealId: string): ActionOutcome {
  if (!(error instanceof IntegrationError)) throw error;
  if (error.code === 'missing_permission')
    return {
      ok: false,
      code: 'MISSING_SCOPE',
      message:
        `the deal's company cannot be read (${error.message}): reinstall the app to grant the scopes it ` +
        'asks for, or give company_id',
    };
  if (error.code === 'unauthorized')
    return {
      ok: false,
      code: 'NOT_AVAILABLE',
      message: `the deal's company cannot be read: the CRM refused the app's token (${error.message}); give company_id`,
    };
  if (error.code === 'not_found')
    return { ok: false, code: 'NO_RECORD', message: `deal ${dealId} was not found` };
  throw error;
}

/** The buyer's company: `company_id` when given, else the deal's company in the CRM; null: none. */
async function buyerCompany(
  context: ActionContext,
  dealId: string,
  given: string | undefined,
): Promise<{ companyId: string | null } | ActionOutcome> {
  if (given !== undefined) return { companyId: given };
  if (context.dealCompany === undefined) return { companyId: null };
  try {
    const found = await context.dealCompany(dealId);
    if (found !== 'not_connected') return found;
  } catch (error) {
    return lookupFailure(error, dealId);
  }
  return {
    ok: false,
    code: 'NOT_AVAILABLE',
    message:
      "the deal's company cannot be looked up: the CRM is not connected for this account; give company_id",
  };
}

/**
 * Recommends payment terms for the enrolled deal: the billing customer of `company_id`, or of the deal's
 * company in the CRM (the primary one) when none is given; a prospect (no history) when that company has
 * no billing customer or the deal has no company, as the deal card does.
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
      const company = await buyerCompany(context, dealId, parsed.data.company_id);
      if (!('companyId' in company)) return company;
      const customerId =
        company.companyId === null
          ? undefined
          : await context.store.findCustomerIdByCrmId(context.tenant, company.companyId);
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
  madeBy: 'made_by',
  invoiceIds: 'invoice_ids',
  note: 'note',
};

function promiseField(path: string): string {
  return PROMISE_FIELDS[path] ?? (path.startsWith('invoiceIds.') ? 'invoice_ids' : path);
}

/** Optional text: trimmed, absent when blank. */
function optionalText(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The promise as the use case takes it, from the action's inputs; or the first input at fault. */
function promiseFromInputs(inputs: Record<string, unknown>): { input: PromiseInput } | ActionOutcome {
  const { amount, currency, promised_date: promisedDate } = inputs;
  for (const [field, value] of [
    ['amount', amount],
    ['currency', currency],
    ['promised_date', promisedDate],
  ] as const)
    if (value === undefined || value === null || String(value).trim() === '')
      return invalid(field, 'required');
  const promisedOn = hubspotDate(promisedDate);
  if (promisedOn === undefined) return invalid('promised_date', 'expected a date (YYYY-MM-DD)');
  const given = inputs['invoice_ids'];
  if (given !== undefined && given !== null && typeof given !== 'string')
    return invalid('invoice_ids', 'expected invoice ids separated by commas');
  const invoiceIds = (given ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const madeBy = optionalText(inputs['made_by']);
  const note = optionalText(inputs['note']);
  return {
    input: {
      amounts: [{ currency: String(currency).trim().toUpperCase(), amount: String(amount).trim() }],
      promisedOn,
      invoiceIds,
      ...(madeBy === undefined ? {} : { madeBy }),
      ...(note === undefined ? {} : { note }),
    },
  };
}

/**
 * Records the customer's promise to pay one amount by a date, recorded by the workflow: who at the
 * customer made it and the invoices it covers (each one of the account's) when given.
 */
function recordPromise(graceDays: number | undefined): WorkflowAction {
  return {
    objectType: 'COMPANY',
    async run(context) {
      const companyId = recordOf(context, 'COMPANY');
      if (typeof companyId !== 'string') return companyId;
      const promise = promiseFromInputs(context.inputs);
      if (!('input' in promise)) return promise;
      const customerId = await customerOf(context, companyId);
      if (typeof customerId !== 'string') return customerId;
      const result = await recordPromiseToPay(
        context.store,
        context.tenant,
        customerId,
        promise.input,
        context.actor,
        context.today,
        graceDays === undefined ? {} : { graceDays },
      );
      if (result.outcome === 'invalid')
        return invalid(promiseField(result.problem.path), result.problem.message);
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
export function workflowActions(options: {
  cardOptions?: CardOptions;
  promiseGraceDays?: number;
}): Readonly<Record<string, WorkflowAction>> {
  return {
    'pause-collections': pauseCollections,
    'record-promise-to-pay': recordPromise(options.promiseGraceDays),
    'get-collections-status': getCollectionsStatus,
    'recommend-payment-terms': recommendTerms(options.cardOptions?.riskTiers ?? DEFAULT_TIERS),
  };
}
