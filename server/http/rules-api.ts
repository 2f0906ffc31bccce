import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import { DEFAULT_RULE_SET } from '../../src/domain/rules/default-rule-set';
import { diffRuleSets } from '../../src/domain/rules/diff';
import { validateRuleSet } from '../../src/domain/rules/rule-set';
import { versionLabel } from '../../src/domain/rules/activation';
import { locateChanges, sourceText } from '../source-document';
import { describeRuleSet } from '../../src/domain/rules/describe';
import type { CrmGateway } from '../../src/ports/crm-gateway';
import type { JobQueue } from '../../src/ports/queue';
import type { CollectionsStore } from '../../src/ports/store';
import { badInput, fail, proposalFields, proposalOrFail } from './api-answers';
import { verifyHubspotSignatureV3 } from './signed-request';
import { describedRules } from './rules-described';
import { crmSyncPauseState } from '../../src/domain/crm-sync-pause';
import { mountTermsRoutes } from './terms-api';
import { mountCardRoutes } from './cards-api';
import { mountSimulationRoutes } from './simulations-api';
import { mountRuleActivationRoutes } from './rule-activation-api';
import { previewTokenKey } from './activation-tokens';
import { mountTaskOwnerRoutes } from './task-owners-api';
import { mountWorkspaceRoutes, type WorkspaceContext } from './workspace-api';
import { cookieOf, readSession, SESSION_COOKIE } from './workspace-session';
import type { RiskTiers } from '../../src/domain/risk/risk-model';

export type RequestContext = WorkspaceContext;

export type RulesApiOptions = {
  store: CollectionsStore;
  /** HubSpot app client secret; without it the API runs in local demo mode (loopback only). */
  signingSecret: string | undefined;
  /**
   * Without a signing secret: true (the default) runs the local demo (every caller is RevOps on the
   * demo tenant); false takes workspace sessions only (a Salesforce-only deployment).
   */
  demo?: boolean;
  publicBaseUrl: string;
  revopsUsers: readonly string[];
  demoTenant: TenantId;
  now?: () => number;
  today: () => CalendarDate;
  riskTiers?: RiskTiers;
  renewalWindowDays?: number;
  /**
   * The tenant of a signed portal id: the portal's installation. Without one, the portal id itself
   * names the tenant (private-app mode). Undefined refuses the request (403).
   */
  resolveTenant?: (portalId: string) => Promise<TenantId | undefined>;
  /** Verifies workspace sessions opened from embedded views; without it there are none. */
  sessionSecret?: string;
  /** Where simulations too long for a request run; without it they are refused (503). */
  queue?: JobQueue;
  /** The tenant's CRM (the settings page lists its company properties that hold a user). */
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>;
  /** HUBSPOT_CSM_PROPERTY: the CSM property of tenants that chose none on the settings page. */
  defaultCsmProperty?: string;
};

/** What an embedded workspace may reach: its one view, and its one record. */
export function embeddedAllows(
  embedded: NonNullable<WorkspaceContext['embedded']>,
  method: string,
  path: string,
): boolean {
  if (path === '/session') return true;
  const account = /^\/accounts\/([^/]+)(\/pause)?$/.exec(path);
  if (account !== null)
    return embedded.view === 'account' && decodeURIComponent(account[1] ?? '') === embedded.customerId;
  if (embedded.view === 'rules') return /^\/(rules|audit)(\/|$)/.test(path) && method !== 'DELETE';
  if (embedded.view === 'opportunity-terms') {
    const deal = /^\/deals\/([^/]+)\/payment-terms(\/accept|\/accepted)?$/.exec(path);
    if (deal !== null) return decodeURIComponent(deal[1] ?? '') === embedded.crmRecordId;
    return method === 'GET' && path === '/terms/guardrails';
  }
  return false;
}

type Locals = { context: RequestContext };

/** The exact bytes that were signed, kept beside the parsed JSON. */
const rawBodies = new WeakMap<object, string>();

