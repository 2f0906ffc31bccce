import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription, TenantId } from '../domain/model';
import type { BillingEvent, BillingRecord, BillingSource } from '../ports/billing-source';
import type { CrmSyncStore } from '../ports/crm-sync';
import type { LedgerStore } from '../ports/ledger';
import type { SourceSyncStore } from '../ports/source-sync';
import type { CrmMappingConflict, Lined, SyncCursor } from '../ports/store';

/** What keeping the store in step with a billing source needs of it. */
export type BillingSyncPorts = LedgerStore & SourceSyncStore & Pick<CrmSyncStore, 'findCrmCompaniesByDomain'>;

/**
 * Keeps the store in step with a billing source. Every object carries a version: a backfill's is the
 * newest event time when it started; an event's is its creation time (ms, source clock); a refetched
 * object's is the event time + 999 ms. Only a newer version is ever written, so events that arrive twice
 * or out of order cannot undo newer state, and an event in the same second as the stored state (which
 * the event alone cannot order) makes the sync read the object again.
 */
type Versioned = { record: BillingRecord; version: number };

export type ApplyOutcome = {
  written: number;
  stale: number;
  unlinked: number;
  /** Customers left unmapped: their CRM record is another customer's already. */
  conflicts: CrmMappingConflict[];
};

/** How billing customers find their CRM record. */
export type MatchOptions = {
  /** Without a CRM id in the metadata, by the e-mail's domain. */
  byEmailDomain?: boolean;
  /** Told of every customer left unmapped because another customer has its CRM record (to log it). */
  onMappingConflict?: (conflict: CrmMappingConflict & { tenant: TenantId }) => void;
};

/** Mailbox providers: an address there says nothing about the company. */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
]);

export function companyDomainOf(email: string | null): string | null {
  const domain = email?.split('@')[1]?.trim().toLowerCase() ?? '';
  return domain === '' || FREE_MAIL.has(domain) ? null : domain;
}

const SECOND = 1000;
/** Objects read again at once while applying events. */
const REFETCH_IN_FLIGHT = 8;

/** The kind to fetch to read a record's object again. */
function refetchOf(record: BillingRecord): BillingEvent['refetch'][number] | undefined {
  switch (record.kind) {
    case 'customer':
      return { kind: 'customer', id: record.id };
    case 'subscription':
      return { kind: 'subscription', id: record.id };
    case 'invoice':
      return { kind: 'invoice', id: record.id };
    case 'payment':
      return record.row.readAgain ?? undefined;
    case 'dispute':
      return { kind: 'dispute', id: record.id };
    case 'link':
      return undefined;
  }
}

