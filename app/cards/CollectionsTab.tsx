import { Divider, Flex, LoadingSpinner, hubspot, useExtensionContext } from '@hubspot/ui-extensions';
import type { AccountCardView } from './api/accountView';
import { AccountSummary } from './components/AccountSummary';
import { BalancesSection } from './components/BalancesSection';
import { CreateTaskForm } from './components/CreateTaskForm';
import { NextStepAndTasks } from './components/NextStepAndTasks';
import { OpenInvoicesTable } from './components/OpenInvoicesTable';
import { PauseAutomationForm } from './components/PauseAutomationForm';
import { PaymentIssues } from './components/PaymentIssues';
import { PromisesSection } from './components/PromisesSection';
import { PromiseToPayForm } from './components/PromiseToPayForm';
import { RiskAndRenewal } from './components/RiskAndRenewal';
import { LoadFailure, NoBillingData } from './components/States';
import { useAccountCollections, type AccountCollectionsApi } from './hooks/useAccountCollections';

hubspot.extend<'crm.record.tab'>(() => <CollectionsTab />);

export function CollectionsTab() {
  const context = useExtensionContext<'crm.record.tab'>();
  const collections = useAccountCollections(String(context.crm.objectId));
  const { state } = collections;
  switch (state.status) {
    case 'loading':
      return <LoadingSpinner label="Loading the billing account" layout="centered" />;
    case 'error':
      return <LoadFailure failure={state.failure} onRetry={collections.reload} />;
    case 'success':
      return state.data.kind === 'no_billing_data' ? (
        <NoBillingData message={state.data.message} />
      ) : (
        <AccountTab view={state.data.view} collections={collections} />
      );
  }
}

function AccountTab({ view, collections }: { view: AccountCardView; collections: AccountCollectionsApi }) {
  return (
    <Flex direction="column" gap="md">
      <AccountSummary view={view} />
      <BalancesSection view={view} />
      <OpenInvoicesTable invoices={view.openInvoices} />
      <PaymentIssues view={view} />
      <RiskAndRenewal view={view} />
      <PromisesSection promises={view.promises} />
      <NextStepAndTasks view={view} />
      <Divider />
      <PauseAutomationForm paused={view.paused} onPause={collections.pause} onResume={collections.resume} />
      <PromiseToPayForm view={view} onRecord={collections.recordPromise} />
      <CreateTaskForm onCreate={collections.createTask} />
    </Flex>
  );
}
