import { useState } from 'react';
import {
  Alert,
  Button,
  DateInput,
  Flex,
  Form,
  Heading,
  Input,
  Text,
  type BaseDate,
} from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import type { AccountCardView, PauseInput, PauseResponse, ResumeResponse } from '../api/accountView';
import { useApiAction } from '../shared/useCollectionsApi';
import { dateOnly, toCalendarDate, todayAsBaseDate } from '../shared/dates';
import { FailureAlert } from '../shared/FailureAlert';

type Props = {
  paused: AccountCardView['paused'];
  onPause: (input: PauseInput) => Promise<ApiResult<PauseResponse>>;
  onResume: () => Promise<ApiResult<ResumeResponse>>;
};

/** The escape hatch: stop the collections automation for this account until a date, or resume it. */
export function PauseAutomationForm({ paused, onPause, onResume }: Props) {
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState<BaseDate | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const pause = useApiAction(onPause);
  const resume = useApiAction(onResume);

  const submit = () => {
    setShowErrors(true);
    if (reason.trim() === '' || until === null) return;
    resume.reset();
    void pause.run({ reason: reason.trim(), until: toCalendarDate(until) });
  };

  return (
    <Flex direction="column" gap="sm">
      <Heading>Collections automation</Heading>
      {paused === null ? (
        <Form onSubmit={submit} preventDefault testId="pause-form">
          <Flex direction="column" gap="sm">
            <Input
              label="Reason"
              name="pauseReason"
              required
              value={reason}
              onChange={setReason}
              error={showErrors && reason.trim() === ''}
              validationMessage={showErrors && reason.trim() === '' ? 'Say why automation stops' : undefined}
            />
            <DateInput
              label="Paused until"
              name="pauseUntil"
              required
              value={until ?? undefined}
              min={todayAsBaseDate()}
              onChange={(value) => setUntil(dateOnly(value))}
              error={showErrors && until === null}
              validationMessage={showErrors && until === null ? 'Pick the day automation resumes' : undefined}
            />
            <Button type="submit" variant="primary" disabled={pause.state.status === 'running'}>
              Pause automation
            </Button>
          </Flex>
        </Form>
      ) : (
        <Flex direction="column" gap="xs">
          <Text>{`Paused until ${paused.until}: ${paused.reason}`}</Text>
          <Button
            testId="resume-button"
            onClick={() => {
              pause.reset();
              void resume.run();
            }}
            disabled={resume.state.status === 'running'}
          >
            Resume automation
          </Button>
        </Flex>
      )}
      {pause.state.status === 'done' ? (
        <Alert title="Automation paused" variant="success">
          <Text>{`Until ${pause.state.value.paused.until}.`}</Text>
        </Alert>
      ) : null}
      {pause.state.status === 'failed' ? (
        <FailureAlert title="Could not pause" failure={pause.state.failure} />
      ) : null}
      {resume.state.status === 'done' ? (
        <Alert
          title={resume.state.value.resumed ? 'Automation resumed' : 'Automation was not paused'}
          variant="success"
        />
      ) : null}
      {resume.state.status === 'failed' ? (
        <FailureAlert title="Could not resume" failure={resume.state.failure} />
      ) : null}
    </Flex>
  );
}
