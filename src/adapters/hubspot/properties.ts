/**
 * The property group and properties the sync writes on companies and deals. Names are the logical
 * field names the sync uses (see src/use-cases/crm-sync.ts); HubSpot takes every value as a string.
 */
export const COLLECTIONS_GROUP = { name: 'collections', label: 'Collections', displayOrder: -1 };

type PropertyDefinition = {
  name: string;
  label: string;
  description: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select' | 'booleancheckbox';
  hasUniqueValue?: boolean;
  /** HubSpot's OptionInput: `label`, `value` and `hidden` are required. */
  options?: { label: string; value: string; displayOrder: number; hidden: boolean }[];
};

const choices = (values: string[]) =>
  values.map((value, index) => ({
    label: `${value.charAt(0).toUpperCase()}${value.slice(1).replace(/_/g, ' ')}`,
    value,
    displayOrder: index,
    hidden: false,
  }));

export const PROPERTIES: Readonly<Record<'companies' | 'deals', readonly PropertyDefinition[]>> = {
  companies: [
    {
      name: 'collections_billing_customer_id',
      label: 'Billing customer id',
      description: 'The billing system customer (e.g. Stripe cus_…).',
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: true,
    },
    {
      name: 'collections_status',
      label: 'Collections status',
      description:
        'current, overdue, failed payment, disputed, paused, or payment in flight (a bank debit not yet settled).',
      type: 'enumeration',
      fieldType: 'select',
      // New values go last: installing again adds them to a portal's existing property in this order.
      options: choices(['current', 'overdue', 'failed_payment', 'disputed', 'paused', 'payment_in_flight']),
    },
    {
      name: 'collections_currency',
      label: 'Collections currency',
      description: 'Currency of the amounts below (the largest balance).',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_overdue_amount',
      label: 'Overdue amount',
      description: 'Past due, in the collections currency.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: 'collections_outstanding_amount',
      label: 'Outstanding amount',
      description: 'Owed, in the collections currency.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: 'collections_oldest_days_past_due',
      label: 'Oldest days past due',
      description: 'Days past due of the oldest overdue invoice.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: 'collections_risk_score',
      label: 'Payment risk score',
      description: 'Chance (0–100) the next invoice is still unpaid 30 days after its due date.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: 'collections_risk_tier',
      label: 'Payment risk tier',
      description: 'low, medium or high.',
      type: 'enumeration',
      fieldType: 'select',
      options: choices(['low', 'medium', 'high']),
    },
    {
      name: 'collections_risk_reasons',
      label: 'Payment risk reasons',
      description: 'The top reasons behind the score.',
      type: 'string',
      fieldType: 'textarea',
    },
    {
      name: 'collections_next_renewal_date',
      label: 'Next renewal date',
      description: 'Next subscription renewal.',
      type: 'date',
      fieldType: 'date',
    },
    {
      name: 'collections_days_to_renewal',
      label: 'Days to renewal',
      description: 'Days until the next renewal.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: 'collections_last_payment_failure',
      label: 'Last payment failure',
      description: 'Day, decline code, class and what to do.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_automation_paused',
      label: 'Collections automation paused',
      description: 'A person paused automated collections.',
      type: 'bool',
      fieldType: 'booleancheckbox',
      options: [
        { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
        { label: 'No', value: 'false', displayOrder: 1, hidden: false },
      ],
    },
    {
      name: 'collections_promise',
      label: 'Open promise to pay',
      description:
        'The open promise to pay (e.g. USD 12,000.00 by 2026-12-15); reminders on what it covers are held until then plus the grace.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_card_on_file',
      label: 'Card on file expiring',
      description:
        'The card on file when it expires before the next charge (e.g. Visa ending 4242 expires 11/26, before the renewal on 2026-12-15); empty otherwise.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_tags',
      label: 'Collections tags',
      description:
        'Tags for the escalation rules, separated by ; (e.g. strategic; public sector). Set by people; the sync never writes it.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_last_synced',
      label: 'Collections last synced',
      description: 'When these values were last written.',
      type: 'datetime',
      fieldType: 'date',
    },
  ],
  deals: [
    {
      name: 'collections_recommended_terms',
      label: 'Recommended payment terms',
      description: 'The payment terms accepted for this deal.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: 'collections_buyer_risk',
      label: 'Buyer payment risk',
      description: 'The buyer risk tier when the terms were accepted.',
      type: 'string',
      fieldType: 'text',
    },
  ],
};

/** The scopes the app asks for at install (the same list as `app/app-hsmeta.json`; a test keeps them equal). */
export const APP_SCOPES: readonly string[] = [
  'oauth',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.companies.write',
  'crm.schemas.deals.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.owners.read',
];
