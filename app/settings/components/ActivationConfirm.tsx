import { useState } from 'react';
import {
  Alert,
  Button,
  ButtonRow,
  Flex,
  Heading,
  Input,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
  Tile,
} from '@hubspot/ui-extensions';
import type { ApiFailure } from '../shared/collectionsApi';
import { FailureAlert } from '../shared/FailureAlert';
import type { ActivationPreview, Impact } from '../api/policies';

type ImpactRow = {
  label: string;
  value: (impact: Impact) => number | null;
  text?: (impact: Impact) => string;
};

/** "3 of at most 2 (over the cap)": the most contacts one account had in a week, against the cap. */
export function againstCap(max: number, cap: number): string {
  return `${max} of at most ${cap}${max > cap ? ' (over the cap)' : ''}`;
}

const IMPACT_ROWS: ImpactRow[] = [
  { label: 'Tasks', value: (impact) => impact.tasks },
  { label: 'Accounts contacted', value: (impact) => impact.accountsContacted },
  { label: 'Contacts in the renewal window', value: (impact) => impact.contactsInRenewalWindow },
  {
    label: 'Peak tasks for one assignee in a week',
    value: (impact) => impact.peakTasksPerAssignee?.tasks ?? null,
    text: (impact) =>
      impact.peakTasksPerAssignee === null
        ? 'none'
        : `${impact.peakTasksPerAssignee.tasks} (${impact.peakTasksPerAssignee.assignee.replace(/_/g, ' ')})`,
  },
  {
    label: 'Most contacts to one account in a week, against the cap',
    value: (impact) => impact.maxContactsPerAccountWeek,
    text: (impact) => againstCap(impact.maxContactsPerAccountWeek, impact.contactCapPerWeek),
  },
];

export function change(before: number | null, after: number | null): string {
  if (before === null || after === null) return '—';
  const difference = after - before;
  if (difference === 0) return 'same';
  return `${difference > 0 ? '+' : '−'}${Math.abs(difference)}`;
}

function ComparedHead({ preview, first }: { preview: ActivationPreview; first: string }) {
  return (
    <TableHead>
      <TableRow>
        <TableHeader>{first}</TableHeader>
        <TableHeader align="right">{preview.against.label}</TableHeader>
        <TableHeader align="right">{preview.proposed.label}</TableHeader>
        <TableHeader align="right">Change</TableHeader>
      </TableRow>
    </TableHead>
  );
}

function ImpactTables({ preview }: { preview: ActivationPreview }) {
  const { active, proposed } = preview.impact;
  const shown = (row: ImpactRow, impact: Impact) =>
    row.text === undefined ? String(row.value(impact) ?? '—') : row.text(impact);
  return (
    <>
      <Table bordered density="condensed">
        <ComparedHead preview={preview} first="Measure" />
        <TableBody>
          {IMPACT_ROWS.map((row) => (
            <TableRow key={row.label}>
              <TableCell>{row.label}</TableCell>
              <TableCell align="right">{shown(row, active)}</TableCell>
              <TableCell align="right">{shown(row, proposed)}</TableCell>
              <TableCell align="right">{change(row.value(active), row.value(proposed))}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Text variant="microcopy">Tasks by rule, 0 for a rule that never fires:</Text>
      <Table bordered density="condensed">
        <ComparedHead preview={preview} first="Rule" />
        <TableBody>
          {preview.rules.map((rule) => (
            <TableRow key={rule.id}>
              <TableCell>
                {rule.label === rule.id || rule.label === '' ? rule.id : `${rule.id} ${rule.label}`}
              </TableCell>
              <TableCell align="right">{rule.active.tasks}</TableCell>
              <TableCell align="right">{rule.proposed.tasks}</TableCell>
              <TableCell align="right">{change(rule.active.tasks, rule.proposed.tasks)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

const HANDLED = ['note_required', 'confirmation_required', 'identical_to_active'];

/**
 * The refusal's code. hubspot.fetch may withhold the body of a non-2xx answer, so the statuses the
 * activation route gives only these refusals stand for them.
 */
export function refusalOf(failure: ApiFailure): string | null {
  if (failure.code !== null) return failure.code;
  if (failure.status === 428) return 'confirmation_required';
  if (failure.status === 409) return 'identical_to_active';
  return null;
}

function Failure({ failure, onPreviewAgain }: { failure: ApiFailure; onPreviewAgain: () => void }) {
  const code = refusalOf(failure);
  if (code === 'confirmation_required')
    return (
      <Alert title="The active version changed since this preview" variant="warning">
        <Text>Review the impact against the version now active before activating.</Text>
        <Button testId="preview-again" onClick={onPreviewAgain}>
          Review the impact again
        </Button>
      </Alert>
    );
  if (code === 'identical_to_active')
    return (
      <Alert title="Nothing to activate" variant="info">
        <Text>This rule set is the same as the active version.</Text>
      </Alert>
    );
  if (HANDLED.includes(code ?? '')) return null;
  return <FailureAlert title="Not activated" failure={failure} />;
}

type Props = {
  preview: ActivationPreview;
  busy: boolean;
  failure: ApiFailure | null;
  onConfirm: (note: string) => void;
  onPreviewAgain: () => void;
  onCancel: () => void;
};

/**
 * The step between "Activate" and a new version: the simulated impact against the active version,
 * every rule with its tasks, and a required note. An identical draft is refused here already.
 */
export function ActivationConfirm({ preview, busy, failure, onConfirm, onPreviewAgain, onCancel }: Props) {
  const [note, setNote] = useState('');
  if (preview.identicalToActive)
    return (
      <Tile testId="activation-confirm">
        <Flex direction="column" gap="sm">
          <Heading>Confirm activation</Heading>
          <Alert title="Nothing to activate" variant="info">
            <Text>{`This is the same rule set as ${preview.against.label}: there is nothing to activate. Change a rule first.`}</Text>
          </Alert>
          <Button testId="close-activation" variant="secondary" onClick={onCancel}>
            Close
          </Button>
        </Flex>
      </Tile>
    );
  const noteMissing = failure !== null && refusalOf(failure) === 'note_required';
  return (
    <Tile testId="activation-confirm">
      <Flex direction="column" gap="sm">
        <Heading>Confirm activation</Heading>
        <Text>
          {`Simulated over the last ${preview.windowDays} days (${preview.from} to ${preview.to}): the ${preview.proposed.label} rules against ${preview.against.label}. Nothing changes until you confirm.`}
        </Text>
        <ImpactTables preview={preview} />
        <Input
          label="Note for the audit log"
          name="activationNote"
          required
          value={note}
          onChange={setNote}
          error={noteMissing}
          validationMessage={noteMissing ? 'Say why the rules change' : undefined}
        />
        <ButtonRow>
          <Button
            testId="confirm-activation"
            variant="primary"
            disabled={note.trim() === '' || busy}
            onClick={() => onConfirm(note.trim())}
          >
            Confirm and activate
          </Button>
          <Button testId="cancel-activation" variant="secondary" disabled={busy} onClick={onCancel}>
            Cancel
          </Button>
        </ButtonRow>
        {failure === null ? null : <Failure failure={failure} onPreviewAgain={onPreviewAgain} />}
      </Flex>
    </Tile>
  );
}
