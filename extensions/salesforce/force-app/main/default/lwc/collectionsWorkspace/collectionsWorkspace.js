import { LightningElement, api } from 'lwc';
import launchUrl from '@salesforce/apex/CollectionsLaunch.launchUrl';

const VIEW_BY_OBJECT = { Account: 'account', Opportunity: 'opportunity-terms' };
const RULES_VIEW = 'rules';
const DEFAULT_HEIGHT = 800;
const MIN_HEIGHT = 300;
const MAX_HEIGHT = 4000;

/** The message of an Apex error, whichever shape it comes in. */
function errorMessage(error) {
  const body = error?.body;
  if (Array.isArray(body)) {
    const messages = body.map((entry) => entry?.message).filter(Boolean);
    if (messages.length > 0) return messages.join(' ');
  }
  if (typeof body?.message === 'string' && body.message !== '') return body.message;
  if (typeof error?.message === 'string' && error.message !== '') return error.message;
  return 'Unknown error';
}

/** Only an https page of the backend's embed routes is framed, whatever the Apex returned. */
function isEmbedUrl(url) {
  return typeof url === 'string' && url.startsWith('https://') && url.includes('/embed/salesforce/');
}

/**
 * The collections workspace in an iframe. The URL carries a launch token that Apex signs with the
 * org's secret (CollectionsLaunch.launchUrl) and that is good for 60 seconds: the backend verifies it
 * and starts its own session. Reload asks for a new token.
 */
export default class CollectionsWorkspace extends LightningElement {
  @api recordId;
  @api objectApiName;
  /** Frame height in pixels, set in Lightning App Builder. */
  @api height = DEFAULT_HEIGHT;

  state = { status: 'loading' };
  latestRequest = 0;

  connectedCallback() {
    this.launch();
  }

  /** The account view on accounts, payment terms on opportunities, the rules on an app page. */
  get view() {
    return VIEW_BY_OBJECT[this.objectApiName] ?? RULES_VIEW;
  }

  async launch() {
    const request = ++this.latestRequest;
    this.state = { status: 'loading' };
    const view = this.view;
    try {
      const url = await launchUrl({ view, recordId: view === RULES_VIEW ? null : (this.recordId ?? null) });
      if (request !== this.latestRequest) return;
      this.state = isEmbedUrl(url)
        ? { status: 'ready', url }
        : { status: 'error', message: 'The collections backend URL is not an https embed URL.' };
    } catch (error) {
      if (request !== this.latestRequest) return;
      this.state = { status: 'error', message: errorMessage(error) };
    }
  }

  handleReload() {
    this.launch();
  }

  get isLoading() {
    return this.state.status === 'loading';
  }

  get isError() {
    return this.state.status === 'error';
  }

  get errorMessage() {
    return this.state.message;
  }

  get frameUrl() {
    return this.state.url;
  }

  get frameTitle() {
    return `Collections workspace: ${this.view}`;
  }

  get frameStyle() {
    const requested = Number(this.height);
    const height = Number.isFinite(requested)
      ? Math.min(Math.max(requested, MIN_HEIGHT), MAX_HEIGHT)
      : DEFAULT_HEIGHT;
    return `width: 100%; height: ${height}px; border: 0;`;
  }
}
