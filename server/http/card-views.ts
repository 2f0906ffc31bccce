import type { z } from 'zod';
import { formatMoney, type CurrencyCode } from '../../src/domain/money';
import type { ApiErrorBody } from './api-errors';
import type { accountCardView, agingBucketView } from './schemas/account-card';
import type { money } from './schemas/common';

/**
 * What the HubSpot cards receive from `GET /api/v1/companies/:companyId/collections` (company tab and
 * sidebar), as documented by its schema. Money comes as minor units with its currency and a display
 * text, so a card never formats amounts itself. Business errors answer 200 `{ ok: false, error }`.
 */
export type Money = z.infer<typeof money>;

export const moneyView = (minor: number, currency: string): Money => ({
  minor,
  currency,
  text: formatMoney(minor, currency as CurrencyCode),
});

export type AgingBucketView = z.infer<typeof agingBucketView>;

export type AccountCardView = z.infer<typeof accountCardView>;

export type CardResponse<T> = { ok: true; data: T } | ApiErrorBody;
