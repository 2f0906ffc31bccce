import {
  DescriptionList,
  DescriptionListItem,
  Flex,
  LoadingSpinner,
  StatusTag,
  Text,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import type { AccountCardView } from './api/accountView';
import { RenewalText, RiskTag } from './components/RiskAndRenewal';
import { openPromiseText } from './components/PromisesSection';
import { LoadFailure, NoBillingData } from './components/States';
import { useAccountCollections } from './hooks/useAccountCollections';

hubspot.extend<'crm.record.sidebar'>(() => <CollectionsSidebar />);

export function CollectionsSidebar() {
  const context = useExtensionContext<'crm.record.sidebar'>();
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
        <AccountGlance view={state.data.view} />
      );
  }
}

function AccountGlance({ view }: { view: AccountCardView }) {
  const overdue = view.balances.filter((balance) => balance.overdue.minor > 0);
  const openPromise = view.promises?.open[0];
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="xs" align="center">
        <StatusTag variant={view.statusVariant}>{view.statusLabel}</StatusTag>
        {view.paused === null ? null : <Text variant="microcopy">{`paused until ${view.paused.until}`}</Text>}
      </Flex>
      <DescriptionList direction="column">
        <DescriptionListItem label="Overdue">
          <Text>
            {overdue.length === 0
              ? 'Nothing overdue'
              : `${overdue.map((balance) => balance.overdue.text).join(', ')}, oldest ${view.oldestDaysPastDue} days`}
          </Text>
        </DescriptionListItem>
        <DescriptionListItem label="Payment risk">
          {view.risk === null ? (
            <Text>Not scored yet</Text>
          ) : (
            <Flex direction="row" gap="xs" align="center">
              <Text format={{ fontWeight: 'bold' }}>{String(view.risk.score)}</Text>
              <RiskTag risk={view.risk} />
            </Flex>
          )}
        </DescriptionListItem>
        <DescriptionListItem label="Renewal">
          {view.renewal === null ? <Text>No renewal date</Text> : <RenewalText renewal={view.renewal} />}
        </DescriptionListItem>
      </DescriptionList>
      {openPromise === undefined ? null : <Text testId="open-promise">{openPromiseText(openPromise)}</Text>}
    </Flex>
  );
}
