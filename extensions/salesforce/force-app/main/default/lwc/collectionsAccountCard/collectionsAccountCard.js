import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import LOCALE from '@salesforce/i18n/locale';
import TIME_ZONE from '@salesforce/i18n/timeZone';
import recordPromise from '@salesforce/apex/CollectionsPromiseController.recordPromise';
import BILLING_CUSTOMER_ID from '@salesforce/schema/Account.Collections_Billing_Customer_Id__c';
import STATUS from '@salesforce/schema/Account.Collections_Status__c';
import CURRENCY from '@salesforce/schema/Account.Collections_Currency__c';
import OVERDUE_AMOUNT from '@salesforce/schema/Account.Collections_Overdue_Amount__c';
import OUTSTANDING_AMOUNT from '@salesforce/schema/Account.Collections_Outstanding_Amount__c';
import OLDEST_DAYS_PAST_DUE from '@salesforce/schema/Account.Collections_Oldest_Days_Past_Due__c';
import RISK_SCORE from '@salesforce/schema/Account.Collections_Risk_Score__c';
import RISK_TIER from '@salesforce/schema/Account.Collections_Risk_Tier__c';
import RISK_REASONS from '@salesforce/schema/Account.Collections_Risk_Reasons__c';
import NEXT_RENEWAL from '@salesforce/schema/Account.Collections_Next_Renewal__c';
import DAYS_TO_RENEWAL from '@salesforce/schema/Account.Collections_Days_To_Renewal__c';
import LAST_PAYMENT_FAILURE from '@salesforce/schema/Account.Collections_Last_Payment_Failure__c';
import AUTOMATION_PAUSED from '@salesforce/schema/Account.Collections_Automation_Paused__c';
import PROMISE from '@salesforce/schema/Account.Collections_Promise__c';
import CARD_ON_FILE from '@salesforce/schema/Account.Collections_Card_On_File__c';
import LAST_SYNCED from '@salesforce/schema/Account.Collections_Last_Synced__c';
import TASK_SUBJECT from '@salesforce/schema/Task.Subject';
import TASK_DUE_DATE from '@salesforce/schema/Task.ActivityDate';
import TASK_PRIORITY from '@salesforce/schema/Task.Priority';
import TASK_KEY from '@salesforce/schema/Task.Collections_Task_Key__c';
import INVOICE_ACCOUNT from '@salesforce/schema/Collections_Invoice__c.Account__c';
import INVOICE_ID from '@salesforce/schema/Collections_Invoice__c.Invoice_Id__c';
import INVOICE_CURRENCY from '@salesforce/schema/Collections_Invoice__c.Currency__c';
import INVOICE_OUTSTANDING from '@salesforce/schema/Collections_Invoice__c.Outstanding__c';
import INVOICE_DUE_ON from '@salesforce/schema/Collections_Invoice__c.Due_On__c';
import INVOICE_STATUS from '@salesforce/schema/Collections_Invoice__c.Status__c';

/** The backend's RENEWAL_WINDOW_DAYS default: inside it collections is softer and human-led. */
const RENEWAL_WINDOW_DAYS = 90;
const RISK_REASON_SEPARATOR = '; ';
const TASK_PAGE_SIZE = 10;

const ACCOUNT_FIELDS = [
  BILLING_CUSTOMER_ID,
  STATUS,
  CURRENCY,
  OVERDUE_AMOUNT,
  OUTSTANDING_AMOUNT,
  OLDEST_DAYS_PAST_DUE,
  RISK_SCORE,
  RISK_TIER,
  RISK_REASONS,
  NEXT_RENEWAL,
  DAYS_TO_RENEWAL,
  LAST_PAYMENT_FAILURE,
  AUTOMATION_PAUSED,
  PROMISE,
  CARD_ON_FILE,
  LAST_SYNCED,
];

const qualifiedName = (field) => `${field.objectApiName}.${field.fieldApiName}`;

// Field names come from schema imports so that a namespace prefix, when the package has one, is applied.
const TASK_FIELDS = [TASK_SUBJECT, TASK_DUE_DATE, TASK_PRIORITY, TASK_KEY].map(qualifiedName);
// The backend sets the task key on every task it creates, and only on those.
const OPEN_COLLECTIONS_TASKS = `{ and: [ { IsClosed: { eq: false } }, { ${TASK_KEY.fieldApiName}: { ne: null } } ] }`;

