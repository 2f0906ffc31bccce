import { createHash, randomBytes } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CrmOAuth, SecretCipher } from '../../src/ports/crm-auth';
import { IntegrationError } from '../../src/ports/crm-gateway';
import type { CollectionsStore } from '../../src/ports/store';
import { getAccountCardByCrmId, type CardOptions } from '../../src/use-cases/account-card';
import { completeInstall, ensureLaunchSecret, launchSecretOf } from '../../src/use-cases/crm-installation';
import { toAccountCardView } from './cards-api';
import { cookieOf, SESSION_SECONDS, setSessionCookie, signSession } from './workspace-session';
import { checkInstallState, escapeHtml, page, signInstallState } from './install-pages';
import { claimedOrg, describeLaunchRejection, nonceKeptUntil, verifyLaunchToken } from './launch-token';

export type SalesforceAppOptions = {
  store: CollectionsStore;
  logger: Logger;
  publicBaseUrl: string;
  /** Signs install states (the app's client secret). */
  stateSecret: string;
  oauth?: CrmOAuth;
  cipher?: SecretCipher;
  tenantFor: (orgId: string) => TenantId;
  onInstalled?: (tenant: TenantId) => Promise<{ existing: string[] }>;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  /** With the workspace built, a verified launch opens it (a session cookie bound to the org and record). */
  workspace?: { sessionSecret: string };
  now?: () => number;
};

const PKCE_COOKIE = 'collections_sf_pkce';

function accountPage(response: Response, title: string, rows: [string, string][], tasks: string[]): void {
  const table = rows
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const list = tasks.map((task) => `<li>${escapeHtml(task)}</li>`).join('');
  response
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        `<style>body{font-family:system-ui,sans-serif;margin:1rem}th{text-align:left;padding-right:1rem}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1><table>${table}</table>` +
        `<h2>Open collections tasks</h2>${list === '' ? '<p>None.</p>' : `<ul>${list}</ul>`}</body></html>`,
    );
}

/**
 * Salesforce's server side: the OAuth web-server install with PKCE (the verifier kept encrypted in an
 * HttpOnly cookie of the installing browser, never in the redirect) and the embedded views opened with
 * a launch token signed by the package's Apex class.
 */
