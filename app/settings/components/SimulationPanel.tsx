import { useState } from 'react';
import { Button, DateInput, Flex, Heading, Text, Toggle, type BaseDate } from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import { dateOnly, toCalendarDate } from '../shared/dates';
import { FailureAlert } from '../shared/FailureAlert';
import { useApiAction } from '../shared/useCollectionsApi';
import type { SimulateResponse } from '../api/policies';
import type { SimulationRequest } from '../hooks/useRuleSetTools';
import { SummaryTable } from './SummaryTable';

type Props = {
  text: string;
  /** The rule set in force (active version, else the default), to compare the draft against. */
  current: unknown;
  onSimulate: (request: SimulationRequest) => Promise<ApiResult<SimulateResponse>>;
};

export function SimulationPanel({ text, current, onSimulate }: Props) {
  const [from, setFrom] = useState<BaseDate | null>(null);
  const [to, setTo] = useState<BaseDate | null>(null);
  const [compare, setCompare] = useState(true);
  const simulation = useApiAction(onSimulate);
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
          labels={compare ? ['Draft', 'In force'] : ['Draft']}
        />
      ) : null}
      {simulation.state.status === 'failed' ? (
        <FailureAlert title="The simulation failed" failure={simulation.state.failure} />
      ) : null}
    </Flex>
  );
}
