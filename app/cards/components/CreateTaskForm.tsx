import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  DateInput,
  Flex,
  Form,
  Heading,
  Input,
  Select,
  Text,
  type BaseDate,
} from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import type { TaskInput, TaskPriority, TaskResponse } from '../api/accountView';
import { useApiAction } from '../shared/useCollectionsApi';
import { dateOnly, toCalendarDate, todayAsBaseDate } from '../shared/dates';
import { FailureAlert } from '../shared/FailureAlert';

const PRIORITIES: { label: string; value: TaskPriority }[] = [
  { label: 'Low', value: 'low' },
  { label: 'Medium', value: 'medium' },
  { label: 'High', value: 'high' },
];

function isPriority(value: unknown): value is TaskPriority {
  return PRIORITIES.some((option) => option.value === value);
}

export function CreateTaskForm({
  onCreate,
}: {
  onCreate: (input: TaskInput) => Promise<ApiResult<TaskResponse>>;
}) {
  const [title, setTitle] = useState('');
  const [dueOn, setDueOn] = useState<BaseDate | null>(null);
  const [priority, setPriority] = useState<TaskPriority>('medium');
  const [showErrors, setShowErrors] = useState(false);
  const create = useApiAction(onCreate);

  useEffect(() => {
    if (create.state.status !== 'done') return;
    setTitle('');
    setDueOn(null);
    setShowErrors(false);
  }, [create.state.status]);

  const submit = () => {
    setShowErrors(true);
    if (title.trim() === '' || dueOn === null) return;
    void create.run({ title: title.trim(), dueOn: toCalendarDate(dueOn), priority });
  };

  return (
    <Flex direction="column" gap="sm">
      <Heading>New collections task</Heading>
      <Form onSubmit={submit} preventDefault testId="task-form">
        <Flex direction="column" gap="sm">
          <Input
            label="Title"
            name="taskTitle"
            required
            value={title}
            onChange={setTitle}
            error={showErrors && title.trim() === ''}
            validationMessage={showErrors && title.trim() === '' ? 'Give the task a title' : undefined}
          />
          <DateInput
            label="Due"
            name="taskDueOn"
            required
            value={dueOn ?? undefined}
            min={todayAsBaseDate()}
            onChange={(value) => setDueOn(dateOnly(value))}
            error={showErrors && dueOn === null}
            validationMessage={showErrors && dueOn === null ? 'Pick a due date' : undefined}
          />
          <Select
            label="Priority"
            name="taskPriority"
            value={priority}
            options={PRIORITIES}
            onChange={(value) => {
              if (isPriority(value)) setPriority(value);
            }}
          />
          <Button type="submit" variant="primary" disabled={create.state.status === 'running'}>
            Create task
          </Button>
        </Flex>
      </Form>
      {create.state.status === 'done' ? (
        <Alert title="Task created" variant="success">
          <Text>{`${create.state.value.task.title}, due ${create.state.value.task.dueOn}`}</Text>
        </Alert>
      ) : null}
      {create.state.status === 'failed' ? (
        <FailureAlert title="Could not create the task" failure={create.state.failure} />
      ) : null}
    </Flex>
  );
}
