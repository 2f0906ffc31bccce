import type { z } from 'zod';
import type * as CardAccount from '../app/cards/api/accountView';
import type * as CardTerms from '../app/cards/api/paymentTerms';
import type * as Web from '../extensions/web/src/api/types';
import type { accountCardView } from '../server/http/schemas/account-card';
import type { companyCollectionsResponse, companyTaskResponse } from '../server/http/schemas/cards';
import type { pauseResponse, resumeResponse } from '../server/http/schemas/pauses';
import type { promiseView, recordPromiseResponse } from '../server/http/schemas/promises';
import type { activationPreviewResponse, impact } from '../server/http/schemas/rule-activation';
import type {
  ruleSetChange,
  rulesDiffResponse,
  rulesResponse,
  ruleSetVersionView,
  validateRulesResponse,
  versionResponse,
} from '../server/http/schemas/rule-sets';
import type {
  simulateResponse,
  simulationJob,
  simulationJobResponse,
  simulationLabels,
  simulationSummary,
} from '../server/http/schemas/simulations';
import type {
  acceptResponse,
  customerMatch,
  customerSearchResponse,
  recommendationResponse,
  termOptionView,
  termsRecommendation,
} from '../server/http/schemas/terms';
import type {
  accountDetailResponse,
  accountTaskResponse,
  attentionAccount,
  auditResponse,
  currencyMetrics,
  portfolioResponse,
  portfolioTrendResponse,
  sessionResponse,
  timelineEntry,
  worklistAccount,
  worklistResponse,
} from '../server/http/schemas/workspace';

/**
 * The workspace and the cards keep their own copies of what /api/v1 answers (they import nothing
 * outside their folders). Each copy is checked here against the documented schema, by the type
 * checker: the documented answer must be assignable to the client's type (every field it reads is
 * sent, with a type it accepts), and every field the client names must be documented, at every depth.
 * A client may read fewer fields than are sent.
 */

type AllTrue<T> = [T] extends [true] ? true : false;
type AnyTrue<T> = true extends T ? true : false;

type CoveredObject<Client, Server> = AllTrue<
  {
    [K in keyof Client]-?: K extends keyof Server
      ? Covered<NonNullable<Client[K]>, Server[K]>
      : string extends keyof Server
        ? true
        : false;
  }[keyof Client]
>;

type EachVariant<Client, Server> = Server extends unknown ? CoveredObject<Client, Server> : never;

/** Every field `Client` names exists in `Server` (in one of its variants, for a union). */
type Covered<Client, Server> = unknown extends Client
  ? true
  : [Client] extends [readonly (infer ClientItem)[]]
    ? [NonNullable<Server>] extends [readonly (infer ServerItem)[]]
      ? Covered<ClientItem, ServerItem>
      : false
    : Client extends object
      ? AnyTrue<EachVariant<Client, NonNullable<Server>>>
      : true;

type Agreement<Client, Server> = [Server] extends [Client]
  ? AllTrue<Covered<Client, Server>> extends true
    ? 'agree'
    : 'the client names a field the schema does not document'
  : 'the documented answer is not assignable to the client type';

/** Compiles only when `Client` and `Server` agree; the argument names the disagreement otherwise. */
const agree = <Client, Server>(verdict: Agreement<Client, Server>): string => verdict;

type Of<T extends z.ZodType> = z.infer<T>;
type DataOf<T extends z.ZodType> = z.infer<T> extends { data: infer D } ? D : never;

/** The workspace asks for the portfolio by owner, segment or payment terms, never by currency. */
type PortfolioAsAsked = Omit<DataOf<typeof portfolioResponse>, 'by'> & { by: Web.SliceDimension | null };

