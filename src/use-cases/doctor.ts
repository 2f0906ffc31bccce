import { waitsForAPerson, type CrmSyncFailure } from '../domain/crm-sync-pause';
import type { TenantId } from '../domain/model';
import type { CrmInstallation, CrmInstallations } from '../ports/crm-installations';
import type { CrmRecordFailures } from '../ports/crm-record-failures';
import type { CrmSyncStore } from '../ports/crm-sync';
import type { LedgerStore } from '../ports/ledger';
import type { SourceSyncStore } from '../ports/source-sync';
import type { TaskStore } from '../ports/tasks';
import { needsAttention, UNKNOWN_FAILURE_ATTEMPTS } from './crm-record-attention';
import { taskOwnerFallbacksOf } from './task-owner-fallbacks';
import { schemaBlocksOf } from './crm-schema';

/** What the checks read: the state of every sync and what is waiting on people. */
type DoctorPorts = LedgerStore &
  SourceSyncStore &
  CrmSyncStore &
  CrmInstallations &
  CrmRecordFailures &
  TaskStore;

/** `error`: something is not reaching the books or the CRM until someone acts. `warning`: worth a look. */
export type DoctorSeverity = 'error' | 'warning';

export type DoctorFinding = {
  /** Which integration it concerns: a billing source (`stripe`), a CRM (`hubspot`, `salesforce`). */
  integration: string;
  /** A stable name for the check, e.g. `unsupported_api_version`. */
  check: string;
  severity: DoctorSeverity;
  problem: string;
  fix: string;
  count?: number;
  /** For a CRM sync that is not running: the CRM's failure code, failures in a row, the next attempt. */
  code?: string;
  failures?: number;
  nextAttemptAt?: string;
};

export type TenantDiagnosis = {
  tenant: TenantId;
  healthy: boolean;
  integrations: { integration: string; healthy: boolean; findings: DoctorFinding[] }[];
};

export type DoctorReport = { healthy: boolean; tenants: TenantDiagnosis[] };

export type DoctorContext = {
  store: DoctorPorts;
  tenant: TenantId;
  now: Date;
  /** Billing sources this deployment reads (e.g. `stripe` when STRIPE_SECRET_KEY is set). */
  billingSources: readonly string[];
  /** The scopes each CRM app needs, where they are known (HubSpot's install scopes). */
  requiredScopes: Readonly<Record<string, readonly string[]>>;
};

/** One concern's findings about one tenant. Integrations add theirs to `DOCTOR_CHECKS`. */
export type DoctorCheck = (context: DoctorContext) => Promise<DoctorFinding[]>;

/** Events received this long ago and still waiting mean the jobs that apply them are not running. */
export const WAITING_TOO_LONG_MS = 15 * 60000;

const CRMS = ['hubspot', 'salesforce'] as const;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

const webhookFailures: DoctorCheck = async ({ store, tenant, billingSources }) => {
  const failures = await store.listWebhookFailures(tenant);
  return failures.map((failure): DoctorFinding => {
    const latest = `latest ${failure.latest.eventId} (${failure.latest.type}): ${failure.latest.error ?? 'no reason recorded'}`;
    const reread = billingSources.includes(failure.source)
      ? `then run \`collections sync ${failure.source} --backfill --restart --tenant ${tenant}\` to read again what those events carried`
      : 'then the next full sync brings the records up to date';
    if (failure.reason === 'unsupported_api_version')
      return {
        integration: failure.source,
        check: 'unsupported_api_version',
        severity: 'error',
        count: failure.count,
        problem: `${plural(failure.count, 'webhook event')} refused: the endpoint sends an API version whose shapes are not read (${latest})`,
        fix: `In the ${failure.source} dashboard, set the webhook endpoint's API version to the one named above, ${reread}.`,
      };
    return {
      integration: failure.source,
      check: 'webhook_events_failed',
      severity: 'error',
      count: failure.count,
      problem: `${plural(failure.count, 'webhook event')} failed for good (${failure.reason}; ${latest})`,
      fix: `Fix the cause named in the error, ${reread}.`,
    };
  });
};

