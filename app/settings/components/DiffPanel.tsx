import { useState } from 'react';
import {
  Button,
  Flex,
  Heading,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import { FailureAlert } from '../shared/FailureAlert';
import { useApiAction } from '../shared/useCollectionsApi';
import type { DiffResponse, RuleSetChange, VersionSummary } from '../api/policies';

function where(change: RuleSetChange): string {
  return change.kind === 'moved' ? change.ruleId : change.path;
}

function what(change: RuleSetChange): string {
  switch (change.kind) {
    case 'added':
      return `rule ${change.ruleId} added`;
    case 'removed':
      return `rule ${change.ruleId} removed`;
    case 'moved':
      return `moved from position ${change.from + 1} to ${change.to + 1}`;
    case 'changed':
      return `${JSON.stringify(change.before) ?? 'nothing'} → ${JSON.stringify(change.after) ?? 'nothing'}`;
  }
}

type Props = {
  versions: VersionSummary[];
  onDiff: (from: number, to: number) => Promise<ApiResult<DiffResponse>>;
};

export function DiffPanel({ versions, onDiff }: Props) {
  const options = versions.map((version) => ({
    label: `Version ${version.version}`,
    value: version.version,
  }));
  const [from, setFrom] = useState<number | null>(versions[1]?.version ?? null);
  const [to, setTo] = useState<number | null>(versions[0]?.version ?? null);
  const diff = useApiAction(onDiff);
  if (versions.length < 2) return null;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Compare versions</Heading>
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <Select
          label="From"
          name="diffFrom"
          value={from ?? undefined}
          options={options}
          onChange={(value) => setFrom(Number(value))}
        />
        <Select
          label="To"
          name="diffTo"
          value={to ?? undefined}
          options={options}
          onChange={(value) => setTo(Number(value))}
        />
        <Button
          testId="diff"
          disabled={from === null || to === null || diff.state.status === 'running'}
          onClick={() => {
            if (from !== null && to !== null) void diff.run(from, to);
          }}
        >
          Compare
        </Button>
      </Flex>
      {diff.state.status === 'done' && diff.state.value.changes.length === 0 ? (
        <Text>No differences.</Text>
      ) : null}
      {diff.state.status === 'done' && diff.state.value.changes.length > 0 ? (
        <Table bordered density="condensed">
          <TableHead>
            <TableRow>
              <TableHeader>Change</TableHeader>
              <TableHeader>Where</TableHeader>
              <TableHeader>What</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {diff.state.value.changes.map((change, index) => (
              <TableRow key={`${index} ${where(change)}`}>
                <TableCell>{change.kind}</TableCell>
                <TableCell>{where(change)}</TableCell>
                <TableCell>{what(change)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {diff.state.status === 'failed' ? (
        <FailureAlert title="Could not compare" failure={diff.state.failure} />
      ) : null}
    </Flex>
  );
}