function signedContext(options: RulesApiOptions) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const locals = response.locals as Partial<Locals>;
    // A workspace opened from an embedded CRM view carries its session: that tenant, view and record.
    const cookie = options.sessionSecret === undefined ? undefined : cookieOf(request, SESSION_COOKIE);
    const session =
      cookie === undefined || options.sessionSecret === undefined
        ? undefined
        : readSession(options.sessionSecret, cookie, (options.now ?? Date.now)());
    if (session !== undefined) {
      locals.context = {
        tenant: session.tenant,
        user: session.user,
        revops: false,
        embedded: { view: session.view, customerId: session.customerId, crmRecordId: session.crmRecordId },
      };
      next();
      return;
    }
    if (options.signingSecret === undefined && options.demo === false) {
      response.status(401).json({
        ok: false,
        error: { message: 'open the workspace from the CRM: this server takes workspace sessions only' },
      });
      return;
    }
    if (options.signingSecret === undefined) {
      locals.context = { tenant: options.demoTenant, user: 'local-demo', revops: true, embedded: null };
      next();
      return;
    }
    const check = verifyHubspotSignatureV3({
      secret: options.signingSecret,
      method: request.method,
      uri: `${options.publicBaseUrl}${request.originalUrl}`,
      body: rawBodies.get(request) ?? '',
      signature: request.header('x-hubspot-signature-v3'),
      timestamp: request.header('x-hubspot-request-timestamp'),
      now: (options.now ?? Date.now)(),
    });
    if (!check.ok) {
      response.status(401).json({ ok: false, error: { message: check.reason } });
      return;
    }
    // The portal and user come from the signed URI only, never from the body.
    const portalId = typeof request.query['portalId'] === 'string' ? request.query['portalId'] : undefined;
    const user = String(request.query['userEmail'] ?? request.query['userId'] ?? '').toLowerCase();
    if (portalId === undefined || !/^[0-9]{1,20}$/.test(portalId) || user === '') {
      response
        .status(401)
        .json({ ok: false, error: { message: 'signed request without portalId and user' } });
      return;
    }
    let portal: TenantId | undefined;
    try {
      portal =
        options.resolveTenant === undefined ? parseTenantId(portalId) : await options.resolveTenant(portalId);
    } catch (error) {
      next(error);
      return;
    }
    if (portal === undefined) {
      response
        .status(403)
        .json({ ok: false, error: { message: `the app is not installed in portal ${portalId}` } });
      return;
    }
    const userId = String(request.query['userId'] ?? '').toLowerCase();
    locals.context = {
      tenant: portal,
      user,
      revops: options.revopsUsers.includes(user) || (userId !== '' && options.revopsUsers.includes(userId)),
      embedded: null,
    };
    next();
  };
}

const proposal = z.object({ ...proposalFields, note: z.string().max(500).optional() });
/** Versions are a PostgreSQL integer: anything else never reaches the store. */
const versionNumber = z
  .string()
  .regex(/^[0-9]{1,10}$/)
  .transform(Number)
  .refine((value) => value >= 0 && value <= 2 ** 31 - 1);
const diffQuery = z.object({ from: versionNumber, to: versionNumber });
const pause = z
  .object({
    reason: z.string().trim().min(1).max(500),
    until: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  })
  .strict();