const waitingWebhooks: DoctorCheck = async ({ store, tenant, now, billingSources }) => {
  const findings: DoctorFinding[] = [];
  for (const source of billingSources) {
    const before = new Date(now.getTime() - WAITING_TOO_LONG_MS);
    const waiting = await store.listPendingWebhookEvents(tenant, source, 10000, before);
    if (waiting.length === 0) continue;
    findings.push({
      integration: source,
      check: 'webhook_events_waiting',
      severity: 'error',
      count: waiting.length,
      problem: `${plural(waiting.length, 'webhook event')} received over ${WAITING_TOO_LONG_MS / 60000} minutes ago still waiting to be applied`,
      fix: 'Make sure a worker runs (`npm start`, or `npm run worker` beside `npm run server`) and can reach Redis; `collections dead-letter list` shows jobs that failed.',
    });
  }
  return findings;
};

const unmappedCustomers: DoctorCheck = async ({ store, tenant }) => {
  const unmapped = await store.listUnmappedCustomers(tenant);
  const conflicts = unmapped.filter((customer) => customer.conflict !== null);
  // Between the billing source and the CRM: which CRM record each billing customer is.
  const integration = 'mapping';
  const findings: DoctorFinding[] = [];
  if (conflicts.length > 0)
    findings.push({
      integration,
      check: 'crm_record_shared',
      severity: 'error',
      count: conflicts.length,
      problem: `${plural(conflicts.length, 'billing customer')} name a CRM record another customer already has (e.g. ${conflicts[0]?.customerId} → ${conflicts[0]?.conflict?.crmCompanyId})`,
      fix: `Give each billing customer its own CRM record id in its metadata; \`collections unmapped --tenant ${tenant}\` lists them.`,
    });
  const plain = unmapped.length - conflicts.length;
  if (plain > 0)
    findings.push({
      integration,
      check: 'unmapped_customers',
      severity: 'warning',
      count: plain,
      problem: `${plural(plain, 'billing customer')} have no CRM record: their collections status reaches no company or account`,
      fix: `\`collections unmapped --tenant ${tenant}\` lists them: add hubspot_company_id or salesforce_account_id to their metadata, or load CRM domains with \`collections crm-companies\`.`,
    });
  return findings;
};

/** `(failed 3 times in a row; code daily_limit)`: how long it has lasted, and the CRM's code. */
function failureTally(failure: CrmSyncFailure): string {
  return `${failure.count === 1 ? 'once' : `${failure.count} times in a row`}; code ${failure.code}`;
}

/** The sync's typed failure as a finding; a limit whose time has come is no longer one. */
function syncFailureFinding(
  crm: string,
  failure: CrmSyncFailure,
  now: Date,
  reinstall: string,
): DoctorFinding | null {
  const base = {
    integration: crm,
    code: failure.code,
    failures: failure.count,
    nextAttemptAt: failure.until,
  };
  const next = waitsForAPerson(failure)
    ? 'the sync waits for a reinstall'
    : `the sync tries again after ${failure.until}`;
  switch (failure.kind) {
    case 'missing_scopes':
      return {
        ...base,
        check: 'crm_reconnect_missing_scopes',
        severity: 'error',
        count: failure.scopes.length,
        problem: `reconnect needed: the CRM refused a call for missing scopes ${failure.scopes.join(', ')} (${failureTally(failure)}); ${next}`,
        fix: `A CRM admin should ${reinstall} and grant them; the sync resumes on reinstall.`,
      };
    case 'reconnect':
      return {
        ...base,
        check: 'crm_reconnect_needed',
        severity: 'error',
        problem: `the CRM refused our credentials; the sync is off until someone reconnects (${failure.reason}; ${failureTally(failure)})`,
        fix: `A CRM admin should ${reinstall}.`,
      };
    case 'limit':
      if (Date.parse(failure.until) <= now.getTime()) return null;
      return {
        ...base,
        check: 'crm_sync_paused',
        severity: 'warning',
        problem: `the CRM sync is paused until ${failure.until}: ${failure.reason} (${failureTally(failure)})`,
        fix:
          failure.code === 'rate_limited'
            ? "It resumes by itself then; if it repeats, another app may share the CRM account's rate limit: lower the sync's request rate."
            : 'It resumes by itself then; if it happens daily, lower the share of the API budget the sync uses or raise the CRM limit.',
      };
  }
}

