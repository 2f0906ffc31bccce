import { Alert } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CrmConnectionStatus } from '../../../app/settings/components/CrmConnectionStatus';
import { configureContext, mockCollectionsApi, textOf, type Reply } from './mocks';

const SYNC_STATUS = 'GET /api/v1/crm-sync-status';

function renderStatus(reply: Reply) {
  mockCollectionsApi({ [SYNC_STATUS]: reply });
  const renderer = createRenderer('settings');
  configureContext(renderer.mocks.context);
  renderer.render(<CrmConnectionStatus />);
  return renderer;
}

async function alertOf(renderer: ReturnType<typeof renderStatus>) {
  await renderer.waitFor(() => expect(renderer.maybeFind(Alert)).not.toBeNull());
  const alert = renderer.find(Alert);
  return { variant: alert.props.variant, title: alert.props.title, text: textOf(alert) };
}

describe('CRM connection state on the settings page', () => {
  it('names the missing scopes and what the admin must do', async () => {
    const renderer = renderStatus({
      body: {
        ok: true,
        connections: [
          {
            crm: 'hubspot',
            state: {
              kind: 'missing_scopes',
              until: '2026-09-01T13:00:00.000Z',
              scopes: ['crm.objects.contacts.read', 'crm.objects.owners.read'],
            },
          },
        ],
      },
    });
    const alert = await alertOf(renderer);
    expect(alert.variant).toBe('danger');
    expect(alert.title).toBe('HubSpot: reconnect needed');
    expect(alert.text).toContain(
      'Reconnect needed: missing scopes crm.objects.contacts.read, crm.objects.owners.read. The sync tries again after 2026-09-01T13:00:00.000Z.',
    );
    expect(alert.text).toContain('reinstall the Collections app');
  });

  it('says until when a limit pauses the sync', async () => {
    const renderer = renderStatus({
      body: {
        ok: true,
        connections: [
          {
            crm: 'hubspot',
            state: {
              kind: 'limit',
              until: '2026-09-02T04:00:00.000Z',
              reason: "HubSpot's daily API limit is reached",
            },
          },
        ],
      },
    });
    const alert = await alertOf(renderer);
    expect(alert.variant).toBe('warning');
    expect(alert.text).toContain(
      "Paused until 2026-09-02T04:00:00.000Z: HubSpot's daily API limit is reached.",
    );
  });

  it('shows a running sync, and a failure to load as such', async () => {
    const running = await alertOf(
      renderStatus({ body: { ok: true, connections: [{ crm: 'hubspot', state: { kind: 'running' } }] } }),
    );
    expect(running).toMatchObject({ variant: 'success', title: 'HubSpot sync running' });
    const failed = await alertOf(renderStatus({ status: 500 }));
    expect(failed.variant).toBe('danger');
    expect(failed.title).toBe('Could not load the CRM connection');
  });
});