export function createSalesforceAppRouter(options: SalesforceAppOptions): Router {
  const router = express.Router();
  const now = options.now ?? Date.now;
  const redirectUri = `${options.publicBaseUrl}/oauth/salesforce/callback`;

  router.get('/oauth/salesforce/install', (_request, response) => {
    if (options.oauth === undefined || options.cipher === undefined) {
      page(
        response,
        503,
        'Install unavailable',
        'SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set.',
      );
      return;
    }
    const state = signInstallState(options.stateSecret, now());
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const sealed = options.cipher.encrypt(verifier, `salesforce:pkce:${state}`);
    response.cookie(PKCE_COOKIE, sealed, {
      httpOnly: true,
      secure: options.publicBaseUrl.startsWith('https:'),
      sameSite: 'lax',
      maxAge: 10 * 60 * 1000,
      path: '/oauth/salesforce',
    });
    response.redirect(302, options.oauth.authorizeUrl({ redirectUri, state, codeChallenge: challenge }));
  });

  router.get('/oauth/salesforce/callback', async (request, response, next) => {
    const { code, state, error, error_description: description } = request.query;
    if (options.oauth === undefined || options.cipher === undefined) {
      page(response, 503, 'Install unavailable', 'OAuth is not configured on this server.');
      return;
    }
    if (typeof error === 'string') {
      page(response, 400, 'Not connected', `Salesforce said: ${error} ${String(description ?? '')}`);
      return;
    }
    if (typeof state !== 'string' || !checkInstallState(options.stateSecret, state, now())) {
      page(response, 400, 'Not connected', 'state: missing, expired or not ours; start again.');
      return;
    }
    const sealed = cookieOf(request, PKCE_COOKIE);
    let verifier: string;
    try {
      if (sealed === undefined) throw new Error('missing');
      verifier = options.cipher.decrypt(sealed, `salesforce:pkce:${state}`);
    } catch {
      page(response, 400, 'Not connected', 'PKCE verifier: missing or not for this login; start again.');
      return;
    }
    if (typeof code !== 'string' || code === '') {
      page(response, 400, 'Not connected', 'code: missing from the callback.');
      return;
    }
    response.clearCookie(PKCE_COOKIE, { path: '/oauth/salesforce' });
    try {
      const installation = await completeInstall(options.store, options.oauth, options.cipher, {
        code,
        redirectUri,
        codeVerifier: verifier,
        tenantFor: options.tenantFor,
      });
      const schema = await options.onInstalled?.(installation.tenant);
      const launch = await ensureLaunchSecret(options.store, options.cipher, installation, () =>
        randomBytes(32).toString('base64url'),
      );
      options.logger.info(
        { org: installation.accountId, tenant: installation.tenant },
        'salesforce org connected',
      );
      page(
        response,
        200,
        'Collections is connected',
        `Org ${installation.accountId} is connected` +
          (schema === undefined ? '.' : `; the package's ${schema.existing.length} fields are in place.`) +
          (launch.created
            ? ` For the embedded views, set the Collections_Settings__mdt record "Default": Backend_Url__c = ${options.publicBaseUrl}, Launch_Secret__c = ${launch.secret} (shown once; \`collections salesforce launch-secret --rotate\` issues a new one).`
            : ''),
      );
    } catch (caught) {
      if (
        caught instanceof IntegrationError &&
        (caught.code === 'invalid' || caught.code === 'unauthorized' || caught.code === 'missing_permission')
      ) {
        page(response, 400, 'Not connected', caught.message);
        return;
      }
      next(caught);
    }
  });

  router.get('/embed/salesforce/:view', async (request, response, next) => {
    const launch = request.query['launch'];
    if (typeof launch !== 'string') {
      page(response, 401, 'Not allowed', 'launch token: missing');
      return;
    }
    // Org binding: the org named in the token must be connected, and its own secret must verify it.
    const org = claimedOrg(launch);
    const installation =
      org === undefined ? undefined : await options.store.getCrmInstallation('salesforce', org);
    const secret =
      installation === undefined || options.cipher === undefined
        ? undefined
        : launchSecretOf(options.cipher, installation);
    if (installation === undefined || secret === undefined) {
      page(response, 403, 'Not allowed', `launch token: org ${org ?? '?'} is not connected to this server`);
      return;
    }
    const checked = verifyLaunchToken(secret, launch, now());
    if (!checked.ok) {
      page(response, 401, 'Not allowed', `launch token: ${describeLaunchRejection(checked.reason)}`);
      return;
    }
    const claims = checked.claims;
    const view = String(request.params['view']);
    if (claims.view !== view) {
      page(response, 403, 'Not allowed', 'launch token: for another view');
      return;
    }
    try {
      // Single use across every server process (the store keeps the nonce).
      const firstUse = await options.store.useLaunchNonce(
        installation.tenant,
        claims.nonce,
        nonceKeptUntil(claims),
        new Date(now()),
      );
      if (!firstUse) {
        page(response, 401, 'Not allowed', 'launch token: already used');
        return;
      }
      response.setHeader('Cache-Control', 'no-store');
      if (options.workspace !== undefined) {
        const customerId =
          view === 'account' && claims.recordId !== null
            ? ((await options.store.findCustomerIdByCrmId(installation.tenant, claims.recordId)) ?? null)
            : null;
        setSessionCookie(
          response,
          signSession(options.workspace.sessionSecret, {
            tenant: installation.tenant,
            user: `salesforce:${claims.user}`,
            view,
            customerId,
            crmRecordId: claims.recordId,
            exp: Math.floor(now() / 1000) + SESSION_SECONDS,
          }),
          options.publicBaseUrl.startsWith('https:'),
        );
        const target =
          view === 'account'
            ? customerId === null
              ? '/#/no-billing-data'
              : `/#/accounts/${encodeURIComponent(customerId)}`
            : view === 'opportunity-terms'
              ? `/#/deals?dealId=${encodeURIComponent(claims.recordId ?? '')}`
              : '/#/rules';
        response.redirect(302, target);
        return;
      }
      if (view !== 'account' || claims.recordId === null) {
        page(
          response,
          501,
          'Not available yet',
          `The ${view} view comes with the collections workspace; the account view is available.`,
        );
        return;
      }
      const card = await getAccountCardByCrmId(
        options.store,
        installation.tenant,
        claims.recordId,
        options.today(),
        options.cardOptions ?? {},
      );
      if (card === undefined) {
        page(response, 200, 'No billing data', 'No billing customer is mapped to this account.');
        return;
      }
      const view_ = toAccountCardView(card);
      accountPage(
        response,
        `${card.name ?? card.customerId}: ${view_.statusLabel}`,
        [
          ...view_.balances.flatMap((balance): [string, string][] => [
            [`Outstanding (${balance.currency})`, balance.outstanding.text],
            [`Overdue (${balance.currency})`, balance.overdue.text],
          ]),
          ['Oldest days past due', String(view_.oldestDaysPastDue)],
          [
            'Risk',
            view_.risk === null
              ? 'not scored'
              : `${view_.risk.score} (${view_.risk.tier}): ${view_.risk.reasons.join('; ')}`,
          ],
          [
            'Renewal',
            view_.renewal === null
              ? 'none'
              : `${view_.renewal.on} (${view_.renewal.daysTo} days${view_.renewal.inWindow ? ', in the renewal window' : ''})`,
          ],
          [
            'Last payment failure',
            view_.lastFailure === null
              ? 'none'
              : `${view_.lastFailure.on}: ${view_.lastFailure.declineClass}: ${view_.lastFailure.whatToDo}`,
          ],
          [
            'Automation',
            view_.paused === null ? 'on' : `paused until ${view_.paused.until}: ${view_.paused.reason}`,
          ],
          [
            'Next step',
            view_.nextStep === null ? 'none' : `${view_.nextStep.title} (${view_.nextStep.tone ?? 'n/a'})`,
          ],
        ],
        view_.tasks.map((task) => `${task.dueOn} ${task.title} (${task.priority}, ${task.assignee})`),
      );
    } catch (caught) {
      next(caught);
    }
  });

  return router;
}