// The account's invoices the backend writes (Collections_Invoice__c, looked up by Account__c): its related
// list is named after that lookup's relationship, with the package namespace the field name carries.
const NAMESPACE = INVOICE_ACCOUNT.fieldApiName.slice(0, -'Account__c'.length);
const INVOICES_RELATED_LIST = `${NAMESPACE}Collections_Invoices__r`;
const INVOICE_FIELDS = [
  INVOICE_ID,
  INVOICE_CURRENCY,
  INVOICE_OUTSTANDING,
  INVOICE_DUE_ON,
  INVOICE_STATUS,
].map(qualifiedName);
/** Invoices a promise can still cover: not paid, not voided. */
const OPEN_INVOICES = `{ ${INVOICE_STATUS.fieldApiName}: { in: ["open", "disputed"] } }`;
const INVOICE_PAGE_SIZE = 50;

const STATUS_LABELS = {
  current: 'Current',
  overdue: 'Overdue',
  failed_payment: 'Failed payment',
  disputed: 'Disputed',
  paused: 'Paused',
  payment_in_flight: 'Payment in flight',
};
const STATUS_THEMES = {
  current: 'slds-theme_success',
  overdue: 'slds-theme_warning',
  failed_payment: 'slds-theme_error',
  disputed: 'slds-theme_error',
  paused: 'slds-theme_shade',
  payment_in_flight: 'slds-theme_info',
};
const TIER_LABELS = { low: 'Low', medium: 'Medium', high: 'High' };
/** The promise form's inputs (data-field) and the properties holding what was typed. */
const PROMISE_INPUTS = {
  amount: 'promiseAmount',
  currencyCode: 'promiseCurrency',
  promisedDate: 'promiseDate',
  madeBy: 'promiseMadeBy',
  note: 'promiseNote',
};
const PROMISE_FIELD_LABELS = { amount: 'Amount', currencyCode: 'Currency', promisedDate: 'Promised by' };

/** The message of a UI API or Apex error, whichever shape it comes in. */
function errorMessage(error) {
  const body = error?.body;
  if (Array.isArray(body)) {
    const messages = body.map((entry) => entry?.message).filter(Boolean);
    if (messages.length > 0) return messages.join(' ');
  }
  if (typeof body?.message === 'string' && body.message !== '') return body.message;
  if (typeof error?.message === 'string' && error.message !== '') return error.message;
  return 'Unknown error';
}

function isBlank(value) {
  return value === null || value === undefined || value === '';
}

function formatMoney(amount, currency) {
  if (isBlank(amount)) return '—';
  if (!isBlank(currency)) {
    try {
      return new Intl.NumberFormat(LOCALE, {
        style: 'currency',
        currency,
        currencyDisplay: 'code',
      }).format(amount);
    } catch {
      // An unknown currency code: show the amount and the code as they are.
    }
  }
  const number = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 3 }).format(amount);
  return isBlank(currency) ? number : `${currency} ${number}`;
}

/** A calendar date (YYYY-MM-DD) as the same day everywhere: formatted in UTC, never shifted. */
function formatCalendarDate(isoDate) {
  if (isBlank(isoDate)) return null;
  const day = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return isoDate;
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' }).format(day);
}

function formatInstant(isoInstant) {
  if (isBlank(isoInstant)) return null;
  const instant = new Date(isoInstant);
  if (Number.isNaN(instant.getTime())) return isoInstant;
  try {
    return new Intl.DateTimeFormat(LOCALE, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: TIME_ZONE,
    }).format(instant);
  } catch {
    return instant.toISOString();
  }
}

function hasBillingData(record) {
  return !isBlank(getFieldValue(record, BILLING_CUSTOMER_ID)) || !isBlank(getFieldValue(record, LAST_SYNCED));
}

