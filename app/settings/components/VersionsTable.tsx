import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { VersionSummary } from '../api/policies';

type Props = {
  versions: VersionSummary[];
  onRollback: (version: number) => void;
  busy: boolean;
  /** Puts a stored version's text, as written, into the editor. */
  onOpen?: (source: string) => void;
};

export function VersionsTable({ versions, onRollback, busy, onOpen }: Props) {
  const openable = onOpen !== undefined && versions.some((version) => version.source !== undefined);
  if (versions.length === 0) return <Text>No version stored yet: the default applies.</Text>;
  return (
    <Table bordered density="condensed">
      <TableHead>
        <TableRow>
          <TableHeader>Version</TableHeader>
          <TableHeader>Created</TableHeader>
          <TableHeader>By</TableHeader>
          <TableHeader>Note</TableHeader>
          <TableHeader>State</TableHeader>
          {openable ? <TableHeader>Text</TableHeader> : null}
        </TableRow>
      </TableHead>
      <TableBody>
        {versions.map((version) => (
          <TableRow key={version.version}>
            <TableCell>{version.version === 0 ? '0 (default playbook)' : version.version}</TableCell>
            <TableCell>{version.createdAt}</TableCell>
            <TableCell>{version.createdBy}</TableCell>
            <TableCell>{version.note === null || version.note === '' ? '—' : version.note}</TableCell>
            <TableCell>
              {version.active ? (
                <Tag variant="success">Active</Tag>
              ) : (
                <Button
                  size="xs"
                  testId={`rollback-${version.version}`}
                  disabled={busy}
                  onClick={() => onRollback(version.version)}
                >
                  {`Roll back to ${version.version}`}
                </Button>
              )}
            </TableCell>
            {openable ? (
              <TableCell>
                {version.source === undefined ? (
                  '—'
                ) : (
                  <Button
                    size="xs"
                    variant="secondary"
                    testId={`open-${version.version}`}
                    onClick={() => onOpen?.(version.source ?? '')}
                  >
                    Open in the editor
                  </Button>
                )}
              </TableCell>
            ) : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
