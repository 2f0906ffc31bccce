import { Alert, Button, Select, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CsmPropertySetting } from '../../../app/settings/components/CsmPropertySetting';
import { change, configureContext, mockCollectionsApi, textOf, type Reply } from './mocks';

const GET = 'GET /api/v1/settings/task-owners';
const POST = 'POST /api/v1/settings/task-owners';

const PROPERTIES = [
  { name: 'csm_owner', label: 'Customer success manager' },
  { name: 'hubspot_owner_id', label: 'Company owner' },
];

function settings(overrides: Record<string, unknown> = {}): Reply {
  return {
    body: {
      ok: true,
      crm: 'hubspot',
      csmProperty: 'csm_legacy',
      chosen: null,
      defaultCsmProperty: 'csm_legacy',
      properties: PROPERTIES,
      unavailable: null,
      ...overrides,
    },
  };
}

function renderSetting(routes: Record<string, Reply | Reply[]>) {
  const api = mockCollectionsApi(routes);
  const renderer = createRenderer('settings');
  configureContext(renderer.mocks.context);
  renderer.render(<CsmPropertySetting />);
  return { ...renderer, requests: api.requests };
}

describe('Choosing the CSM property on the settings page', () => {
  it('offers none and the company user properties, and saves the choice', async () => {
    const renderer = renderSetting({
      [GET]: [
        settings(),
        settings({
          csmProperty: 'csm_owner',
          chosen: { by: 'revops@acme.example', at: '2026-11-02T10:00:00Z' },
        }),
      ],
      [POST]: { body: { ok: true, csmProperty: 'csm_owner' } },
    });
    await renderer.waitFor(() => expect(renderer.maybeFind(Select, { name: 'csmProperty' })).not.toBeNull());
    const select = renderer.find(Select, { name: 'csmProperty' });
    expect(select.props.options).toEqual([
      { label: 'None', value: '_none' },
      { label: 'Customer success manager (csm_owner)', value: 'csm_owner' },
      { label: 'Company owner (hubspot_owner_id)', value: 'hubspot_owner_id' },
    ]);
    expect(textOf(renderer.find(Text))).toBe(
      'The CSM is the user in the company property csm_legacy (csm_legacy). This is the deployment default until someone chooses here.',
    );

    change(select, 'csm_owner');
    renderer.findByTestId(Button, 'save-csm-property').trigger('onClick');
    await renderer.waitFor(() =>
      expect(textOf(renderer.find(Text))).toBe(
        'The CSM is the user in the company property Customer success manager (csm_owner). Chosen by revops@acme.example.',
      ),
    );
    expect(renderer.requests.filter((request) => request.method === 'POST')).toEqual([
      { method: 'POST', path: '/api/v1/settings/task-owners', body: { csmProperty: 'csm_owner' } },
    ]);
  });

  it('sends null for none, and shows a refusal at its path', async () => {
    const renderer = renderSetting({
      [GET]: settings(),
      [POST]: {
        body: {
          ok: false,
          error: { path: 'csmProperty', message: 'only RevOps may choose who takes the tasks' },
        },
      },
    });
    await renderer.waitFor(() => expect(renderer.maybeFind(Select, { name: 'csmProperty' })).not.toBeNull());
    change(renderer.find(Select, { name: 'csmProperty' }), '_none');
    renderer.findByTestId(Button, 'save-csm-property').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert)).not.toBeNull());
    expect(textOf(renderer.find(Alert))).toContain('csmProperty: only RevOps may choose who takes the tasks');
    expect(renderer.requests.find((request) => request.method === 'POST')?.body).toEqual({
      csmProperty: null,
    });
  });

  it('says why nothing can be chosen when HubSpot could not be read', async () => {
    const renderer = renderSetting({
      [GET]: settings({ properties: null, unavailable: 'HubSpot is not connected for this portal' }),
    });
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert)).not.toBeNull());
    expect(renderer.maybeFind(Select)).toBeNull();
    expect(textOf(renderer.find(Alert))).toContain('HubSpot is not connected for this portal');
  });
});
