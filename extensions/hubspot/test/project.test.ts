import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKnownPlatformVersion, parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { validateUid } from '@hubspot/project-parsing-lib/uid';

/** The repository root is the project's srcDir, so that ../../app is the app folder HubSpot reads. */
const ROOT = path.resolve(__dirname, '../../..');
const PROFILES = path.resolve(__dirname, '../profiles');

type Node = { uid: string; componentType: string; config: Record<string, unknown>; metaFilePath: string };

async function parse(sourceDir: string, profile?: string): Promise<Node[]> {
  const config = parseProjectConfig(ROOT);
  const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
    { projectSourceDir: sourceDir, platformVersion: config.platformVersion },
    // Schema validation needs a HubSpot account (the schemas are fetched); structure is checked here.
    { skipValidation: true, ...(profile === undefined ? {} : { profile }) },
  );
  expect(skippedHsMetaFiles).toEqual([]);
  return Object.values(intermediateRepresentation.intermediateNodesIndexedByUid) as Node[];
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('HubSpot project', () => {
  it('is a 2026.03 project whose srcDir holds the app folder', () => {
    const config = parseProjectConfig(ROOT);
    expect(config).toEqual({ name: 'crm-collections', srcDir: '.', platformVersion: '2026.03' });
    expect(isKnownPlatformVersion(config.platformVersion)).toBe(true);
    expect(existsSync(path.join(ROOT, config.srcDir, 'app', 'app-hsmeta.json'))).toBe(true);
  });

  it('defines a marketplace OAuth app with the scopes the backend needs and the backend as fetch URL', async () => {
    const apps = (await parse(ROOT)).filter((node) => node.componentType === 'APPLICATION');
    expect(apps).toHaveLength(1);
    const app = apps[0]!;
    expect(app.config).toMatchObject({
      distribution: 'marketplace',
      auth: { type: 'oauth', redirectUrls: ['${OAUTH_REDIRECT_URL}'] },
      permittedUrls: { fetch: ['${COLLECTIONS_API_URL}'] },
    });
    expect(app.config['auth']).toMatchObject({
      requiredScopes: expect.arrayContaining([
        'oauth',
        'crm.objects.companies.read',
        'crm.objects.companies.write',
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.schemas.companies.write',
        'crm.schemas.deals.write',
        'crm.objects.contacts.write',
      ]),
    });
  });

  it('has the company tab, the company sidebar and the deal sidebar, each with its entry file', async () => {
    const cards = (await parse(ROOT)).filter((node) => node.componentType === 'CARD');
    const byUid = Object.fromEntries(cards.map((card) => [card.uid, card.config]));
    expect(byUid).toEqual({
      collections_company_tab: expect.objectContaining({
        location: 'crm.record.tab',
        objectTypes: ['companies'],
        entrypoint: '/app/cards/CollectionsTab.tsx',
      }),
      collections_company_sidebar: expect.objectContaining({
        location: 'crm.record.sidebar',
        objectTypes: ['companies'],
        entrypoint: '/app/cards/CollectionsSidebar.tsx',
      }),
      collections_deal_payment_terms: expect.objectContaining({
        location: 'crm.record.sidebar',
        objectTypes: ['deals'],
        entrypoint: '/app/cards/PaymentTermsSidebar.tsx',
      }),
    });
    for (const card of cards)
      expect(existsSync(path.join(ROOT, String(card.config['entrypoint'])))).toBe(true);
  });

  it('has the settings page', async () => {
    const settings = (await parse(ROOT)).filter((node) => node.componentType === 'SETTINGS');
    expect(settings.map((node) => node.config)).toEqual([
      { entrypoint: '/app/settings/CollectionsRulesSettings.tsx' },
    ]);
    expect(existsSync(path.join(ROOT, 'app/settings/CollectionsRulesSettings.tsx'))).toBe(true);
  });

  it('subscribes to the webhooks the backend handles, sent to its /webhooks/hubspot endpoint', async () => {
    const webhooks = (await parse(ROOT)).filter((node) => node.componentType === 'WEBHOOKS');
    expect(webhooks).toHaveLength(1);
    const config = webhooks[0]!.config as {
      settings: { targetUrl: string };
      subscriptions: {
        crmObjects: { subscriptionType: string; objectType: string; propertyName?: string }[];
      };
    };
    expect(config.settings.targetUrl).toBe('${COLLECTIONS_API_URL}/webhooks/hubspot');
    expect(
      config.subscriptions.crmObjects.map((s) => [s.subscriptionType, s.objectType, s.propertyName]),
    ).toEqual([
      ['object.propertyChange', 'company', 'collections_automation_paused'],
      ['object.propertyChange', 'company', 'hubspot_owner_id'],
      ['object.propertyChange', 'company', 'collections_tags'],
      ['object.deletion', 'company', undefined],
      ['object.merge', 'company', undefined],
      ['object.propertyChange', 'task', 'hs_task_status'],
    ]);
  });

  type Field = { typeDefinition: { name: string; type: string; options?: { value: string }[] } };
  type ActionConfig = {
    actionUrl: string;
    isPublished: boolean;
    supportedClients: { client: string }[];
    objectTypes: string[];
    inputFields: (Field & { isRequired: boolean })[];
    outputFields: Field[];
    labels: {
      en: {
        actionName: string;
        inputFieldLabels: Record<string, string>;
        outputFieldLabels: Record<string, string>;
      };
    };
  };

  it('has the four collections workflow actions, each posting to its backend route', async () => {
    const actions = (await parse(ROOT)).filter((node) => node.componentType === 'WORKFLOW_ACTION');
    const byUid = Object.fromEntries(actions.map((node) => [node.uid, node.config as ActionConfig]));
    expect(Object.keys(byUid).sort()).toEqual([
      'collections_get_status',
      'collections_pause',
      'collections_recommend_terms',
      'collections_record_promise',
    ]);
    for (const node of actions) {
      expect(validateUid(node.uid)).toBeUndefined();
      expect(path.dirname(node.metaFilePath).endsWith(path.join('app', 'workflow-actions'))).toBe(true);
    }
    const routes = Object.fromEntries(
      Object.entries(byUid).map(([uid, config]) => [uid, [config.actionUrl, config.objectTypes]]),
    );
    expect(routes).toEqual({
      collections_pause: ['${COLLECTIONS_API_URL}/hubspot/workflow-actions/pause-collections', ['COMPANY']],
      collections_record_promise: [
        '${COLLECTIONS_API_URL}/hubspot/workflow-actions/record-promise-to-pay',
        ['COMPANY'],
      ],
      collections_get_status: [
        '${COLLECTIONS_API_URL}/hubspot/workflow-actions/get-collections-status',
        ['COMPANY'],
      ],
      collections_recommend_terms: [
        '${COLLECTIONS_API_URL}/hubspot/workflow-actions/recommend-payment-terms',
        ['DEAL'],
      ],
    });
    for (const config of Object.values(byUid)) {
      expect(config.isPublished).toBe(true);
      expect(config.supportedClients).toEqual([{ client: 'WORKFLOWS' }, { client: 'AGENTS' }]);
    }
  });

  /** The fields as the README's table lists them: name, type, required (inputs). */
  it.each([
    [
      'collections_pause',
      'Pause collections',
      [
        ['reason', 'string', true],
        ['days', 'number', true],
      ],
      [
        ['paused_until', 'string'],
        ['billing_customer_id', 'string'],
      ],
    ],
    [
      'collections_record_promise',
      'Record promise to pay',
      [
        ['amount', 'number', true],
        ['currency', 'string', true],
        ['promised_date', 'date', true],
        ['made_by', 'string', false],
        ['invoice_ids', 'string', false],
        ['note', 'string', false],
      ],
      [
        ['promise_id', 'string'],
        ['promise_deadline', 'string'],
      ],
    ],
    [
      'collections_get_status',
      'Get collections status',
      [],
      [
        ['status', 'enumeration'],
        ['risk_tier', 'enumeration'],
        ['overdue_amount', 'number'],
        ['currency', 'string'],
        ['days_past_due', 'number'],
        ['days_to_renewal', 'number'],
        ['automation_paused', 'enumeration'],
      ],
    ],
    [
      'collections_recommend_terms',
      'Recommend payment terms',
      [
        ['amount', 'number', true],
        ['currency', 'string', true],
        ['months', 'number', false],
        ['company_id', 'string', false],
      ],
      [
        ['recommended_terms', 'string'],
        ['recommended_terms_id', 'string'],
        ['risk_tier', 'enumeration'],
        ['buyer', 'enumeration'],
      ],
    ],
  ] as const)('%s (%s) has the documented fields, each labelled', async (uid, name, inputs, outputs) => {
    const node = (await parse(ROOT)).find((entry) => entry.uid === uid)!;
    const config = node.config as ActionConfig;
    expect(config.labels.en.actionName).toBe(name);
    expect(
      config.inputFields.map((field) => [
        field.typeDefinition.name,
        field.typeDefinition.type,
        field.isRequired,
      ]),
    ).toEqual(inputs);
    expect(
      config.outputFields.map((field) => [field.typeDefinition.name, field.typeDefinition.type]),
    ).toEqual([...outputs, ['error_code', 'enumeration'], ['error_message', 'string']]);
    expect(Object.keys(config.labels.en.inputFieldLabels).sort()).toEqual(
      inputs.map(([field]) => field).sort(),
    );
    expect(Object.keys(config.labels.en.outputFieldLabels).sort()).toEqual(
      [...outputs.map(([field]) => field), 'error_code', 'error_message'].sort(),
    );
    for (const field of [...config.inputFields, ...config.outputFields])
      if (field.typeDefinition.type === 'enumeration')
        expect(field.typeDefinition.options?.length).toBeGreaterThan(0);
  });

  it('lets workflows branch on the status and risk tier values the backend answers', async () => {
    const nodes = await parse(ROOT);
    const status = nodes.find((node) => node.uid === 'collections_get_status')!.config as ActionConfig;
    const options = (name: string) =>
      status.outputFields
        .find((field) => field.typeDefinition.name === name)
        ?.typeDefinition.options?.map((option) => option.value);
    expect(options('status')).toEqual([
      'current',
      'overdue',
      'failed_payment',
      'payment_in_flight',
      'disputed',
      'paused',
    ]);
    expect(options('risk_tier')).toEqual(['low', 'medium', 'high']);
    expect(options('error_code')).toEqual(['INVALID_INPUT', 'NO_RECORD', 'NO_BILLING_DATA']);
  });

  describe.each(['local', 'prod'])('with the %s config profile', (profile) => {
    let sourceDir: string;

    // The CLI reads hsprofile.<name>.json from the srcDir: parse a copy of the project with it there.
    beforeAll(() => {
      sourceDir = mkdtempSync(path.join(tmpdir(), 'hs-project-'));
      cpSync(path.join(ROOT, 'hsproject.json'), path.join(sourceDir, 'hsproject.json'));
      cpSync(path.join(ROOT, 'app'), path.join(sourceDir, 'app'), {
        recursive: true,
        filter: (source) => !source.includes(`${path.sep}node_modules`),
      });
      cpSync(
        path.join(PROFILES, `hsprofile.${profile}.json`),
        path.join(sourceDir, `hsprofile.${profile}.json`),
      );
    });
    afterAll(() => rmSync(sourceDir, { recursive: true, force: true }));

    it('lets cards fetch only the HTTPS backend URL that the profile names', async () => {
      const variables = readJson(path.join(PROFILES, `hsprofile.${profile}.json`))['variables'] as Record<
        string,
        string
      >;
      const app = (await parse(sourceDir, profile)).find((node) => node.componentType === 'APPLICATION')!;
      const fetch = (app.config['permittedUrls'] as { fetch: string[] }).fetch;
      expect(fetch).toEqual([variables['COLLECTIONS_API_URL']]);
      for (const url of fetch) {
        expect(new URL(url).protocol).toBe('https:');
        expect(['localhost', '127.0.0.1']).not.toContain(new URL(url).hostname);
      }
      expect((app.config['auth'] as { redirectUrls: string[] }).redirectUrls).toEqual([
        variables['OAUTH_REDIRECT_URL'],
      ]);
    });
  });

  it('proxies the local profile backend URL to the local server during hs project dev', () => {
    const local = readJson(path.join(PROFILES, 'hsprofile.local.json'))['variables'] as Record<
      string,
      string
    >;
    const proxy = readJson(path.join(ROOT, 'app/local.json'))['proxy'] as Record<string, string>;
    expect(proxy).toEqual({ [local['COLLECTIONS_API_URL']!]: 'http://127.0.0.1:3000' });
  });
});

