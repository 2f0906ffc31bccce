import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { TenantId } from '../../src/domain/model';
import type { CrmOAuth, SecretCipher } from '../../src/ports/crm-auth';
import { IntegrationError } from '../../src/ports/crm-gateway';
import type { CollectionsStore } from '../../src/ports/store';
import { completeInstall } from '../../src/use-cases/crm-installation';
import { CRM_EVENTS, CRM_EVENT_SOURCE } from '../../src/use-cases/crm-events';
import { page, readInstallState, signInstallState } from './install-pages';
import { verifyHubspotSignatureV3 } from './signed-request';

export type HubspotAppOptions = {
  store: CollectionsStore;
  logger: Logger;
  clientSecret: string;
  publicBaseUrl: string;
  oauth?: CrmOAuth;
  cipher?: SecretCipher;
  /** The tenant of a newly installed portal. */
  tenantFor: (portalId: string) => TenantId;
  /** The tenant of a portal sending webhooks; undefined: not installed here (events ignored). */
  resolveTenant: (portalId: string) => Promise<TenantId | undefined>;
  /** Runs after an install: the properties are created. */
  onInstalled?: (tenant: TenantId) => Promise<{ created: string[]; existing: string[] }>;
  onEvent: (tenant: TenantId, eventId: string) => Promise<void>;
  now?: () => number;
};

/**
 * The HubSpot app's server side: the OAuth install (state signed, short-lived and used once, code exchanged,
 * tokens stored encrypted, properties created) and the webhook endpoint (signature v3 on the raw body,
 * each event stored once by id and applied by a job).
 */
export function createHubspotAppRouter(options: HubspotAppOptions): Router {
  const router = express.Router();
  const now = options.now ?? Date.now;
  const redirectUri = `${options.publicBaseUrl}/oauth/hubspot/callback`;

  router.get('/oauth/hubspot/install', (_request, response) => {
    if (options.oauth === undefined || options.cipher === undefined) {
      page(
        response,
        503,
        'Install unavailable',
        'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set for OAuth installs.',
      );
      return;
    }
    const state = signInstallState(options.clientSecret, now());
    response.redirect(302, options.oauth.authorizeUrl({ redirectUri, state }));
  });

  router.get('/oauth/hubspot/callback', async (request, response, next) => {
    const { code, state, error } = request.query;
    if (options.oauth === undefined || options.cipher === undefined) {
      page(response, 503, 'Install unavailable', 'OAuth is not configured on this server.');
      return;
    }
    if (typeof error === 'string') {
      page(response, 400, 'Not installed', `HubSpot said: ${error}`);
      return;
    }
    const signed =
      typeof state === 'string' ? readInstallState(options.clientSecret, state, now()) : undefined;
    if (signed === undefined) {
      page(response, 400, 'Not installed', 'state: missing, expired or not ours; start the install again.');
      return;
    }
    if (typeof code !== 'string' || code === '') {
      page(response, 400, 'Not installed', 'code: missing from the callback.');
      return;
    }
    try {
      // Spent before the code is exchanged, in the store, so a second callback fails in any process.
      const first = await options.store.useInstallState(
        'hubspot',
        signed.nonce,
        new Date(signed.expiresAt),
        new Date(now()),
      );
      if (!first) {
        page(response, 400, 'Not installed', 'state: already used; start the install again.');
        return;
      }
      const installation = await completeInstall(options.store, options.oauth, options.cipher, {
        code,
        redirectUri,
        tenantFor: options.tenantFor,
      });
      const schema = await options.onInstalled?.(installation.tenant);
      options.logger.info(
        { portal: installation.accountId, tenant: installation.tenant, created: schema?.created.length ?? 0 },
        'hubspot app installed',
      );
      page(
        response,
        200,
        'Collections is installed',
        `Portal ${installation.accountId} is connected` +
          (schema === undefined
            ? '.'
            : `: ${schema.created.length} properties created, ${schema.existing.length} already there.`),
      );
    } catch (caught) {
      if (
        caught instanceof IntegrationError &&
        (caught.code === 'invalid' || caught.code === 'unauthorized')
      ) {
        page(response, 400, 'Not installed', `${caught.message}. Start the install again.`);
        return;
      }
      next(caught);
    }
  });

  router.post(
    '/webhooks/hubspot',
    express.raw({ type: () => true, limit: '1mb' }),
    async (request, response, next) => {
      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const check = verifyHubspotSignatureV3({
        secret: options.clientSecret,
        method: 'POST',
        uri: `${options.publicBaseUrl}${request.originalUrl}`,
        body: raw,
        signature: request.header('x-hubspot-signature-v3'),
        timestamp: request.header('x-hubspot-request-timestamp'),
        now: now(),
      });
      if (!check.ok) {
        options.logger.warn({ reason: check.reason }, 'hubspot webhook refused');
        response.status(401).json({ error: check.reason });
        return;
      }
      let events;
      try {
        events = CRM_EVENTS.parse(JSON.parse(raw));
      } catch {
        response.status(400).json({ error: 'expected a JSON array of HubSpot webhook events' });
        return;
      }
      try {
        const counts = { received: 0, duplicates: 0, ignored: 0 };
        for (const event of events) {
          const tenant = await options.resolveTenant(event.portalId);
          if (tenant === undefined) {
            counts.ignored += 1;
            continue;
          }
          const recorded = await options.store.recordWebhookEvent(tenant, CRM_EVENT_SOURCE, {
            eventId: event.eventId,
            type: event.subscriptionType,
            createdMs: event.occurredAt,
            body: JSON.stringify(event),
          });
          if (recorded === 'duplicate') {
            counts.duplicates += 1;
            // A redelivery of an event still waiting (its first queueing failed) is queued again.
            const stored = await options.store.getWebhookEvent(tenant, CRM_EVENT_SOURCE, event.eventId);
            if (stored?.state === 'received') await options.onEvent(tenant, event.eventId);
          } else {
            counts.received += 1;
            await options.onEvent(tenant, event.eventId);
          }
        }
        response.json(counts);
      } catch (caught) {
        next(caught);
      }
    },
  );
  return router;
}