/** Writes records in one transaction: links resolved, missing invoices read, only newer versions staged. */
export async function applyBillingRecords(
  store: BillingSyncPorts,
  source: BillingSource,
  tenant: TenantId,
  items: readonly Versioned[],
  match: MatchOptions = {},
): Promise<ApplyOutcome> {
  // The newest version of each object wins within the batch too.
  const latest = new Map<string, Versioned>();
  for (const item of items) {
    const key = `${item.record.kind}:${item.record.id}`;
    const seen = latest.get(key);
    if (seen === undefined || item.version > seen.version) latest.set(key, item);
  }
  const batch = [...latest.values()];

  // Which invoice each payment and dispute belongs to: the one it names, or the one its payment
  // references are linked to (links in this batch, then stored ones, then the source asked).
  const links = new Map<string, string>();
  for (const { record } of batch) if (record.kind === 'link') links.set(record.paymentRef, record.invoiceId);
  const payers = batch.flatMap(({ record }) =>
    (record.kind === 'payment' || record.kind === 'dispute') && record.row.invoiceId === null ? [record] : [],
  );
  const wanted = new Set(payers.flatMap((record) => record.row.paymentRefs.filter((ref) => !links.has(ref))));
  for (const [id, invoiceId] of await store.resolveSourceLinks(tenant, source.name, [...wanted]))
    if (!links.has(id)) links.set(id, invoiceId);
  for (const record of payers) {
    const [first] = record.row.paymentRefs;
    if (first === undefined || record.row.paymentRefs.some((ref) => links.has(ref))) continue;
    const invoiceId = await source.findInvoiceOfPayment(first);
    if (invoiceId !== null) links.set(first, invoiceId);
  }
  const invoiceOf = (row: { invoiceId: string | null; paymentRefs: readonly string[] }) =>
    row.invoiceId ??
    row.paymentRefs.map((ref) => links.get(ref)).find((invoiceId) => invoiceId !== undefined);

  let unlinked = 0;
  const payments: { item: Versioned; row: PaymentAttempt }[] = [];
  const disputes: { item: Versioned; row: Dispute }[] = [];
  const newLinks = new Map<string, string>();
  for (const item of batch) {
    const { record } = item;
    if (record.kind === 'link') newLinks.set(record.paymentRef, record.invoiceId);
    if (record.kind !== 'payment' && record.kind !== 'dispute') continue;
    const invoiceId = invoiceOf(record.row);
    if (invoiceId === undefined) {
      // Not an invoice's payment (a one-off charge, say): nothing to collect on.
      unlinked += 1;
      continue;
    }
    for (const ref of record.row.paymentRefs) newLinks.set(ref, invoiceId);
    if (record.kind === 'payment') {
      const { paymentRefs: _refs, readAgain: _again, ...rest } = record.row;
      payments.push({ item, row: { ...rest, invoiceId } });
    } else {
      const { paymentRefs: _refs, ...rest } = record.row;
      disputes.push({ item, row: { ...rest, invoiceId } });
    }
  }

  // Payments and disputes need their invoice stored: read the ones that are not.
  const invoices = new Map<string, Versioned>();
  for (const item of batch) if (item.record.kind === 'invoice') invoices.set(item.record.id, item);
  const referenced = [...new Set([...payments, ...disputes].map((entry) => entry.row.invoiceId))].filter(
    (id) => !invoices.has(id),
  );
  const known = await store.knownInvoiceIds(tenant, referenced);
  const missingVersion = Math.max(0, ...[...payments, ...disputes].map((entry) => entry.item.version));
  for (const id of referenced) {
    if (known.has(id)) continue;
    const version = missingVersion;
    for (const record of await source.fetch({ kind: 'invoice', id }, version))
      invoices.set(record.id, { record, version });
  }

  let customers = batch.filter((item) => item.record.kind === 'customer' && !item.record.deleted);
  if (match.byEmailDomain !== false) {
    // No CRM id in the metadata: a CRM company with the e-mail's domain, when exactly one has it.
    const domains = new Map<string, string>();
    for (const { record } of customers) {
      if (record.kind !== 'customer' || record.row.crmCompanyId !== null) continue;
      const domain = companyDomainOf(record.email);
      if (domain !== null) domains.set(record.id, domain);
    }
    const found = await store.findCrmCompaniesByDomain(tenant, [...new Set(domains.values())]);
    customers = customers.map((item) => {
      const domain = domains.get(item.record.id);
      const crmCompanyId = domain === undefined ? undefined : found.get(domain);
      if (crmCompanyId === undefined || item.record.kind !== 'customer') return item;
      return { ...item, record: { ...item.record, row: { ...item.record.row, crmCompanyId } } };
    });
  }
  // A subscription naming no billing customer has nowhere to go; it is never booked under an empty id.
  const subscriptions = batch.filter(
    (item) => item.record.kind === 'subscription' && item.record.row.customerId !== '',
  );
  const versioned = [
    ...customers,
    ...subscriptions,
    ...invoices.values(),
    ...payments.map((p) => p.item),
    ...disputes.map((d) => d.item),
  ];

  const session = await store.beginImport(tenant);
  try {
    const claimed = await session.claimVersions(
      source.name,
      versioned.map((item) => ({ objectId: item.record.id, version: item.version })),
    );
    const lined = <T>(rows: T[]): Lined<T>[] => rows.map((row, index) => ({ line: index + 1, row }));
    const rowsOf = <T>(list: readonly Versioned[]) =>
      list
        .filter((item) => claimed.has(item.record.id))
        .map((item) => (item.record as unknown as { row: T }).row);
    await session.stageCustomers(lined(rowsOf<Customer>(customers)));
    // Two customers on one CRM record would show one on the card and write the other: the later is
    // kept unmapped, with its reason, for `collections unmapped`.
    const conflicts = await session.unmapSharedCrmRecords();
    await session.stageSubscriptions(lined(rowsOf<Subscription>(subscriptions)));
    await session.stageInvoices(lined(rowsOf<Invoice>([...invoices.values()])));
    await session.stagePayments(
      lined(payments.filter((p) => claimed.has(p.item.record.id)).map((p) => p.row)),
    );
    await session.stageDisputes(
      lined(disputes.filter((d) => claimed.has(d.item.record.id)).map((d) => d.row)),
    );
    await session.saveLinks(
      source.name,
      [...newLinks].map(([sourceId, invoiceId]) => ({ sourceId, invoiceId })),
    );
    await session.saveSourceCustomers(
      source.name,
      customers.flatMap(({ record }) =>
        record.kind === 'customer' ? [{ customerId: record.id, email: record.email }] : [],
      ),
    );
    const problems = await session.findReferenceProblems(5);
    if (problems.length > 0) {
      throw new Error(
        `${source.name} data does not fit the stored books: ${problems.map((p) => `${p.file} ${p.column}: ${p.message}`).join('; ')}`,
      );
    }
    await session.commit({ audit: false });
    for (const conflict of conflicts) match.onMappingConflict?.({ tenant, ...conflict });
    return { written: claimed.size, stale: versioned.length - claimed.size, unlinked, conflicts };
  } catch (error) {
    await session.rollback();
    throw error;
  }
}