/** The settings page's API: rule sets (read, validate, simulate, diff, activate, roll back) and pauses. */
export function createRulesApi(options: RulesApiOptions): Router {
  const router = express.Router();
  router.use(
    express.json({
      limit: '1mb',
      verify: (incoming, _response, buffer) => {
        rawBodies.set(incoming, buffer.toString('utf8'));
      },
    }),
  );
  router.use(signedContext(options));
  router.use((request: Request, response: Response, next: NextFunction) => {
    const embedded = (response.locals as Locals).context.embedded;
    if (embedded !== null && !embeddedAllows(embedded, request.method, request.path)) {
      response.status(403).json({
        ok: false,
        error: { code: 'forbidden', message: `opened for the ${embedded.view} view of one record only` },
      });
      return;
    }
    next();
  });
  const context = (response: Response): RequestContext => (response.locals as Locals).context;
  const requireRevops = (request: Request, response: Response, next: NextFunction): void => {
    if (!context(response).revops) {
      response.status(403).json({
        ok: false,
        error: { message: 'only RevOps may activate or roll back rule sets and guardrails' },
      });
      return;
    }
    next();
  };

  mountTermsRoutes(router, {
    store: options.store,
    today: options.today,
    ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
    context,
    requireRevops,
  });

  mountCardRoutes(router, {
    store: options.store,
    today: options.today,
    cardOptions: {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
    },
    context,
  });

  mountWorkspaceRoutes(router, {
    store: options.store,
    today: options.today,
    cardOptions: {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
    },
    context,
  });

  router.get('/rules', async (_request, response) => {
    const { tenant } = context(response);
    const [active, versions] = await Promise.all([
      options.store.getActiveRuleSet(tenant),
      options.store.listRuleSetVersions(tenant),
    ]);
    // Version 0 (the default playbook) is active until the first change; every version keeps its text.
    response.json({
      ok: true,
      active: {
        version: active.version,
        ruleSet: active.body,
        source: sourceText(active),
        note: active.note,
        createdAt: active.createdAt,
        createdBy: active.createdBy,
        activatedAt: active.activatedAt,
        label: versionLabel(active),
      },
      default: DEFAULT_RULE_SET,
      versions: versions.map((version) => {
        const { body: _body, ...rest } = version;
        return { ...rest, source: sourceText(version), label: versionLabel(version) };
      }),
      described: describedRules(active?.body ?? DEFAULT_RULE_SET),
    });
  });

  // The settings page shows why the portal's sync is paused and what to do (e.g. scopes to grant).
  router.get('/crm-sync-status', async (_request, response) => {
    const { tenant } = context(response);
    const connections = [];
    for (const crm of ['hubspot', 'salesforce'] as const) {
      const installation = await options.store.getCrmInstallationForTenant(tenant, crm);
      if (installation === undefined) continue;
      const pause = installation.syncPause === null ? null : crmSyncPauseState(installation.syncPause);
      // A limit's pause that has ended is no longer news; a reconnect stays until someone acts.
      const over = pause?.kind === 'limit' && Date.parse(pause.until) <= (options.now ?? Date.now)();
      connections.push({ crm, state: pause === null || over ? { kind: 'running' as const } : pause });
    }
    response.json({ ok: true, connections });
  });

  router.post('/rules/validate', (request, response) => {
    const parsed = proposal.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    const ruleSet = proposalOrFail(response, parsed.data)?.ruleSet;
    if (ruleSet !== undefined)
      response.json({
        ok: true,
        rules: ruleSet.rules.map((rule) => rule.id),
        described: describeRuleSet(ruleSet),
      });
  });

  mountTaskOwnerRoutes(router, {
    store: options.store,
    context,
    ...(options.gatewayFor === undefined ? {} : { gatewayFor: options.gatewayFor }),
    ...(options.defaultCsmProperty === undefined ? {} : { defaultCsmProperty: options.defaultCsmProperty }),
  });

  mountSimulationRoutes(router, {
    store: options.store,
    context,
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  mountRuleActivationRoutes(router, {
    store: options.store,
    context,
    requireRevops,
    today: options.today,
    now: options.now ?? Date.now,
    // Every server process of a deployment shares these secrets, so a preview holds on any of them;
    // the local demo (one process) signs with a key of its own.
    previewKey: previewTokenKey(
      options.sessionSecret ?? options.signingSecret ?? randomBytes(32).toString('base64url'),
    ),
    ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
  });

  router.get('/rules/diff', async (request, response) => {
    const parsed = diffQuery.safeParse({ from: request.query['from'], to: request.query['to'] });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(
        response,
        {
          path: String(issue?.path[0] ?? 'from'),
          message: 'expected a version number (0 is the default playbook, then 1, 2, …)',
        },
        422,
      );
    }
    const { from, to } = parsed.data;
    const { tenant } = context(response);
    const [before, after] = await Promise.all([
      options.store.getRuleSetVersion(tenant, from),
      options.store.getRuleSetVersion(tenant, to),
    ]);
    if (before === undefined || after === undefined)
      return fail(response, { message: `unknown version ${before === undefined ? from : to}` });
    const parsedBefore = validateRuleSet(before.body);
    const parsedAfter = validateRuleSet(after.body);
    if (!parsedBefore.ok || !parsedAfter.ok)
      return fail(response, { message: 'a stored version no longer validates' });
    // Each change also carries its line in the texts as written, for the page to show it in place.
    const changes = diffRuleSets(parsedBefore.ruleSet, parsedAfter.ruleSet);
    const lines = locateChanges(before, after, changes);
    response.json({
      ok: true,
      from,
      to,
      changes: changes.map((change, index) => ({ ...change, lines: lines[index] ?? {} })),
    });
  });

  router.post('/accounts/:customerId/pause', async (request, response) => {
    const parsed = pause.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    if (parsed.data.until < options.today())
      return fail(response, { path: 'until', message: 'must not be in the past' });
    const { tenant, user } = context(response);
    const customerId = String(request.params['customerId']);
    const outcome = await options.store.pauseAutomation(tenant, customerId, {
      reason: parsed.data.reason,
      until: parsed.data.until as CalendarDate,
      actor: user,
      startedOn: options.today(),
    });
    if (outcome === 'unknown_customer') return fail(response, { message: `unknown customer ${customerId}` });
    response.json({ ok: true, paused: { reason: parsed.data.reason, until: parsed.data.until } });
  });

  router.delete('/accounts/:customerId/pause', async (request, response) => {
    const { tenant, user } = context(response);
    const resumed = await options.store.resumeAutomation(
      tenant,
      String(request.params['customerId']),
      user,
      options.today(),
    );
    response.json({ ok: true, resumed });
  });

  return router;
}
