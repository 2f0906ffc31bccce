/**
 * HubSpot's burst limits per 10 seconds (API usage guidelines and the changelog "Increasing our API
 * limits"): marketplace (OAuth) apps get 110 per installed account whatever its tier; a private app's
 * token gets the account's: 100 on Free and Starter, 190 on Professional and Enterprise, 250 with the
 * API Limit Increase pack.
 */
export type HubspotAppKind = 'marketplace' | 'private';
export type HubspotTier = 'free' | 'starter' | 'professional' | 'enterprise' | 'api-limit-increase';

const PRIVATE_APP_BURST: Readonly<Record<HubspotTier, number>> = {
  free: 100,
  starter: 100,
  professional: 190,
  enterprise: 190,
  'api-limit-increase': 250,
};

export const MARKETPLACE_APP_BURST = 110;

export function hubspotRequestsPer10s(kind: HubspotAppKind, tier: HubspotTier): number {
  return kind === 'marketplace' ? MARKETPLACE_APP_BURST : PRIVATE_APP_BURST[tier];
}
