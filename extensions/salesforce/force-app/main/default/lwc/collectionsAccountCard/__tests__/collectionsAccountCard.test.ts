import { createElement } from 'lwc';
import CollectionsAccountCard from 'c/collectionsAccountCard';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import recordPromise from '@salesforce/apex/CollectionsPromiseController.recordPromise';

jest.mock('@salesforce/apex/CollectionsPromiseController.recordPromise', () => ({ default: jest.fn() }), {
  virtual: true,
});

const ACCOUNT_ID = '001000000000001AAA';

type FieldValues = Record<string, string | number | boolean | null>;

const SYNCED_ACCOUNT: FieldValues = {
  Collections_Billing_Customer_Id__c: 'cus_N1042',
  Collections_Status__c: 'overdue',
  Collections_Currency__c: 'USD',
  Collections_Overdue_Amount__c: 1200.5,
  Collections_Outstanding_Amount__c: 5300,
  Collections_Oldest_Days_Past_Due__c: 45,
  Collections_Risk_Score__c: 72,
  Collections_Risk_Tier__c: 'high',
  Collections_Risk_Reasons__c:
    '2 of the last 2 invoices were paid more than 10 days late; USD 1,000.00 is already overdue; 1 card decline in the last 90 days',
  Collections_Next_Renewal__c: '2026-03-01',
  Collections_Days_To_Renewal__c: 30,
  Collections_Last_Payment_Failure__c:
    '2026-01-20: insufficient_funds (soft_funds): retry near payday, update-card nudge after the 2nd failure',
  Collections_Automation_Paused__c: false,
  Collections_Promise__c: 'USD 12,000.00 by 2026-02-15',
  Collections_Card_On_File__c: 'Visa ending 4242 expires 02/26, before the renewal on 2026-03-01',
  Collections_Last_Synced__c: '2026-01-30T08:15:00.000Z',
};

/** A getRecord result as Lightning Data Service provides it. */
function accountRecord(values: FieldValues) {
  const fields: Record<string, { value: unknown; displayValue: string | null }> = {};
  for (const [name, value] of Object.entries(values)) fields[name] = { value, displayValue: null };
  return { apiName: 'Account', id: ACCOUNT_ID, fields };
}

function taskRecord(id: string, subject: string, due: string | null, priority: string) {
  return {
    apiName: 'Task',
    id,
    fields: {
      Subject: { value: subject, displayValue: null },
      ActivityDate: { value: due, displayValue: null },
      Priority: { value: priority, displayValue: priority },
      Collections_Task_Key__c: { value: `acme:rule:${id}`, displayValue: null },
    },
  };
}

function tasksResult(records: ReturnType<typeof taskRecord>[]) {
  return { records, count: records.length, pageSize: 10, fields: [], optionalFields: [], sortBy: [] };
}

type RelatedListConfig = Record<string, unknown>;
const isTasks = (config: RelatedListConfig) => config['relatedListId'] === 'Tasks';
const isInvoices = (config: RelatedListConfig) => config['relatedListId'] === 'Collections_Invoices__r';

/** The configs of the component's related-list wires, read without emitting to any of them. */
function relatedListConfigs(): RelatedListConfig[] {
  const configs: RelatedListConfig[] = [];
  getRelatedListRecords.emit(undefined, (config) => {
    configs.push(config);
    return false;
  });
  return configs;
}

function invoiceRecord(invoiceId: string, currency: string, outstanding: number, dueOn: string) {
  const value = (fieldValue: unknown) => ({ value: fieldValue, displayValue: null });
  return {
    apiName: 'Collections_Invoice__c',
    id: `a00${invoiceId}`,
    fields: {
      Invoice_Id__c: value(invoiceId),
      Currency__c: value(currency),
      Outstanding__c: value(outstanding),
      Due_On__c: value(dueOn),
      Status__c: value('open'),
    },
  };
}

function mount(): HTMLElement {
  const element = createElement('c-collections-account-card', { is: CollectionsAccountCard });
  Object.assign(element, { recordId: ACCOUNT_ID });
  document.body.appendChild(element);
  return element;
}

async function rendered(): Promise<void> {
  await Promise.resolve();
  await Promise.resolve();
}

function shadow(element: HTMLElement): ShadowRoot {
  if (element.shadowRoot === null) throw new Error('the component has no shadow root');
  return element.shadowRoot;
}

