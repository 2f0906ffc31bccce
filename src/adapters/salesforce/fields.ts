import type { CrmObjectType } from '../../ports/crm-gateway';

/** Every call names its API version (jsforce defaults to 50.0). */
export const SALESFORCE_API_VERSION = '62.0';

type FieldType = 'text' | 'number' | 'date' | 'datetime' | 'boolean';
type FieldMap = Readonly<Record<string, { field: string; type: FieldType; maxLength?: number }>>;

/** The sync's properties → the package's fields (extensions/salesforce). */
export const SALESFORCE_FIELDS: Readonly<Record<CrmObjectType, FieldMap>> = {
  companies: {
    collections_billing_customer_id: { field: 'Collections_Billing_Customer_Id__c', type: 'text' },
    collections_status: { field: 'Collections_Status__c', type: 'text' },
    collections_currency: { field: 'Collections_Currency__c', type: 'text' },
    collections_overdue_amount: { field: 'Collections_Overdue_Amount__c', type: 'number' },
    collections_outstanding_amount: { field: 'Collections_Outstanding_Amount__c', type: 'number' },
    collections_oldest_days_past_due: { field: 'Collections_Oldest_Days_Past_Due__c', type: 'number' },
    collections_risk_score: { field: 'Collections_Risk_Score__c', type: 'number' },
    collections_risk_tier: { field: 'Collections_Risk_Tier__c', type: 'text' },
    collections_risk_reasons: { field: 'Collections_Risk_Reasons__c', type: 'text', maxLength: 32768 },
    collections_next_renewal_date: { field: 'Collections_Next_Renewal__c', type: 'date' },
    collections_days_to_renewal: { field: 'Collections_Days_To_Renewal__c', type: 'number' },
    collections_last_payment_failure: {
      field: 'Collections_Last_Payment_Failure__c',
      type: 'text',
      maxLength: 255,
    },
    collections_automation_paused: { field: 'Collections_Automation_Paused__c', type: 'boolean' },
    collections_promise: { field: 'Collections_Promise__c', type: 'text', maxLength: 255 },
    collections_card_on_file: { field: 'Collections_Card_On_File__c', type: 'text', maxLength: 255 },
    collections_last_synced: { field: 'Collections_Last_Synced__c', type: 'datetime' },
  },
  deals: {
    collections_recommended_terms: {
      field: 'Collections_Recommended_Terms__c',
      type: 'text',
      maxLength: 255,
    },
    collections_buyer_risk: { field: 'Collections_Buyer_Risk__c', type: 'text' },
  },
};

export const SOBJECT: Readonly<Record<CrmObjectType, 'Account' | 'Opportunity'>> = {
  companies: 'Account',
  deals: 'Opportunity',
};

export const TASK_KEY_FIELD = 'Collections_Task_Key__c';
export const INVOICE_OBJECT = 'Collections_Invoice__c';
export const INVOICE_KEY_FIELD = 'Invoice_Id__c';

export type SalesforceValue = string | number | boolean | null;

/** A record of the sync's string properties as Salesforce field values ('' clears a field). */
export function toSalesforceRecord(
  type: CrmObjectType,
  properties: Readonly<Record<string, string>>,
): Record<string, SalesforceValue> {
  const record: Record<string, SalesforceValue> = {};
  for (const [name, value] of Object.entries(properties)) {
    const mapping = SALESFORCE_FIELDS[type][name];
    if (mapping === undefined) throw new Error(`no Salesforce field for ${type}.${name}`);
    if (value === '') record[mapping.field] = null;
    else if (mapping.type === 'number') record[mapping.field] = Number(value);
    else if (mapping.type === 'boolean') record[mapping.field] = value === 'true';
    else if (mapping.maxLength !== undefined && value.length > mapping.maxLength)
      record[mapping.field] = `${value.slice(0, mapping.maxLength - 1)}…`;
    else record[mapping.field] = value;
  }
  return record;
}
