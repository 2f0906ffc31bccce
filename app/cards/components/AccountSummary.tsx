import { Alert, Flex, Heading, StatusTag, Tag, Text } from '@hubspot/ui-extensions';
import type { AccountCardView } from '../api/accountView';

export function AccountSummary({ view }: { view: AccountCardView }) {
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="center" wrap="wrap">
        <Heading inline>{view.name ?? view.customerId}</Heading>
        <StatusTag variant={view.statusVariant}>{view.statusLabel}</StatusTag>
        {view.situations.map((situation) => (
          <Tag key={situation} variant="default">
            {situation}
          </Tag>
        ))}
      </Flex>
      <Text variant="microcopy">{`Billing account ${view.customerId}, as of ${view.asOf}`}</Text>
      {view.paused === null ? null : (
        <Alert title={`Automation paused until ${view.paused.until}`} variant="info">
          <Text>{view.paused.reason}</Text>
        </Alert>
      )}
    </Flex>
  );
}
