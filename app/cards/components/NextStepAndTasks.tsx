import {
  Alert,
  Flex,
  Heading,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { AccountCardView } from '../api/accountView';

const PRIORITY_VARIANT: Record<string, 'default' | 'warning' | 'error'> = {
  high: 'error',
  medium: 'warning',
};

export function NextStepAndTasks({ view }: { view: AccountCardView }) {
  const step = view.nextStep;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Next step and tasks</Heading>
      {step === null ? (
        <Text>Nothing is due under the active rules today.</Text>
      ) : (
        <Alert title={`Recommended next step: ${step.title}`} variant="tip">
          <Flex direction="row" gap="xs" align="center" wrap="wrap">
            <Text>{`Due ${step.dueOn}, for ${step.assignee} (rule ${step.ruleId})`}</Text>
            {step.tone === null ? null : <Tag variant="info">{`Tone: ${step.tone}`}</Tag>}
          </Flex>
        </Alert>
      )}
      {view.tasks.length === 0 ? (
        <Text>No open tasks.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Task</TableHeader>
              <TableHeader>Due</TableHeader>
              <TableHeader>Priority</TableHeader>
              <TableHeader>State</TableHeader>
              <TableHeader>Assignee</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {view.tasks.map((task) => (
              <TableRow key={task.taskId}>
                <TableCell>{task.title}</TableCell>
                <TableCell>{task.dueOn}</TableCell>
                <TableCell>
                  <Tag variant={PRIORITY_VARIANT[task.priority] ?? 'default'}>{task.priority}</Tag>
                </TableCell>
                <TableCell>{task.state}</TableCell>
                <TableCell>{task.assignee}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
