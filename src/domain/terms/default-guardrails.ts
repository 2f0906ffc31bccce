import type { CurrencyCode } from '../money';
import type { Guardrails } from './guardrails';

const amounts = (entries: Record<string, string>) => entries as Record<CurrencyCode, string>;

/**
 * The guardrails a tenant starts with (`collections terms guardrails default` prints them as YAML):
 * net 30 to 45 for most, up to 60 for large enterprises, card autopay for small deals, tighter
 * terms for early-stage companies, and upfront or autopay for high risk or a revoked authorisation.
 */
export const DEFAULT_GUARDRAILS: Guardrails = {
  options: [
    { id: 'card_autopay', label: 'Card autopay, monthly', billing: 'monthly', netDays: 0, autopay: true },
    {
      id: 'upfront',
      label: 'Whole contract upfront, due on receipt',
      billing: 'upfront',
      netDays: 0,
      autopay: false,
    },
    {
      id: 'upfront_net_30',
      label: 'Whole contract upfront, net 30',
      billing: 'upfront',
      netDays: 30,
      autopay: false,
    },
    { id: 'net_30', label: 'Annual in advance, net 30', billing: 'annual', netDays: 30, autopay: false },
    { id: 'net_45', label: 'Annual in advance, net 45', billing: 'annual', netDays: 45, autopay: false },
    { id: 'net_60', label: 'Annual in advance, net 60', billing: 'annual', netDays: 60, autopay: false },
    {
      id: 'quarterly_net_30',
      label: 'Quarterly installments, net 30',
      billing: 'quarterly',
      netDays: 30,
      autopay: false,
    },
    {
      id: 'monthly_net_30',
      label: 'Monthly installments, net 30',
      billing: 'monthly',
      netDays: 30,
      autopay: false,
    },
  ],
  defaults: {
    allowed: ['upfront', 'upfront_net_30', 'net_30', 'net_45', 'quarterly_net_30'],
    default: 'net_30',
    maxNetDays: 45,
    maxNetDaysByRiskTier: { medium: 30, high: 30 },
    relativeRiskTiers: { medium: 3, high: 8 },
    requireUpfrontOrAutopay: { riskTierAtLeast: 'high', authorizationRevoked: true },
    upfrontDiscountPercent: 3,
    acceptableLateShare: 0.25,
    minEvidence: 20,
  },
  policies: [
    {
      id: 'large_enterprise',
      description: 'Procurement at large companies takes longer; up to 60 days for low risk.',
      when: { segmentIn: ['enterprise'], employeesAtLeast: 1000 },
      allowed: ['upfront', 'upfront_net_30', 'net_30', 'net_45', 'net_60', 'quarterly_net_30'],
      default: 'net_45',
      maxNetDays: 60,
      maxNetDaysByRiskTier: { medium: 45, high: 30 },
    },
    {
      id: 'early_stage',
      description: 'Seed and Series A buyers: at most net 30, upfront or autopay from medium risk.',
      when: { fundingStageIn: ['seed', 'series_a'] },
      maxNetDays: 30,
      requireUpfrontOrAutopay: { riskTierAtLeast: 'medium', authorizationRevoked: true },
      allowed: ['upfront', 'upfront_net_30', 'net_30', 'quarterly_net_30', 'monthly_net_30'],
    },
    {
      id: 'small_deals_by_card',
      description: 'Small deals are paid by card on autopay.',
      when: { dealBelow: amounts({ USD: '10000', EUR: '9000', GBP: '8000', JPY: '1500000', KWD: '3000' }) },
      allowed: ['card_autopay', 'upfront', 'net_30'],
      default: 'card_autopay',
      maxNetDays: 30,
    },
  ],
};
