import { createElement } from 'lwc';
import CollectionsWorkspace from 'c/collectionsWorkspace';
import launchUrl from '@salesforce/apex/CollectionsLaunch.launchUrl';

jest.mock('@salesforce/apex/CollectionsLaunch.launchUrl', () => ({ default: jest.fn() }), { virtual: true });

const ACCOUNT_ID = '001000000000001AAA';
const OPPORTUNITY_ID = '006000000000001AAA';
const BACKEND = 'https://collections.example.com';
const TOKEN = 'eyJvcmciOiIwMEQifQ.c2lnbmF0dXJl';

type Placement = { recordId?: string; objectApiName?: string; height?: number };

function mount(placement: Placement): HTMLElement {
  const element = createElement('c-collections-workspace', { is: CollectionsWorkspace });
  Object.assign(element, placement);
  document.body.appendChild(element);
  return element;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function find(element: HTMLElement, id: string): HTMLElement | null {
  if (element.shadowRoot === null) throw new Error('the component has no shadow root');
  return element.shadowRoot.querySelector<HTMLElement>(`[data-id="${id}"]`);
}

function frame(element: HTMLElement): HTMLIFrameElement {
  const node = find(element, 'workspace');
  if (!(node instanceof HTMLIFrameElement)) throw new Error('no workspace iframe');
  return node;
}

function text(node: Element | null): string {
  if (node === null) throw new Error('element not rendered');
  return (node.textContent ?? '').replace(/\s+/g, ' ').trim();
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-collections-workspace', () => {
  it.each([
    ['an account record page', { recordId: ACCOUNT_ID, objectApiName: 'Account' }, 'account', ACCOUNT_ID],
    [
      'an opportunity record page',
      { recordId: OPPORTUNITY_ID, objectApiName: 'Opportunity' },
      'opportunity-terms',
      OPPORTUNITY_ID,
    ],
    ['an app page', {}, 'rules', null],
  ])(
    'on %s frames the %s view from the signed URL Apex returns',
    async (_where, placement, view, recordId) => {
      const url = `${BACKEND}/embed/salesforce/${view}?launch=${TOKEN}`;
      launchUrl.mockResolvedValue(url);

      const element = mount(placement);
      await settle();

      expect(launchUrl).toHaveBeenCalledTimes(1);
      expect(launchUrl).toHaveBeenCalledWith({ view, recordId });
      expect(frame(element).getAttribute('src')).toBe(url);
      expect(frame(element).title).toBe(`Collections workspace: ${view}`);
      expect(frame(element).getAttribute('referrerpolicy')).toBe('no-referrer');
      expect(frame(element).getAttribute('sandbox')).not.toContain('allow-top-navigation');
      expect(find(element, 'loading')).toBeNull();
      expect(find(element, 'error')).toBeNull();
    },
  );

  it('shows a spinner and no frame while Apex signs the launch', async () => {
    launchUrl.mockReturnValue(new Promise<string>(() => undefined));

    const element = mount({ recordId: ACCOUNT_ID, objectApiName: 'Account' });
    await settle();

    expect(find(element, 'loading')).not.toBeNull();
    expect(find(element, 'workspace')).toBeNull();
  });

  it('shows the message of a failed Apex call and no frame', async () => {
    launchUrl.mockRejectedValue({
      status: 500,
      body: {
        message:
          'Collections is not set up: an admin must create the Default record of Collections Settings.',
      },
    });

    const element = mount({ recordId: ACCOUNT_ID, objectApiName: 'Account' });
    await settle();

    expect(text(find(element, 'error'))).toBe(
      'The collections workspace could not be opened: Collections is not set up: an admin must create the Default record of Collections Settings.',
    );
    expect(find(element, 'workspace')).toBeNull();
    expect(find(element, 'loading')).toBeNull();
  });

  it.each([
    ['an http URL', `http://collections.example.com/embed/salesforce/account?launch=${TOKEN}`],
    ['a URL outside the embed routes', `${BACKEND}/somewhere-else`],
    ['nothing', undefined],
  ])('refuses to frame %s', async (_what, url) => {
    launchUrl.mockResolvedValue(url as string);

    const element = mount({ recordId: ACCOUNT_ID, objectApiName: 'Account' });
    await settle();

    expect(text(find(element, 'error'))).toContain('is not an https embed URL');
    expect(find(element, 'workspace')).toBeNull();
  });

  it('asks Apex for a fresh token on reload', async () => {
    launchUrl
      .mockResolvedValueOnce(`${BACKEND}/embed/salesforce/account?launch=first.token`)
      .mockResolvedValueOnce(`${BACKEND}/embed/salesforce/account?launch=second.token`);
    const element = mount({ recordId: ACCOUNT_ID, objectApiName: 'Account' });
    await settle();
    expect(frame(element).getAttribute('src')).toContain('first.token');

    find(element, 'reload')?.click();
    await settle();

    expect(launchUrl).toHaveBeenCalledTimes(2);
    expect(frame(element).getAttribute('src')).toBe(
      `${BACKEND}/embed/salesforce/account?launch=second.token`,
    );
  });

  it('recovers from a failed launch on reload', async () => {
    launchUrl
      .mockRejectedValueOnce({ body: { message: 'You do not have access to this record.' } })
      .mockResolvedValueOnce(`${BACKEND}/embed/salesforce/account?launch=${TOKEN}`);
    const element = mount({ recordId: ACCOUNT_ID, objectApiName: 'Account' });
    await settle();
    expect(text(find(element, 'error'))).toContain('You do not have access to this record.');

    find(element, 'reload')?.click();
    await settle();

    expect(find(element, 'error')).toBeNull();
    expect(frame(element).getAttribute('src')).toContain(TOKEN);
  });

  it.each([
    [undefined, '800px'],
    [1200, '1200px'],
    [10, '300px'],
    [99999, '4000px'],
  ])('sizes the frame for height %s as %s', async (height, expected) => {
    launchUrl.mockResolvedValue(`${BACKEND}/embed/salesforce/rules?launch=${TOKEN}`);

    const element = mount(height === undefined ? {} : { height });
    await settle();

    expect(frame(element).style.height).toBe(expected);
    expect(frame(element).style.width).toBe('100%');
  });
});
