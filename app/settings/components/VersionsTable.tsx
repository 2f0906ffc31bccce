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
};

export function VersionsTable({ versions, onRollback, busy }: Props) {
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
        </TableRow>
      </TableHead>
      <TableBody>
        {versions.map((version) => (
          <TableRow key={version.version}>
            <TableCell>{version.version}</TableCell>
            <TableCell>{version.createdAt}</TableCell>
            <TableCell>{version.createdBy}</TableCell>
            <TableCell>{version.note === '' ? '—' : version.note}</TableCell>
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
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