describe('card packages', () => {
  const tested = readJson(path.resolve(__dirname, '../package.json'))['dependencies'] as Record<
    string,
    string
  >;

  it.each(['cards', 'settings'])('app/%s builds with the versions tested here', (folder) => {
    const built = readJson(path.join(ROOT, 'app', folder, 'package.json'))['dependencies'] as Record<
      string,
      string
    >;
    for (const [name, version] of Object.entries(built)) expect(tested[name]).toBe(version);
    expect(built['react']).toBe('18.3.1');
    expect(built['@hubspot/ui-extensions']).toBe('0.17.0');
    const lock = readJson(path.join(ROOT, 'app', folder, 'package-lock.json'));
    const locked = (lock['packages'] as Record<string, { dependencies?: Record<string, string> }>)[''];
    expect(locked?.dependencies).toEqual(built);
  });

  it('keeps one copy of the fetch wrapper and its hooks per HubSpot package, identical', () => {
    const files = (folder: string) => readdirSync(path.join(ROOT, 'app', folder, 'shared')).sort();
    expect(files('settings')).toEqual(files('cards'));
    for (const file of files('cards')) {
      expect(readFileSync(path.join(ROOT, 'app/settings/shared', file), 'utf8')).toBe(
        readFileSync(path.join(ROOT, 'app/cards/shared', file), 'utf8'),
      );
    }
  });
});