function find(element: HTMLElement, id: string): HTMLElement | null {
  return shadow(element).querySelector<HTMLElement>(`[data-id="${id}"]`);
}

function findAll(element: HTMLElement, id: string): HTMLElement[] {
  return Array.from(shadow(element).querySelectorAll<HTMLElement>(`[data-id="${id}"]`));
}

/** Text with whitespace (including the no-break spaces Intl puts in amounts) collapsed. */
function text(node: Element | string | null): string {
  if (node === null) throw new Error('element not rendered');
  return (typeof node === 'string' ? node : (node.textContent ?? '')).replace(/\s+/g, ' ').trim();
}

function badge(element: HTMLElement, id: string): { label: string; className: string } {
  const node = find(element, id) as (HTMLElement & { label: string }) | null;
  if (node === null) throw new Error(`badge ${id} not rendered`);
  return { label: node.label, className: node.className };
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-collections-account-card', () => {
  it('shows a spinner until the account is read', async () => {
    const element = mount();
    await rendered();

    expect(find(element, 'loading')).not.toBeNull();
    expect(find(element, 'status')).toBeNull();
    expect(find(element, 'empty')).toBeNull();
  });

  it('reads the synced fields of this account by their API names', async () => {
    mount();
    await rendered();

    const config = getRecord.getLastConfig();
    expect(config?.recordId).toBe(ACCOUNT_ID);
    const fields = (config?.fields as { objectApiName: string; fieldApiName: string }[]).map(
      (field) => `${field.objectApiName}.${field.fieldApiName}`,
    );
    expect(fields.sort()).toEqual(
      Object.keys(SYNCED_ACCOUNT)
        .map((name) => `Account.${name}`)
        .sort(),
    );
  });

  it('shows the collections picture of a synced account', async () => {
    const element = mount();
    getRecord.emit(accountRecord(SYNCED_ACCOUNT));
    await rendered();

    expect(badge(element, 'status')).toEqual({
      label: 'Overdue',
      className: expect.stringContaining('slds-theme_warning'),
    });
    expect(text(find(element, 'overdue'))).toBe('USD 1,200.50');
    expect(text(find(element, 'outstanding'))).toBe('USD 5,300.00');
    expect(text(find(element, 'oldest-days-past-due'))).toBe('45 days');
    expect(text(find(element, 'risk'))).toBe('72 / 100 · High');
    expect(findAll(element, 'risk-reason').map(text)).toEqual([
      '2 of the last 2 invoices were paid more than 10 days late',
      'USD 1,000.00 is already overdue',
      '1 card decline in the last 90 days',
    ]);
    expect(text(find(element, 'last-payment-failure'))).toBe(
      SYNCED_ACCOUNT.Collections_Last_Payment_Failure__c,
    );
    expect(text(find(element, 'automation'))).toBe('Active');
    expect(find(element, 'paused')).toBeNull();
    expect(text(find(element, 'promise'))).toBe('USD 12,000.00 by 2026-02-15');
    expect(text(find(element, 'card-on-file'))).toBe(
      'Visa ending 4242 expires 02/26, before the renewal on 2026-03-01',
    );
    expect(text(find(element, 'last-synced'))).toBe('Synced Jan 30, 2026, 12:15 AM');
    expect(find(element, 'empty')).toBeNull();
    expect(find(element, 'error')).toBeNull();
  });

  it('highlights a renewal within 90 days and shows its date without shifting the day', async () => {
    const element = mount();
    getRecord.emit(accountRecord(SYNCED_ACCOUNT));
    await rendered();

    expect(text(find(element, 'renewal'))).toBe('Mar 1, 2026 (30 days)');
    expect(find(element, 'renewal')?.className).toContain('renewal-soon');
    expect(badge(element, 'renewal-soon').label).toBe('Renewal in 30 days');
  });

  it.each([
    [91, false],
    [90, true],
    [0, true],
    [-3, false],
  ])('with %i days to renewal highlights it: %s', async (days, highlighted) => {
    const element = mount();
    getRecord.emit(accountRecord({ ...SYNCED_ACCOUNT, Collections_Days_To_Renewal__c: days }));
    await rendered();

    expect(find(element, 'renewal-soon') !== null).toBe(highlighted);
    expect(find(element, 'renewal')?.className.includes('renewal-soon')).toBe(highlighted);
  });

  it('shows a paused account as paused', async () => {
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...SYNCED_ACCOUNT,
        Collections_Status__c: 'paused',
        Collections_Automation_Paused__c: true,
      }),
    );
    await rendered();

    expect(badge(element, 'status').label).toBe('Paused');
    expect(badge(element, 'paused').label).toBe('Automation paused');
    expect(text(find(element, 'automation'))).toBe('Paused');
  });

  it('formats amounts with the currency exponent and leaves out what was not synced', async () => {
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...SYNCED_ACCOUNT,
        Collections_Status__c: 'current',
        Collections_Currency__c: 'JPY',
        Collections_Overdue_Amount__c: 0,
        Collections_Outstanding_Amount__c: 120000,
        Collections_Risk_Score__c: null,
        Collections_Risk_Tier__c: null,
        Collections_Risk_Reasons__c: null,
        Collections_Next_Renewal__c: null,
        Collections_Days_To_Renewal__c: null,
        Collections_Last_Payment_Failure__c: null,
        Collections_Promise__c: null,
        Collections_Card_On_File__c: '',
      }),
    );
    await rendered();

    expect(badge(element, 'status')).toEqual({
      label: 'Current',
      className: expect.stringContaining('slds-theme_success'),
    });
    expect(text(find(element, 'overdue'))).toBe('JPY 0');
    expect(text(find(element, 'outstanding'))).toBe('JPY 120,000');
    expect(find(element, 'risk')).toBeNull();
    expect(find(element, 'risk-reasons')).toBeNull();
    expect(find(element, 'renewal')).toBeNull();
    expect(find(element, 'last-payment-failure')).toBeNull();
    expect(find(element, 'promise')).toBeNull();
    expect(find(element, 'card-on-file')).toBeNull();
  });

  it('says so when the account has no billing data', async () => {
    const empty = Object.fromEntries(Object.keys(SYNCED_ACCOUNT).map((name) => [name, null]));
    const element = mount();
    getRecord.emit(accountRecord({ ...empty, Collections_Automation_Paused__c: false }));
    await rendered();

    expect(text(find(element, 'empty'))).toBe('No billing data for this account.');
    expect(find(element, 'status')).toBeNull();
    expect(find(element, 'loading')).toBeNull();
  });

  it('shows why the account could not be read', async () => {
    const element = mount();
    getRecord.error({ message: "You don't have access to this record." }, 403, 'Forbidden');
    await rendered();

    expect(text(find(element, 'error'))).toBe(
      "Collections data could not be loaded: You don't have access to this record.",
    );
    expect(find(element, 'loading')).toBeNull();
    expect(find(element, 'status')).toBeNull();
  });

  describe('open collections tasks', () => {
    it('asks for the open tasks the backend created on this account, soonest first', async () => {
      mount();
      await rendered();

      const config = relatedListConfigs().find(isTasks);
      expect(config).toMatchObject({
        parentRecordId: ACCOUNT_ID,
        relatedListId: 'Tasks',
        fields: ['Task.Subject', 'Task.ActivityDate', 'Task.Priority', 'Task.Collections_Task_Key__c'],
        sortBy: ['Task.ActivityDate'],
      });
      expect(config?.['where']).toBe(
        '{ and: [ { IsClosed: { eq: false } }, { Collections_Task_Key__c: { ne: null } } ] }',
      );
    });

    it('lists subject, due date and priority', async () => {
      const element = mount();
      getRecord.emit(accountRecord(SYNCED_ACCOUNT));
      // The wires have their configs once the component has rendered.
      await rendered();
      getRelatedListRecords.emit(
        tasksResult([
          taskRecord('00T000000000001AAA', 'Call about the overdue invoice in_1', '2026-02-03', 'High'),
          taskRecord('00T000000000002AAA', 'Send the card update link', null, 'Normal'),
        ]),
        isTasks,
      );
      await rendered();

      expect(findAll(element, 'task-subject').map(text)).toEqual([
        'Call about the overdue invoice in_1',
        'Send the card update link',
      ]);
      expect(findAll(element, 'task-due').map(text)).toEqual(['Feb 3, 2026', 'No due date']);
      expect(findAll(element, 'task-priority').map(text)).toEqual(['High', 'Normal']);
      expect(find(element, 'no-tasks')).toBeNull();
    });

    it('shows that tasks are loading while the account is already shown', async () => {
      const element = mount();
      getRecord.emit(accountRecord(SYNCED_ACCOUNT));
      await rendered();

      expect(find(element, 'tasks-loading')).not.toBeNull();
    });

    it('says when there are no open collections tasks', async () => {
      const element = mount();
      getRecord.emit(accountRecord(SYNCED_ACCOUNT));
      // The wires have their configs once the component has rendered.
      await rendered();
      getRelatedListRecords.emit(tasksResult([]), isTasks);
      await rendered();

      expect(text(find(element, 'no-tasks'))).toBe('No open collections tasks.');
      expect(find(element, 'tasks')).toBeNull();
    });

    it('shows why the tasks could not be read, and still shows the account', async () => {
      const element = mount();
      getRecord.emit(accountRecord(SYNCED_ACCOUNT));
      // The wires have their configs once the component has rendered.
      await rendered();
      getRelatedListRecords.emitError(
        {
          body: [{ errorCode: 'INVALID_TYPE', message: 'Tasks is not supported.' }],
          status: 400,
          statusText: 'Bad Request',
        },
        isTasks,
      );
      await rendered();

      expect(text(find(element, 'tasks-error'))).toBe('Tasks could not be loaded: Tasks is not supported.');
      expect(badge(element, 'status').label).toBe('Overdue');
    });
  });

  describe('recording a promise to pay', () => {
    /** Types into a form input the way lightning-input reports it: its value, then a change event. */
    function type(element: HTMLElement, id: string, value: string): void {
      const input = find(element, id) as (HTMLElement & { value: string }) | null;
      if (input === null) throw new Error(`input ${id} not rendered`);
      input.value = value;
      input.dispatchEvent(new CustomEvent('change'));
    }

    async function shownAccount(): Promise<HTMLElement> {
      const element = mount();
      getRecord.emit(accountRecord(SYNCED_ACCOUNT));
      await rendered();
      return element;
    }

    async function submit(element: HTMLElement): Promise<void> {
      find(element, 'record-promise')?.click();
      await rendered();
      await rendered();
    }

    it("offers the account's collections currency", async () => {
      const element = await shownAccount();
      expect((find(element, 'promise-currency') as HTMLElement & { value: string }).value).toBe('USD');
    });

    it('sends amount, currency, date and note to the backend, and says until when reminders hold', async () => {
      recordPromise.mockResolvedValue({ ok: true, promiseId: 'pr_1', deadline: '2026-02-18' });
      const element = await shownAccount();
      type(element, 'promise-amount', '12000.50');
      type(element, 'promise-currency', 'EUR');
      type(element, 'promise-date', '2026-02-15');
      type(element, 'promise-note', 'Wire after the board meeting');
      await submit(element);

      expect(recordPromise).toHaveBeenCalledWith({
        accountId: ACCOUNT_ID,
        amount: '12000.50',
        currencyCode: 'EUR',
        promisedDate: '2026-02-15',
        madeBy: '',
        invoiceIds: [],
        note: 'Wire after the board meeting',
      });
      expect(text(find(element, 'promise-recorded'))).toBe(
        'Promise recorded: reminders on it are held until Feb 18, 2026. The account shows it after the next sync.',
      );
      expect((find(element, 'promise-amount') as HTMLElement & { value: string }).value).toBe('');
      expect(find(element, 'promise-error')).toBeNull();
    });

    it("asks for the account's open invoices, soonest due first", async () => {
      mount();
      await rendered();

      expect(relatedListConfigs().find(isInvoices)).toEqual({
        parentRecordId: ACCOUNT_ID,
        relatedListId: 'Collections_Invoices__r',
        fields: [
          'Collections_Invoice__c.Invoice_Id__c',
          'Collections_Invoice__c.Currency__c',
          'Collections_Invoice__c.Outstanding__c',
          'Collections_Invoice__c.Due_On__c',
          'Collections_Invoice__c.Status__c',
        ],
        where: '{ Status__c: { in: ["open", "disputed"] } }',
        sortBy: ['Collections_Invoice__c.Due_On__c'],
        pageSize: 50,
      });
    });

    it('sends who made the promise and the open invoices chosen, then clears them', async () => {
      recordPromise.mockResolvedValue({ ok: true, promiseId: 'pr_2', deadline: '2026-02-18' });
      const element = await shownAccount();
      getRelatedListRecords.emit(
        {
          records: [
            invoiceRecord('in_1', 'USD', 1200.5, '2026-01-02'),
            invoiceRecord('in_2', 'USD', 300, '2026-01-20'),
          ],
          count: 2,
        },
        isInvoices,
      );
      await rendered();
      const invoices = find(element, 'promise-invoices') as
        (HTMLElement & { options: { label: string; value: string }[]; value: string[] }) | null;
      expect(invoices?.options.map((option) => ({ ...option, label: text(option.label) }))).toEqual([
        { label: 'in_1 · USD 1,200.50 due Jan 2, 2026', value: 'in_1' },
        { label: 'in_2 · USD 300.00 due Jan 20, 2026', value: 'in_2' },
      ]);
      type(element, 'promise-amount', '1500.50');
      type(element, 'promise-date', '2026-02-15');
      type(element, 'promise-made-by', 'Dana Ortiz (AP)');
      invoices?.dispatchEvent(new CustomEvent('change', { detail: { value: ['in_1', 'in_2'] } }));
      await submit(element);

      expect(recordPromise).toHaveBeenCalledWith({
        accountId: ACCOUNT_ID,
        amount: '1500.50',
        currencyCode: 'USD',
        promisedDate: '2026-02-15',
        madeBy: 'Dana Ortiz (AP)',
        invoiceIds: ['in_1', 'in_2'],
        note: '',
      });
      expect((find(element, 'promise-made-by') as HTMLElement & { value: string }).value).toBe('');
      expect((find(element, 'promise-invoices') as HTMLElement & { value: string[] }).value).toEqual([]);
    });

    it('offers no invoice choice when the account has no open invoice, or they cannot be read', async () => {
      const element = await shownAccount();
      getRelatedListRecords.emit({ records: [], count: 0 }, isInvoices);
      await rendered();
      expect(find(element, 'promise-invoices')).toBeNull();
      expect(find(element, 'promise-invoices-error')).toBeNull();

      getRelatedListRecords.emitError(
        {
          body: [{ errorCode: 'INSUFFICIENT_ACCESS', message: 'No access to Collections Invoices.' }],
          status: 403,
          statusText: 'Forbidden',
        },
        isInvoices,
      );
      await rendered();
      expect(text(find(element, 'promise-invoices-error'))).toBe(
        'Open invoices could not be loaded (No access to Collections Invoices.): the promise covers the account.',
      );
      expect(find(element, 'promise-form')).not.toBeNull();
    });

    it('names the field the promise was refused for', async () => {
      recordPromise.mockResolvedValue({
        ok: false,
        errorCode: 'INVALID_INPUT',
        errorMessage: 'Enter the amount in digits, like 12000.00.',
        field: 'amount',
      });
      const element = await shownAccount();
      type(element, 'promise-amount', 'twelve');
      await submit(element);

      expect(recordPromise).toHaveBeenCalledWith(
        expect.objectContaining({ amount: 'twelve', currencyCode: 'USD', promisedDate: null }),
      );
      expect(text(find(element, 'promise-error'))).toBe(
        'The promise was not recorded: Amount: Enter the amount in digits, like 12000.00.',
      );
      expect(find(element, 'promise-recorded')).toBeNull();
    });

    it("shows the backend's refusal, and an Apex error, as they come", async () => {
      recordPromise.mockResolvedValueOnce({
        ok: false,
        errorCode: 'NOT_SET_UP',
        errorMessage:
          'Collections is not set up: an admin must create the Default record of Collections Settings.',
      });
      const element = await shownAccount();
      await submit(element);
      expect(text(find(element, 'promise-error'))).toBe(
        'The promise was not recorded: Collections is not set up: an admin must create the Default record of Collections Settings.',
      );

      recordPromise.mockRejectedValueOnce({
        body: { message: 'Insufficient access to CollectionsPromiseController' },
      });
      await submit(element);
      expect(text(find(element, 'promise-error'))).toBe(
        'The promise was not recorded: Insufficient access to CollectionsPromiseController',
      );
    });
  });
});
