import { Button, EmptyState, ErrorState, Text } from '@hubspot/ui-extensions';
import type { ApiFailure } from '../shared/collectionsApi';

export function LoadFailure({ failure, onRetry }: { failure: ApiFailure; onRetry: () => void }) {
  return (
    <ErrorState title="Collections data could not be loaded">
      <Text>{failure.message}</Text>
      <Button onClick={onRetry}>Try again</Button>
    </ErrorState>
  );
}

export function NoBillingData({ message }: { message: string }) {
  return (
    <EmptyState title="No billing data for this company" imageName="companies" layout="vertical">
      <Text>{message}</Text>
    </EmptyState>
  );
}