function toCard(record) {
  const value = (field) => getFieldValue(record, field);
  const status = value(STATUS);
  const currency = value(CURRENCY);
  const riskScore = value(RISK_SCORE);
  const riskTier = value(RISK_TIER);
  const daysToRenewal = value(DAYS_TO_RENEWAL);
  const oldestDaysPastDue = value(OLDEST_DAYS_PAST_DUE);
  const renewalSoon = !isBlank(daysToRenewal) && daysToRenewal >= 0 && daysToRenewal <= RENEWAL_WINDOW_DAYS;
  const reasons = (value(RISK_REASONS) ?? '')
    .split(RISK_REASON_SEPARATOR)
    .map((reason) => reason.trim())
    .filter((reason) => reason !== '');
  return {
    currency: isBlank(currency) ? '' : currency,
    statusLabel: STATUS_LABELS[status] ?? (isBlank(status) ? 'Unknown' : status),
    statusClass: `status-badge ${STATUS_THEMES[status] ?? ''}`.trim(),
    overdue: formatMoney(value(OVERDUE_AMOUNT), currency),
    outstanding: formatMoney(value(OUTSTANDING_AMOUNT), currency),
    oldestDaysPastDue: isBlank(oldestDaysPastDue) ? '—' : `${oldestDaysPastDue} days`,
    hasRisk: !isBlank(riskScore) || !isBlank(riskTier),
    risk: [isBlank(riskScore) ? null : `${riskScore} / 100`, TIER_LABELS[riskTier] ?? riskTier]
      .filter((part) => !isBlank(part))
      .join(' · '),
    riskTierClass: riskTier === 'high' ? 'slds-text-color_error' : '',
    reasons: reasons.map((text, index) => ({ key: `reason-${index}`, text })),
    hasReasons: reasons.length > 0,
    hasRenewal: !isBlank(value(NEXT_RENEWAL)) || !isBlank(daysToRenewal),
    nextRenewal: formatCalendarDate(value(NEXT_RENEWAL)) ?? '—',
    daysToRenewal: isBlank(daysToRenewal) ? '—' : `${daysToRenewal} days`,
    renewalSoon,
    renewalClass: renewalSoon ? 'slds-item_detail renewal-soon slds-text-color_error' : 'slds-item_detail',
    renewalSoonLabel: `Renewal in ${daysToRenewal} days`,
    lastPaymentFailure: value(LAST_PAYMENT_FAILURE),
    paused: value(AUTOMATION_PAUSED) === true,
    promise: isBlank(value(PROMISE)) ? null : value(PROMISE),
    cardOnFile: isBlank(value(CARD_ON_FILE)) ? null : value(CARD_ON_FILE),
    lastSynced: formatInstant(value(LAST_SYNCED)),
  };
}

function toTask(record) {
  const field = (name) => record.fields?.[name] ?? {};
  const due = field(TASK_DUE_DATE.fieldApiName).value;
  const priority = field(TASK_PRIORITY.fieldApiName);
  return {
    id: record.id,
    subject: field(TASK_SUBJECT.fieldApiName).value ?? '(no subject)',
    due: formatCalendarDate(due) ?? 'No due date',
    priority: priority.displayValue ?? priority.value ?? '',
  };
}

/** An open invoice as a choice of the promise form: its id, what is still owed and when it was due. */
function toInvoiceOption(record) {
  const field = (name) => record.fields?.[name]?.value;
  const invoiceId = field(INVOICE_ID.fieldApiName);
  const owed = formatMoney(field(INVOICE_OUTSTANDING.fieldApiName), field(INVOICE_CURRENCY.fieldApiName));
  const due = formatCalendarDate(field(INVOICE_DUE_ON.fieldApiName));
  return { label: `${invoiceId} · ${owed}${due === null ? '' : ` due ${due}`}`, value: invoiceId };
}

/**
 * The collections picture the backend writes onto the account, its open collections tasks and its open
 * invoices, read with Lightning Data Service (no Apex): getRecord for the fields, getRelatedListRecords
 * on the Tasks related list (tasks whose WhatId is this account) and on the Collections Invoices related
 * list. A promise to pay is recorded through Apex (CollectionsPromiseController), which calls the backend.
 */
export default class CollectionsAccountCard extends LightningElement {
  @api recordId;

  recordState = { status: 'loading' };
  taskState = { status: 'loading' };
  invoiceState = { status: 'loading' };
  promiseAmount = '';
  /** Null until the user types one: the account's collections currency is the default. */
  promiseCurrency = null;
  promiseDate = '';
  promiseMadeBy = '';
  /** The Invoice Ids the promise covers; none: the whole account. */
  promiseInvoiceIds = [];
  promiseNote = '';
  promiseState = { status: 'idle' };

