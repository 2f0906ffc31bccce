import { useState, type ReactNode } from 'react';
import {
  Alert,
  Button,
  ButtonRow,
  ErrorState,
  Flex,
  Heading,
  Input,
  LoadingSpinner,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import { FailureAlert } from '../shared/FailureAlert';
import { useApiAction } from '../shared/useCollectionsApi';
import { toDocumentText } from '../api/documentText';
import { describeValid, type PolicyDocuments, type PolicyKind } from '../api/policies';
import { usePolicyDocument, type PolicyDocumentApi } from '../hooks/usePolicyDocument';
import { VersionsTable } from './VersionsTable';

/** Extra tools under the editor (the rule set's simulation and diff), given the draft and the data. */
export type PolicyTools = (draft: { text: string; documents: PolicyDocuments }) => ReactNode;

export function PolicySection({ kind, tools }: { kind: PolicyKind; tools?: PolicyTools }) {
  const policy = usePolicyDocument(kind);
  const { state } = policy;
  switch (state.status) {
    case 'loading':
      return <LoadingSpinner label={`Loading ${kind.title.toLowerCase()}`} />;
    case 'error':
      return (
        <ErrorState title={`${kind.title} could not be loaded`}>
          <Text>{state.failure.message}</Text>
          <Button onClick={policy.reload}>Try again</Button>
        </ErrorState>
      );
    case 'success':
      return <PolicyEditor kind={kind} documents={state.data} policy={policy} tools={tools} />;
  }
}

type EditorProps = {
  kind: PolicyKind;
  documents: PolicyDocuments;
  policy: PolicyDocumentApi;
  tools: PolicyTools | undefined;
};

function PolicyEditor({ kind, documents, policy, tools }: EditorProps) {
  const [text, setText] = useState(() =>
    toDocumentText(documents.active?.document ?? documents.defaultDocument),
  );
  const [note, setNote] = useState('');
  const [noteMissing, setNoteMissing] = useState(false);
  const validation = useApiAction(policy.validate);
  const activation = useApiAction(policy.activate);
  const rollback = useApiAction(policy.rollback);
  const busy = [validation, activation, rollback].some((action) => action.state.status === 'running');

  const withNote = (run: (trimmed: string) => void) => {
    const trimmed = note.trim();
    setNoteMissing(trimmed === '');
    if (trimmed === '') return;
    [validation, activation, rollback].forEach((action) => action.reset());
    run(trimmed);
  };

  return (
    <Flex direction="column" gap="sm">
      <Heading>{kind.title}</Heading>
      <Text variant="microcopy">
        {documents.active === null
          ? 'No version is active: the default applies until one is activated.'
          : `Version ${documents.active.version} is active (by ${documents.active.createdBy}).`}
      </Text>
      <TextArea
        label={`${kind.title} (YAML or JSON)`}
        name={`${kind.field}Text`}
        rows={18}
        resize="vertical"
        value={text}
        onChange={setText}
      />
      <Input
        label="Note for the new version or the rollback"
        name={`${kind.field}Note`}
        value={note}
        onChange={setNote}
        error={noteMissing}
        validationMessage={noteMissing ? 'Say why it changes' : undefined}
      />
      <ButtonRow>
        <Button
          testId={`${kind.field}-validate`}
          disabled={busy}
          onClick={() => {
            activation.reset();
            rollback.reset();
            void validation.run(text);
          }}
        >
          Validate
        </Button>
        <Button
          testId={`${kind.field}-activate`}
          variant="primary"
          disabled={busy}
          onClick={() => withNote((trimmed) => void activation.run(text, trimmed))}
        >
          Activate
        </Button>
        <Button
          testId={`${kind.field}-default`}
          variant="secondary"
          disabled={busy}
          onClick={() => setText(toDocumentText(documents.defaultDocument))}
        >
          Start from the default
        </Button>
      </ButtonRow>
      {validation.state.status === 'done' ? (
        <Alert title="Valid" variant="success">
          <Text>{describeValid(kind, validation.state.value)}</Text>
        </Alert>
      ) : null}
      {validation.state.status === 'failed' ? (
        <FailureAlert title="Not valid" failure={validation.state.failure} />
      ) : null}
      {activation.state.status === 'done' ? (
        <Alert title={`Version ${activation.state.value.version} is active`} variant="success" />
      ) : null}
      {activation.state.status === 'failed' ? (
        <FailureAlert title="Not activated" failure={activation.state.failure} />
      ) : null}
      {rollback.state.status === 'done' ? (
        <Alert title={`Rolled back: version ${rollback.state.value.version} is active`} variant="success" />
      ) : null}
      {rollback.state.status === 'failed' ? (
        <FailureAlert title="Not rolled back" failure={rollback.state.failure} />
      ) : null}
      {tools?.({ text, documents })}
      <Heading>Versions</Heading>
      <VersionsTable
        versions={documents.versions}
        busy={busy}
        onRollback={(version) => withNote((trimmed) => void rollback.run(version, trimmed))}
      />
    </Flex>
  );
}
