import { useEffect, useRef, type MouseEvent } from 'react';
import { HashRouter, NavLink, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { getData } from './api/client';
import type { Session } from './api/types';
import { useApiResource } from './api/useApi';
import { ErrorAlert, Loading } from './components/Feedback';
import { ROUTER_FUTURE } from './routerFuture';
import { SessionContext } from './session';
import { AccountView } from './views/AccountView';
import { DealView } from './views/DealView';
import { PortfolioView } from './views/PortfolioView';
import { RulesView } from './views/RulesView';

/** Loads the session, then shows the workspace, or only the embedded view a CRM record asked for. */
export function App() {
  const { state, reload } = useApiResource('session', () => getData<Session>('/session'));
  if (state.status === 'loading')
    return (
      <main id="main" className="page">
        <Loading>Opening the collections workspace…</Loading>
      </main>
    );
  if (state.status === 'error')
    return (
      <main id="main" className="page">
        <h1>Collections workspace</h1>
        <ErrorAlert title="The workspace could not open" failure={state.failure} onRetry={reload} />
      </main>
    );
  return (
    <SessionContext.Provider value={state.data}>
      <HashRouter future={ROUTER_FUTURE}>
        {state.data.embedded === null ? (
          <Workspace session={state.data} />
        ) : (
          <Embedded session={state.data} />
        )}
      </HashRouter>
    </SessionContext.Provider>
  );
}

function Embedded({ session }: { session: Session }) {
  const embedded = session.embedded;
  if (embedded === null) return null;
  let view;
  if (embedded.view === 'rules') view = <RulesView />;
  else if (embedded.view === 'opportunity-terms')
    view = (
      <DealView
        embedded
        dealId={embedded.crmRecordId ?? embedded.recordId}
        customerId={embedded.customerId ?? embedded.recordId}
      />
    );
  else if (embedded.recordId === null)
    view = (
      <>
        <h1>Account</h1>
        <ErrorAlert
          title="No account to show"
          failure={{ message: 'This record has no billing customer linked to it.' }}
        />
      </>
    );
  else view = <AccountView customerId={embedded.recordId} embedded />;
  return (
    <main id="main" className="page page-embedded">
      {view}
    </main>
  );
}

/** After a route change, focus moves to the new page's heading so a screen reader announces it. */
function useFocusHeadingOnNavigation(): void {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [location.pathname]);
}

function Workspace({ session }: { session: Session }) {
  useFocusHeadingOnNavigation();
  return (
    <>
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Collections</span>
        <nav aria-label="Workspace">
          <ul>
            <li>
              <NavLink to="/" end>
                Portfolio
              </NavLink>
            </li>
            <li>
              <NavLink to="/deals">Deals</NavLink>
            </li>
            <li>
              <NavLink to="/rules">Rules</NavLink>
            </li>
          </ul>
        </nav>
        <span className="who">
          {session.user}
          {session.revops ? ' · RevOps' : ''}
        </span>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<PortfolioView />} />
          <Route path="/accounts/:customerId" element={<AccountRoute />} />
          <Route path="/deals" element={<DealView />} />
          <Route path="/rules" element={<RulesView />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

/** The skip link must not change the hash: the router owns it. */
function skipToMain(event: MouseEvent<HTMLAnchorElement>): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function AccountRoute() {
  const { customerId = '' } = useParams();
  return <AccountView customerId={customerId} />;
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address. <NavLink to="/">Go to the portfolio</NavLink>.
      </p>
    </>
  );
}