function installationFindings(
  crm: string,
  installation: CrmInstallation,
  now: Date,
  required: readonly string[] | undefined,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const pause = installation.syncPause;
  const reinstall =
    crm === 'salesforce'
      ? 'reconnect the org (GET /oauth/salesforce/install, or `collections salesforce connect --jwt`)'
      : 'reinstall the app in the portal (GET /oauth/hubspot/install)';
  if (pause !== null) {
    const finding = syncFailureFinding(crm, pause, now, reinstall);
    if (finding !== null) findings.push(finding);
  }
  // Scopes are known for OAuth installations only (a private-app token has none recorded).
  if (required !== undefined && installation.accessTokenEnc !== null) {
    const granted = new Set(installation.scopes);
    const missing = required.filter((scope) => !granted.has(scope));
    if (missing.length > 0)
      findings.push({
        integration: crm,
        check: 'crm_missing_scopes',
        severity: 'error',
        count: missing.length,
        problem: `the installation lacks ${plural(missing.length, 'permission')}: ${missing.join(', ')}`,
        fix: `A CRM admin should ${reinstall} and grant them.`,
      });
  }
  return findings;
}

const crmConnections: DoctorCheck = async ({ store, tenant, now, requiredScopes }) => {
  const findings: DoctorFinding[] = [];
  for (const crm of CRMS) {
    const installation = await store.getCrmInstallationForTenant(tenant, crm);
    if (installation !== undefined)
      findings.push(...installationFindings(crm, installation, now, requiredScopes[crm]));
  }
  return findings;
};

const refusedCrmRecords: DoctorCheck = async ({ store, tenant }) => {
  const findings: DoctorFinding[] = [];
  const parked = (await store.listCrmRecordFailures(tenant)).filter(needsAttention);
  for (const crm of CRMS) {
    const own = parked.filter((failure) => failure.crm === crm);
    const first = own[0];
    if (first === undefined) continue;
    const codes = [...new Set(own.map((failure) => failure.code))].join(', ');
    findings.push({
      integration: crm,
      check: 'crm_records_need_attention',
      severity: 'error',
      count: own.length,
      problem: `${plural(own.length, 'CRM record')} refused for good or ${UNKNOWN_FAILURE_ATTEMPTS} syncs in a row (${codes}) and not sent again until their values change (e.g. ${first.crmId} for ${first.customerId}: ${first.message})`,
      fix: 'Fix what the CRM names (a field permission, an inactive owner, a validation rule, a deleted record); the record is sent again when its values next change.',
    });
  }
  return findings;
};

/** Open tasks created for someone else than their assignee, because the CRM could not say who it is. */
const taskOwnerFallbacks: DoctorCheck = async ({ store, tenant }) => {
  const findings: DoctorFinding[] = [];
  const open = new Set((await store.listTasks(tenant, { state: 'open' })).map((task) => task.actionId));
  for (const crm of CRMS) {
    const fell = (await store.listCrmRecordFailures(tenant, taskOwnerFallbacksOf(crm))).filter((entry) =>
      open.has(entry.customerId),
    );
    if (fell.length === 0) continue;
    const examples = fell
      .slice(0, 3)
      .map((entry) => `${entry.customerId} on ${entry.crmId}`)
      .join(', ');
    findings.push({
      integration: crm,
      check: 'task_owner_fallbacks',
      severity: 'warning',
      count: fell.length,
      problem: `${plural(fell.length, 'open task')} went to a fallback owner, not to their assignee (${examples}${fell.length > 3 ? ', …' : ''})`,
      fix: `${[...new Set(fell.map((entry) => entry.message))].join('; ')}. Tasks created after the fix reach their assignee; reassign these in the CRM.`,
    });
  }
  return findings;
};