/** After each page: the kind being read (the `index`-th of `of`, from 1) and its records so far. */
export type BackfillProgress = { kind: string; index: number; of: number; records: number };

export type BackfillReport = {
  source: string;
  version: number;
  resumed: boolean;
  alreadyComplete: boolean;
  kinds: { kind: string; records: number; done: boolean }[];
  written: number;
  stale: number;
  unlinked: number;
  conflicts: CrmMappingConflict[];
};

/**
 * Reads every object of the source, page by page in its backfill order, saving the cursor after each page:
 * a rerun after a crash continues where it stopped; `restart` reads everything again.
 */
export async function backfillBillingSource(
  store: BillingSyncPorts,
  source: BillingSource,
  tenant: TenantId,
  options: {
    restart?: boolean;
    onPage?: (progress: BackfillProgress) => void;
    maxPages?: number;
    match?: MatchOptions;
  } = {},
): Promise<BackfillReport> {
  if (options.restart === true) await store.resetSyncCursors(tenant, source.name);
  const stored = await store.getSyncCursors(tenant, source.name);
  const resumed = stored.length > 0;
  const alreadyComplete =
    resumed && source.backfillOrder.every((kind) => stored.find((c) => c.kind === kind)?.done);
  const version = stored[0]?.version ?? (await source.latestEventMs()) + SECOND - 1;
  const totals = { written: 0, stale: 0, unlinked: 0, conflicts: [] as CrmMappingConflict[] };
  let pages = 0;
  const cursors: SyncCursor[] = [];
  for (const [index, kind] of source.backfillOrder.entries()) {
    const cursor: SyncCursor = stored.find((c) => c.kind === kind) ?? {
      kind,
      cursor: null,
      done: false,
      version,
      records: 0,
    };
    cursors.push(cursor);
    while (!cursor.done) {
      if (options.maxPages !== undefined && pages >= options.maxPages) break;
      const page = await source.listPage(kind, cursor.cursor, version);
      const outcome = await applyBillingRecords(
        store,
        source,
        tenant,
        page.records.map((record) => ({ record, version })),
        options.match,
      );
      totals.written += outcome.written;
      totals.stale += outcome.stale;
      totals.unlinked += outcome.unlinked;
      totals.conflicts.push(...outcome.conflicts);
      cursor.records += page.records.length;
      cursor.cursor = page.nextCursor;
      cursor.done = page.nextCursor === null;
      await store.saveSyncCursor(tenant, source.name, cursor);
      pages += 1;
      options.onPage?.({ kind, index: index + 1, of: source.backfillOrder.length, records: cursor.records });
    }
  }
  // Everything was read after `version`: events that could not be applied before it are made good.
  if (cursors.every((cursor) => cursor.done))
    await store.supersedeFailedWebhookEvents(tenant, source.name, version);
  return {
    source: source.name,
    version,
    resumed,
    alreadyComplete,
    kinds: cursors.map(({ kind, records, done }) => ({ kind, records, done })),
    ...totals,
  };
}

export type RefusedBillingEvent = { eventId: string; type: string; code: string; message: string };

export type ReceiveOutcome = {
  eventId: string;
  type: string;
  duplicate: boolean;
  /** Not processed yet: the caller queues it (again, for a redelivery whose first queueing failed). */
  pending: boolean;
};

/**
 * A verified webhook is stored once by id. A redelivery of an event still waiting is reported pending,
 * so an event whose first delivery was stored but not queued (Redis down) is queued by the retry.
 */
export async function receiveBillingWebhook(
  store: BillingSyncPorts,
  source: BillingSource,
  tenant: TenantId,
  rawBody: string,
  signature: string | undefined,
): Promise<ReceiveOutcome> {
  const event = source.verifyWebhook(rawBody, signature);
  const state = await store.recordWebhookEvent(tenant, source.name, {
    eventId: event.id,
    type: event.type,
    createdMs: event.createdMs,
    body: rawBody,
  });
  const duplicate = state === 'duplicate';
  const pending =
    !duplicate || (await store.getWebhookEvent(tenant, source.name, event.id))?.state === 'received';
  return { eventId: event.id, type: event.type, duplicate, pending };
}