  @wire(getRecord, { recordId: '$recordId', fields: ACCOUNT_FIELDS })
  wiredAccount({ data, error }) {
    if (error) {
      this.recordState = { status: 'error', message: errorMessage(error) };
    } else if (data) {
      this.recordState = hasBillingData(data) ? { status: 'ready', card: toCard(data) } : { status: 'empty' };
    }
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$recordId',
    relatedListId: 'Tasks',
    fields: TASK_FIELDS,
    where: OPEN_COLLECTIONS_TASKS,
    sortBy: [qualifiedName(TASK_DUE_DATE)],
    pageSize: TASK_PAGE_SIZE,
  })
  wiredTasks({ data, error }) {
    if (error) {
      this.taskState = { status: 'error', message: errorMessage(error) };
    } else if (data) {
      this.taskState = { status: 'ready', tasks: (data.records ?? []).map(toTask) };
    }
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$recordId',
    relatedListId: INVOICES_RELATED_LIST,
    fields: INVOICE_FIELDS,
    where: OPEN_INVOICES,
    sortBy: [qualifiedName(INVOICE_DUE_ON)],
    pageSize: INVOICE_PAGE_SIZE,
  })
  wiredInvoices({ data, error }) {
    if (error) {
      this.invoiceState = { status: 'error', message: errorMessage(error) };
    } else if (data) {
      const options = (data.records ?? []).map(toInvoiceOption).filter((option) => !isBlank(option.value));
      this.invoiceState = { status: 'ready', options };
    }
  }

  get isLoading() {
    return this.recordState.status === 'loading';
  }

  get isError() {
    return this.recordState.status === 'error';
  }

  get isEmpty() {
    return this.recordState.status === 'empty';
  }

  get errorMessage() {
    return this.recordState.message;
  }

  get card() {
    return this.recordState.card;
  }

  get tasksLoading() {
    return this.taskState.status === 'loading';
  }

  get tasksError() {
    return this.taskState.status === 'error';
  }

  get tasksErrorMessage() {
    return this.taskState.message;
  }

  get tasks() {
    return this.taskState.tasks ?? [];
  }

  get hasTasks() {
    return this.tasks.length > 0;
  }

  get promiseCurrencyValue() {
    return this.promiseCurrency ?? this.card?.currency ?? '';
  }

  get invoiceOptions() {
    return this.invoiceState.options ?? [];
  }

  get hasInvoiceOptions() {
    return this.invoiceOptions.length > 0;
  }

  get invoicesError() {
    return this.invoiceState.status === 'error';
  }

  get invoicesErrorMessage() {
    return this.invoiceState.message;
  }

  get promiseSaving() {
    return this.promiseState.status === 'saving';
  }

  get promiseRecorded() {
    return this.promiseState.status === 'recorded';
  }

  get promiseFailed() {
    return this.promiseState.status === 'failed';
  }

  get promiseMessage() {
    return this.promiseState.message;
  }

  get promiseDeadline() {
    return formatCalendarDate(this.promiseState.deadline) ?? this.promiseState.deadline;
  }

  handlePromiseInput(event) {
    const property = PROMISE_INPUTS[event.target.dataset.field];
    if (property !== undefined) this[property] = event.target.value ?? '';
  }

  handleInvoiceSelection(event) {
    this.promiseInvoiceIds = [...(event.detail?.value ?? [])];
  }

  /** Records the promise through the backend; the account's promise field follows on the next sync. */
  async handleRecordPromise() {
    this.promiseState = { status: 'saving' };
    try {
      const outcome = await recordPromise({
        accountId: this.recordId,
        amount: this.promiseAmount,
        currencyCode: this.promiseCurrencyValue,
        promisedDate: isBlank(this.promiseDate) ? null : this.promiseDate,
        madeBy: this.promiseMadeBy,
        invoiceIds: [...this.promiseInvoiceIds],
        note: this.promiseNote,
      });
      if (outcome?.ok === true) {
        this.promiseState = { status: 'recorded', deadline: outcome.deadline };
        this.promiseAmount = '';
        this.promiseDate = '';
        this.promiseMadeBy = '';
        this.promiseInvoiceIds = [];
        this.promiseNote = '';
        return;
      }
      const label = PROMISE_FIELD_LABELS[outcome?.field];
      const message = outcome?.errorMessage ?? 'The promise was not recorded.';
      this.promiseState = {
        status: 'failed',
        message: label === undefined ? message : `${label}: ${message}`,
      };
    } catch (error) {
      this.promiseState = { status: 'failed', message: errorMessage(error) };
    }
  }
}