/** Properties or groups install could not create: the sync cannot write them until an admin acts. */
const crmSchemaBlocks: DoctorCheck = async ({ store, tenant }) => {
  const findings: DoctorFinding[] = [];
  for (const crm of CRMS) {
    const blocked = await store.listCrmRecordFailures(tenant, schemaBlocksOf(crm));
    if (blocked.length === 0) continue;
    findings.push({
      integration: crm,
      check: 'crm_schema_archived',
      severity: 'error',
      count: blocked.length,
      problem: `install could not create ${blocked.length === 1 ? 'a property or group' : `${blocked.length} properties or groups`} the sync writes: ${blocked.map((entry) => entry.customerId).join(', ')}`,
      fix: blocked.map((entry) => entry.message).join(' '),
    });
  }
  return findings;
};

/** Every check, in the order findings are listed. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  webhookFailures,
  waitingWebhooks,
  unmappedCustomers,
  crmConnections,
  refusedCrmRecords,
  taskOwnerFallbacks,
  crmSchemaBlocks,
];

/** Tenants with data, with a CRM installation, or named by the caller (the one webhooks are stored for). */
async function knownTenants(
  store: LedgerStore & CrmInstallations,
  also: readonly TenantId[],
): Promise<TenantId[]> {
  const found = new Set<TenantId>([...(await store.listTenants()), ...also]);
  for (const crm of CRMS)
    for (const installation of await store.listCrmInstallations(crm)) found.add(installation.tenant);
  return [...found].sort();
}

/**
 * What is wrong, per tenant and integration, and how to fix it. Healthy when no check found an error
 * (warnings are listed but do not make a tenant unhealthy). Each tenant is checked on its own: a check
 * that cannot run is itself reported, and the other tenants are still checked.
 */
export async function diagnose(
  store: DoctorPorts,
  options: Omit<DoctorContext, 'store' | 'tenant'> & {
    /** Only these tenants; default: every known tenant and `alsoTenants`. */
    tenants?: readonly TenantId[];
    alsoTenants?: readonly TenantId[];
    checks?: readonly DoctorCheck[];
  },
): Promise<DoctorReport> {
  const tenants = options.tenants ?? (await knownTenants(store, options.alsoTenants ?? []));
  const checks = options.checks ?? DOCTOR_CHECKS;
  const diagnoses: TenantDiagnosis[] = [];
  for (const tenant of tenants) {
    const findings: DoctorFinding[] = [];
    for (const check of checks) {
      try {
        findings.push(...(await check({ ...options, store, tenant })));
      } catch (error) {
        findings.push({
          integration: 'doctor',
          check: 'check_failed',
          severity: 'error',
          problem: `a check could not run: ${error instanceof Error ? error.message : String(error)}`,
          fix: 'Make sure the store is reachable and its schema is up to date (`collections migrate`).',
        });
      }
    }
    const integrations = [...new Set(findings.map((finding) => finding.integration))].map((integration) => {
      const own = findings.filter((finding) => finding.integration === integration);
      return { integration, healthy: own.every((f) => f.severity !== 'error'), findings: own };
    });
    diagnoses.push({
      tenant,
      healthy: integrations.every((integration) => integration.healthy),
      integrations,
    });
  }
  return { healthy: diagnoses.every((diagnosis) => diagnosis.healthy), tenants: diagnoses };
}
