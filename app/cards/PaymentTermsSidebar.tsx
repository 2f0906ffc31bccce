import { EmptyState, LoadingSpinner, Text, hubspot, useExtensionContext } from '@hubspot/ui-extensions';
import { TermsRecommendationView } from './components/TermsRecommendationView';
import { LoadFailure } from './components/States';
import { usePaymentTerms } from './hooks/usePaymentTerms';

hubspot.extend<'crm.record.sidebar'>(() => <PaymentTermsSidebar />);

export function PaymentTermsSidebar() {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const terms = usePaymentTerms(String(context.crm.objectId));
  const { state } = terms;
  switch (state.status) {
    case 'loading':
      return <LoadingSpinner label="Working out the payment terms" layout="centered" />;
    case 'error':
      return <LoadFailure failure={state.failure} onRetry={terms.reload} />;
    case 'success':
      return state.data.kind === 'incomplete' ? (
        <EmptyState title="Payment terms need more about the deal" imageName="deals" layout="vertical">
          <Text>{state.data.message}</Text>
        </EmptyState>
      ) : (
        <TermsRecommendationView recommendation={state.data.recommendation} onAccept={terms.accept} />
      );
  }
}
