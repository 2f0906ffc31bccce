import {
  DescriptionList,
  DescriptionListItem,
  Flex,
  Heading,
  List,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import type { AcceptResponse, TermOptionView, TermsRecommendation } from '../api/paymentTerms';
import { AcceptTermsForm } from './AcceptTermsForm';

const TIER_VARIANT = { low: 'success', medium: 'warning', high: 'error' } as const;

function percent(probability: number): string {
  return `${Math.round(probability * 100)}%`;
}

/** Days from signing to cash: one figure for one invoice, first–last for several. */
function cashFromSigning(estimate: TermOptionView['estimate']): string {
  const first = Math.round(estimate.daysFromSigningToFirstCash);
  if (estimate.invoices === 1) return String(first);
  return `${first}–${Math.round(estimate.daysFromSigningToLastCash)}`;
}

function OptionsTable({ options }: { options: TermOptionView[] }) {
  return (
    <Table bordered density="condensed">
      <TableHead>
        <TableRow>
          <TableHeader>Option</TableHeader>
          <TableHeader align="right">Days from signing to cash</TableHeader>
          <TableHeader align="right">Late</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {options.map((option) => (
          <TableRow key={option.id}>
            <TableCell>
              <Flex direction="column" gap="flush">
                <Flex direction="row" gap="xs" align="center">
                  <Text format={{ fontWeight: option.recommended ? 'bold' : 'regular' }}>
                    {`${option.rank}. ${option.label}`}
                  </Text>
                  {option.recommended ? <Tag variant="success">Recommended</Tag> : null}
                </Flex>
                <Text variant="microcopy">{option.summary}</Text>
              </Flex>
            </TableCell>
            <TableCell align="right">{cashFromSigning(option.estimate)}</TableCell>
            <TableCell align="right">{percent(option.estimate.probabilityLate)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

type Props = {
  recommendation: TermsRecommendation;
  onAccept: (optionId: string) => Promise<ApiResult<AcceptResponse>>;
};

export function TermsRecommendationView({ recommendation, onAccept }: Props) {
  const ranked = [...recommendation.options].sort((a, b) => a.rank - b.rank);
  // Options with exactly the figures of one ranked above them are shown as one (the notes name them).
  const allowed = ranked.filter((option) => option.allowed && option.sameFiguresAs === null);
  const blocked = ranked.filter((option) => !option.allowed);
  const recommended = ranked.find((option) => option.id === recommendation.recommended) ?? null;
  const { risk } = recommendation.buyer;
  return (
    <Flex direction="column" gap="sm">
      <Heading>
        {recommended === null ? 'No option fits this deal' : `Recommended: ${recommended.label}`}
      </Heading>
      <Text>{recommendation.explanation}</Text>
      {recommendation.notes.length === 0 ? null : (
        <List variant="unordered">
          {recommendation.notes.map((note) => (
            <Text key={note} variant="microcopy">
              {note}
            </Text>
          ))}
        </List>
      )}
      <DescriptionList direction="column">
        {recommendation.buyer.kind === 'prospect' ? (
          <DescriptionListItem label="Buyer">
            <Text>Prospect without billing history: terms from similar companies</Text>
          </DescriptionListItem>
        ) : (
          <DescriptionListItem label="Buyer risk">
            <Flex direction="row" gap="xs" align="center">
              <Text format={{ fontWeight: 'bold' }}>{String(risk.score)}</Text>
              <Tag variant={TIER_VARIANT[risk.tier]}>{`${risk.tier} risk`}</Tag>
            </Flex>
          </DescriptionListItem>
        )}
        <DescriptionListItem label="Guardrail policy">
          <Text>{`${recommendation.policy.id}: ${recommendation.policy.riskTier} tier (${recommendation.policy.relativeRiskText})`}</Text>
        </DescriptionListItem>
      </DescriptionList>
      {allowed.length === 0 ? (
        <Text>No option is allowed by the guardrails.</Text>
      ) : (
        <OptionsTable options={allowed} />
      )}
      {blocked.length === 0 ? null : (
        <Flex direction="column" gap="xs">
          <Text format={{ fontWeight: 'demibold' }}>Blocked by the guardrails</Text>
          <List variant="unordered">
            {blocked.map((option) => (
              <Text key={option.id}>{`${option.label}: ${option.blockedBy.join('; ')}`}</Text>
            ))}
          </List>
        </Flex>
      )}
      {allowed.length === 0 ? null : (
        <AcceptTermsForm options={allowed} recommendedId={recommended?.id ?? null} onAccept={onAccept} />
      )}
    </Flex>
  );
}