/**
 * Applies a stored event, together with up to `batch` − 1 other events waiting (oldest first), in one
 * transaction: for each object the newest event's state is written when it is newer than the stored
 * state; stale state is ignored; an event in the same second as the stored state, or two events for one
 * object in the same second, cannot be ordered, so the object is read again. An event the source refuses
 * to read (an unsupported API version, say) is kept as failed with its reason and is not retried.
 */
export async function processBillingEvent(
  store: BillingSyncPorts,
  source: BillingSource,
  tenant: TenantId,
  eventId: string,
  options: {
    batch?: number;
    match?: MatchOptions;
    /** Told of every event kept as failed because the source cannot read it (to say so loudly). */
    onRefused?: (refusal: RefusedBillingEvent) => void;
  } = {},
): Promise<'processed' | 'ignored' | 'refused' | 'missing' | 'done_before'> {
  const first = await store.getWebhookEvent(tenant, source.name, eventId);
  if (first === undefined) return 'missing';
  if (first.state !== 'received') return 'done_before';
  const batch = Math.max(1, options.batch ?? 1);
  const others =
    batch > 1
      ? (await store.listPendingWebhookEvents(tenant, source.name, batch)).filter((id) => id !== eventId)
      : [];
  const stored = [first];
  for (const id of others.slice(0, batch - 1)) {
    const event = await store.getWebhookEvent(tenant, source.name, id);
    if (event !== undefined && event.state === 'received') stored.push(event);
  }
  const events = stored.map((event) => source.mapEvent(event.body));
  const relevant = events.filter(
    (event) => event.refused === undefined && (event.records.length > 0 || event.refetch.length > 0),
  );

  const versions = await store.getSourceVersions(
    tenant,
    source.name,
    relevant.flatMap((event) => event.records.map((record) => record.id)),
  );
  const items: Versioned[] = [];
  const refetch = new Map<string, { target: BillingEvent['refetch'][number]; observedMs: number }>();
  const readAgain = (target: BillingEvent['refetch'][number], observedMs: number) => {
    const key = `${target.kind}:${target.id}`;
    const seen = refetch.get(key);
    if (seen === undefined || observedMs > seen.observedMs) refetch.set(key, { target, observedMs });
  };
  const byObject = new Map<string, Versioned[]>();
  for (const event of relevant) {
    for (const target of event.refetch) readAgain(target, event.createdMs);
    for (const record of event.records) {
      if (record.kind === 'link') {
        items.push({ record, version: event.createdMs });
        continue;
      }
      const key = `${record.kind}:${record.id}`;
      byObject.set(key, [...(byObject.get(key) ?? []), { record, version: event.createdMs }]);
    }
  }
  for (const candidates of byObject.values()) {
    const newest = Math.max(...candidates.map((candidate) => candidate.version));
    const atNewest = candidates.filter((candidate) => candidate.version === newest);
    const chosen = atNewest[0] as Versioned;
    const current = versions.get(chosen.record.id);
    // The stored state is newer than every event: nothing to do.
    if (current !== undefined && current >= newest + SECOND - 1) continue;
    if (atNewest.length > 1 || (current !== undefined && current >= newest)) {
      const again = refetchOf(chosen.record);
      if (again !== undefined) readAgain(again, newest);
    } else items.push(chosen);
  }
  // Read again a few at a time (the source's own limiter keeps to its rate).
  const targets = [...refetch.values()];
  for (let start = 0; start < targets.length; start += REFETCH_IN_FLIGHT) {
    const read = await Promise.all(
      targets.slice(start, start + REFETCH_IN_FLIGHT).map(async ({ target, observedMs }) =>
        (await source.fetch(target, observedMs)).map((record) => ({
          record,
          version: observedMs + SECOND - 1,
        })),
      ),
    );
    for (const records of read) items.push(...records);
  }
  if (items.length > 0) await applyBillingRecords(store, source, tenant, items, options.match);
  for (const event of events) {
    if (event.refused !== undefined) {
      // A typed reason (`code: message`): `collections doctor` groups failures by it.
      const { code, message } = event.refused;
      await store.finishWebhookEvent(tenant, source.name, event.id, 'failed', `${code}: ${message}`);
      options.onRefused?.({ eventId: event.id, type: event.type, code, message });
      continue;
    }
    const state = event.records.length > 0 || event.refetch.length > 0 ? 'processed' : 'ignored';
    await store.finishWebhookEvent(tenant, source.name, event.id, state);
  }
  if (relevant.some((event) => event.id === eventId)) return 'processed';
  return events.some((event) => event.id === eventId && event.refused !== undefined) ? 'refused' : 'ignored';
}