const verdicts = [
  // The workspace (extensions/web/src/api/types.ts)
  agree<Web.Session, DataOf<typeof sessionResponse>>('agree'),
  agree<Web.CurrencyMetrics, Of<typeof currencyMetrics>>('agree'),
  agree<Web.PortfolioReport, PortfolioAsAsked>('agree'),
  agree<Web.PortfolioTrend, DataOf<typeof portfolioTrendResponse>>('agree'),
  agree<Web.AttentionAccount, Of<typeof attentionAccount>>('agree'),
  agree<Web.AccountCardView, Of<typeof accountCardView>>('agree'),
  agree<Web.TimelineEntry, Of<typeof timelineEntry>>('agree'),
  agree<Web.AccountDetail, DataOf<typeof accountDetailResponse>>('agree'),
  agree<Web.PauseAnswer, Of<typeof pauseResponse>>('agree'),
  agree<Web.ResumeAnswer, Of<typeof resumeResponse>>('agree'),
  agree<Web.PromiseView, Of<typeof promiseView>>('agree'),
  agree<Web.RecordPromiseAnswer, Of<typeof recordPromiseResponse>>('agree'),
  agree<Web.TermOptionView, Of<typeof termOptionView>>('agree'),
  agree<Web.TermsRecommendation, Of<typeof termsRecommendation>>('agree'),
  agree<Web.CustomerMatch, Of<typeof customerMatch>>('agree'),
  agree<Web.CustomerSearchAnswer, DataOf<typeof customerSearchResponse>>('agree'),
  agree<Web.RecommendationAnswer, Of<typeof recommendationResponse>>('agree'),
  agree<Web.AcceptAnswer, Of<typeof acceptResponse>>('agree'),
  agree<Web.RuleSetVersionView, Of<typeof ruleSetVersionView>>('agree'),
  agree<Web.RulesAnswer, Of<typeof rulesResponse>>('agree'),
  agree<Web.ValidateAnswer, Of<typeof validateRulesResponse>>('agree'),
  agree<Web.SimulationSummary, Of<typeof simulationSummary>>('agree'),
  agree<Web.SimulationLabels, Of<typeof simulationLabels>>('agree'),
  agree<Web.SimulateAnswer, Of<typeof simulateResponse>>('agree'),
  agree<Web.SimulationJob, Of<typeof simulationJob>>('agree'),
  agree<Web.SimulationJobAnswer, Of<typeof simulationJobResponse>>('agree'),
  agree<Web.RuleSetChange, Of<typeof ruleSetChange>>('agree'),
  agree<Web.DiffAnswer, Of<typeof rulesDiffResponse>>('agree'),
  agree<Web.VersionAnswer, Of<typeof versionResponse>>('agree'),
  agree<Web.Impact, Of<typeof impact>>('agree'),
  agree<Web.ActivationPreviewAnswer, Of<typeof activationPreviewResponse>>('agree'),
  agree<Web.AuditEvent, DataOf<typeof auditResponse>['events'][number]>('agree'),
  agree<Web.WorklistAccount, Of<typeof worklistAccount>>('agree'),
  agree<Web.Worklist, DataOf<typeof worklistResponse>>('agree'),
  agree<Web.ManualTaskAnswer, Of<typeof accountTaskResponse>>('agree'),
  // The HubSpot cards (app/cards/api)
  agree<CardAccount.AccountCardView, Of<typeof accountCardView>>('agree'),
  agree<CardAccount.AccountResponse, Of<typeof companyCollectionsResponse>>('agree'),
  agree<CardAccount.PauseResponse, Of<typeof pauseResponse>>('agree'),
  agree<CardAccount.ResumeResponse, Of<typeof resumeResponse>>('agree'),
  agree<CardAccount.TaskResponse, Of<typeof companyTaskResponse>>('agree'),
  agree<CardAccount.PromiseView, Of<typeof promiseView>>('agree'),
  agree<CardAccount.RecordPromiseResponse, Of<typeof recordPromiseResponse>>('agree'),
  agree<CardTerms.TermOptionView, Of<typeof termOptionView>>('agree'),
  agree<CardTerms.TermsRecommendation, Of<typeof termsRecommendation>>('agree'),
  agree<CardTerms.RecommendationResponse, Of<typeof recommendationResponse>>('agree'),
  agree<CardTerms.AcceptResponse, Of<typeof acceptResponse>>('agree'),
];

describe('the clients\u2019 copies of the API types', () => {
  it('agree with the documented schemas (checked when the tests compile)', () => {
    expect(new Set(verdicts)).toEqual(new Set(['agree']));
  });
});
