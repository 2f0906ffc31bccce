import { useState } from 'react';
import { Button, DateInput, Flex, Heading, Text, Toggle, type BaseDate } from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import { dateOnly, toCalendarDate } from '../shared/dates';
import { FailureAlert } from '../shared/FailureAlert';
import { useApiAction } from '../shared/useCollectionsApi';
import { parseDocumentText } from '../api/documentText';
import { ruleIdsOf, type SimulateResponse, type SimulationLabels } from '../api/policies';
import type { SimulationRequest } from '../hooks/useRuleSetTools';
import { SummaryTable } from './SummaryTable';

type Props = {
  text: string;
  /** The rule set in force (active version, else the default), to compare the draft against. */
  current: unknown;
  /** Its name in the column, when the backend does not name it ("v3 (in force)"). */
  currentLabel: string;
  onSimulate: (request: SimulationRequest) => Promise<ApiResult<SimulateResponse>>;
};

/** The backend's names for the columns where it gives them, else the page's own. */
function namedColumns(own: string[], named: SimulationLabels | undefined): string[] {
  if (named === undefined) return own;
  return [named.proposed, ...(named.baseline === null ? own.slice(1) : [named.baseline])];
}

export function SimulationPanel({ text, current, currentLabel, onSimulate }: Props) {
  const [from, setFrom] = useState<BaseDate | null>(null);
  const [to, setTo] = useState<BaseDate | null>(null);
  const [compare, setCompare] = useState(true);
  const simulation = useApiAction(onSimulate);
  /** What the last simulation compared, as it was when it ran. */
  const [compared, setCompared] = useState<{ labels: string[]; ruleIds: string[] }>({
    labels: [],
    ruleIds: [],
  });
  const ready = from !== null && to !== null;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Simulate on past invoices</Heading>
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <DateInput
          label="From"
          name="simulateFrom"
          value={from ?? undefined}
          onChange={(value) => setFrom(dateOnly(value))}
        />
        <DateInput
          label="To"
          name="simulateTo"
          value={to ?? undefined}
          onChange={(value) => setTo(dateOnly(value))}
        />
        <Toggle
          label="Compare with the rules in force"
          name="simulateCompare"
          checked={compare}
          onChange={setCompare}
        />
        <Button
          testId="simulate"
          disabled={!ready || simulation.state.status === 'running'}
          onClick={() => {
            if (from === null || to === null) return;
            const draft = parseDocumentText(text);
            const draftIds = draft.ok ? ruleIdsOf(draft.value) : [];
            setCompared({
              labels: compare ? ['Draft', currentLabel] : ['Draft'],
              ruleIds: [...new Set([...draftIds, ...(compare ? ruleIdsOf(current) : [])])],
            });
            void simulation.run({
              text,
              from: toCalendarDate(from),
              to: toCalendarDate(to),
              against: compare ? current : undefined,
            });
          }}
        >
          Simulate
        </Button>
      </Flex>
      {simulation.state.status === 'running' ? <Text>Replaying the history…</Text> : null}
      {simulation.state.status === 'done' ? (
        <SummaryTable
          summaries={simulation.state.value.summaries}
          labels={namedColumns(compared.labels, simulation.state.value.labels)}
          ruleIds={compared.ruleIds}
        />
      ) : null}
      {simulation.state.status === 'failed' ? (
        <FailureAlert title="The simulation failed" failure={simulation.state.failure} />
      ) : null}
    </Flex>
  );
}
