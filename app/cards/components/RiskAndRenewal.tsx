import {
  Alert,
  DescriptionList,
  DescriptionListItem,
  Flex,
  Heading,
  List,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { AccountCardView } from '../api/accountView';

const TIER_VARIANT = { low: 'success', medium: 'warning', high: 'error' } as const;

export function RiskTag({ risk }: { risk: NonNullable<AccountCardView['risk']> }) {
  return <Tag variant={TIER_VARIANT[risk.tier]}>{`${risk.tier} risk`}</Tag>;
}

export function RenewalText({ renewal }: { renewal: NonNullable<AccountCardView['renewal']> }) {
  const when = renewal.daysTo >= 0 ? `in ${renewal.daysTo} days` : `${-renewal.daysTo} days ago`;
  return (
    <Flex direction="row" gap="xs" align="center" wrap="wrap">
      <Text format={renewal.inWindow ? { fontWeight: 'bold' } : {}}>{`${renewal.on} (${when})`}</Text>
      {renewal.inWindow ? <Tag variant="warning">In renewal window</Tag> : null}
    </Flex>
  );
}

function Reasons({ title, items }: { title: string; items: string[] }) {
  if (items.length === 0) return null;
  return (
    <Flex direction="column" gap="xs">
      <Text format={{ fontWeight: 'demibold' }}>{title}</Text>
      <List variant="unordered">
        {items.map((item) => (
          <Text key={item}>{item}</Text>
        ))}
      </List>
    </Flex>
  );
}

export function RiskAndRenewal({ view }: { view: AccountCardView }) {
  return (
    <Flex direction="column" gap="sm">
      <Heading>Risk and renewal</Heading>
      <DescriptionList direction="row">
        <DescriptionListItem label="Payment risk score">
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
      {view.cardExpiry ? (
        <Alert title="Card on file will fail" variant="warning">
          {`${view.cardExpiry.text}: ask for an updated card before the charge.`}
        </Alert>
      ) : null}
      {view.risk === null ? null : (
        <Flex direction="row" gap="lg" wrap="wrap">
          <Reasons title="Raises the risk" items={view.risk.reasons} />
          <Reasons title="Mitigating factors" items={view.risk.mitigating} />
        </Flex>
      )}
    </Flex>
  );
}
