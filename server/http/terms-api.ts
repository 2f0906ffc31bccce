import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { parseWord, type TenantId } from '../../src/domain/model';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../../src/domain/money';
import { DEFAULT_TIERS, type RiskTiers } from '../../src/domain/risk/risk-model';
import type { Deal } from '../../src/domain/terms/recommend';
import type { CalendarDate } from '../../src/domain/dates';
import type { CollectionsStore } from '../../src/ports/store';
import {
  acceptPaymentTerms,
  recommendPaymentTerms,
  UnknownCustomerError,
  type BuyerQuery,
} from '../../src/use-cases/payment-terms';
import { fail } from './api-errors';

export type TermsRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  riskTiers?: RiskTiers;
  context: (response: Response) => { tenant: TenantId; user: string; revops: boolean };
};

const word = z.string().transform((value, context) => {
  const parsed = parseWord(value);
  if (parsed === undefined) context.addIssue({ code: 'custom', message: 'a word such as series_a' });
  return parsed ?? '';
});

export const dealRequest = z
  .object({
    customerId: z.string().min(1).max(255).optional(),
    /** The deal's company in the CRM: its billing customer when one is mapped, else a prospect. */
    crmCompanyId: z.string().min(1).max(64).optional(),
    prospect: z
      .object({
        name: z.string().max(200).optional(),
        segment: word.optional(),
        employees: z.number().int().min(1).max(10_000_000).optional(),
        fundingStage: word.optional(),
        country: z
          .string()
          .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
          .transform((value) => value.toUpperCase())
          .optional(),
      })
      .strict()
      .optional(),
    amount: z.string().regex(/^\d+(\.\d+)?$/, 'an amount in major units, like "120000.00"'),
    currency: z
      .string()
      .transform((value) => value.toUpperCase())
      .refine(isCurrencyCode, 'unknown currency code'),
    months: z.number().int().min(1).max(120).default(12),
    billing: z.enum(['upfront', 'annual', 'quarterly', 'monthly']).optional(),
    optionId: z.string().min(1).max(40).optional(),
  })
  .strict()
  .superRefine((value, context) => {
    const given = [value.customerId, value.crmCompanyId].filter((entry) => entry !== undefined).length;
    if (
      given > 1 ||
      (given === 0 && value.prospect === undefined) ||
      (value.customerId !== undefined && value.prospect !== undefined)
    )
      context.addIssue({
        code: 'custom',
        path: ['customerId'],
        message: 'give one of customerId, crmCompanyId (with an optional prospect fallback) or prospect',
      });
  });

export const customerSearch = z.object({
  q: z.string().trim().max(100, 'at most 100 characters').default(''),
  limit: z.coerce.number().int().min(1).max(50, 'at most 50').default(20),
});

/** Bad input to the deal card's endpoints: 422 naming the field. */
function unprocessable(response: Response, path: string, message: string, extra: object = {}): void {
  fail(response, { code: 'invalid_request', path, message }, 422, extra);
}

function parseDealRequest(
  body: unknown,
  response: Response,
): { query: BuyerQuery; deal: Deal; optionId?: string; crmCompanyId?: string } | undefined {
  const parsed = dealRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    unprocessable(response, issue?.path.join('.') ?? '', issue?.message ?? 'invalid request');
    return undefined;
  }
  const input = parsed.data;
  const currency = input.currency as CurrencyCode;
  const amount = parseMajorAmount(input.amount, currency);
  if (!amount.ok) return void unprocessable(response, 'amount', amount.message);
  if (amount.minor <= 0) return void unprocessable(response, 'amount', 'must be greater than 0');
  const query: BuyerQuery =
    input.customerId !== undefined
      ? { kind: 'customer', customerId: input.customerId }
      : {
          kind: 'prospect',
          name: input.prospect?.name ?? null,
          segment: input.prospect?.segment ?? null,
          employees: input.prospect?.employees ?? null,
          fundingStage: input.prospect?.fundingStage ?? null,
          country: input.prospect?.country ?? null,
        };
  return {
    query,
    deal: { amountMinor: amount.minor, currency, months: input.months, billing: input.billing ?? null },
    ...(input.optionId === undefined ? {} : { optionId: input.optionId }),
    ...(input.crmCompanyId === undefined ? {} : { crmCompanyId: input.crmCompanyId }),
  };
}

/** The deal card's payment-term endpoints, and the customer picker of the workspace's deal view. */
export function createTermsRouter(options: TermsRouteOptions): Router {
  const router = express.Router();
  const tiers = options.riskTiers ?? DEFAULT_TIERS;

  /** A CRM company becomes its billing customer when one is mapped; otherwise the prospect stands. */
  const withBillingCustomer = async <T extends { query: BuyerQuery; crmCompanyId?: string }>(
    input: T | undefined,
    response: Response,
  ): Promise<T | undefined> => {
    if (input?.crmCompanyId === undefined) return input;
    const customerId = await options.store.findCustomerIdByCrmId(
      options.context(response).tenant,
      input.crmCompanyId,
    );
    return customerId === undefined ? input : { ...input, query: { kind: 'customer', customerId } };
  };

  router.post('/deals/:dealId/payment-terms', async (request, response) => {
    const input = await withBillingCustomer(parseDealRequest(request.body, response), response);
    if (input === undefined) return;
    try {
      const recommendation = await recommendPaymentTerms(
        options.store,
        options.context(response).tenant,
        input.query,
        input.deal,
        options.today(),
        tiers,
        String(request.params['dealId']),
      );
      response.json({ ok: true, dealId: String(request.params['dealId']), recommendation });
    } catch (error) {
      if (error instanceof UnknownCustomerError)
        return unprocessable(response, 'customerId', `unknown customer ${error.customerId}`);
      throw error;
    }
  });

  router.post('/deals/:dealId/payment-terms/accept', async (request, response) => {
    const input = await withBillingCustomer(parseDealRequest(request.body, response), response);
    if (input === undefined) return;
    const { tenant, user } = options.context(response);
    try {
      const outcome = await acceptPaymentTerms(options.store, tenant, {
        dealId: String(request.params['dealId']),
        query: input.query,
        deal: input.deal,
        ...(input.optionId === undefined ? {} : { optionId: input.optionId }),
        actor: user,
        asOf: options.today(),
        tiers,
      });
      if (!outcome.ok) return unprocessable(response, outcome.field, outcome.message);
      response.json(outcome);
    } catch (error) {
      if (error instanceof UnknownCustomerError)
        return unprocessable(response, 'customerId', `unknown customer ${error.customerId}`);
      throw error;
    }
  });

  /** The deal view's customer picker: searched in the store, one bounded page at a time. */
  router.get('/customers/search', async (request, response) => {
    const parsed = customerSearch.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return unprocessable(response, issue?.path.join('.') ?? '', issue?.message ?? 'invalid request');
    }
    const found = await options.store.searchCustomers(
      options.context(response).tenant,
      parsed.data.q,
      parsed.data.limit,
    );
    response.json({ ok: true, data: found });
  });

  router.get('/deals/:dealId/payment-terms/accepted', async (request, response) => {
    const accepted = await options.store.listTermAcceptances(options.context(response).tenant, {
      dealId: String(request.params['dealId']),
    });
    response.json({ ok: true, accepted });
  });
  return router;
}
