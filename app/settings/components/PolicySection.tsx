import { useEffect, useRef, useState, type ReactNode, type MutableRefObject } from 'react';
import {
  Alert,
  Box,
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
import { useApiAction, type ActionState } from '../shared/useCollectionsApi';
import { toDocumentText } from '../api/documentText';
import {
  describeValid,
  type PolicyDocuments,
  type PolicyKind,
  type PreviewResponse,
  type ValidateResponse,
  type VersionResponse,
} from '../api/policies';
import { usePolicyDocument, type PolicyDocumentApi } from '../hooks/usePolicyDocument';
import { useRulesInWords } from '../hooks/useRulesInWords';
import { ActivationConfirm } from './ActivationConfirm';
import { RulesInWords } from './RulesInWords';
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

function activeSummary(documents: PolicyDocuments): string {
  if (documents.active === null) return 'No version is active: the default applies until one is activated.';
  if (documents.active.version === 0) return 'Version 0, the default playbook, is active.';
  return `Version ${documents.active.version} is active (by ${documents.active.createdBy}).`;
}

/** The draft as stored: the active version's text as written, else its document laid out as YAML. */
function initialText(documents: PolicyDocuments): string {
  return documents.active?.source ?? toDocumentText(documents.active?.document ?? documents.defaultDocument);
}

function PolicyEditor({ kind, documents, policy, tools }: EditorProps) {
  const [text, setText] = useState(() => initialText(documents));
  const [note, setNote] = useState('');
  const [noteMissing, setNoteMissing] = useState(false);
  const validation = useApiAction(policy.validate);
  const activation = useApiAction(policy.activate);
  const rollback = useApiAction(policy.rollback);
  const preview = useApiAction(policy.preview);
  const actions = [validation, activation, rollback, preview];
  const busy = actions.some((action) => action.state.status === 'running');
  /** The text the last validation was asked about: its answer describes that text. */
  const validatedText = useRef(text);

  const edit = (next: string) => {
    setText(next);
    // A preview is of one text: an edit makes it stale.
    preview.reset();
  };

  const withNote = (run: (trimmed: string) => void) => {
    const trimmed = note.trim();
    setNoteMissing(trimmed === '');
    if (trimmed === '') return;
    actions.forEach((action) => action.reset());
    run(trimmed);
  };

  /** A rule set is previewed and confirmed; guardrails are activated with the note at once. */
  const activate = () => {
    if (!kind.changeControl) {
      withNote((trimmed) => void activation.run(text, trimmed));
      return;
    }
    [validation, activation, rollback].forEach((action) => action.reset());
    void preview.run(text);
  };

  const defaultVersion = documents.versions.find((version) => version.version === 0);
  return (
    <Flex direction="column" gap="sm">
      <Heading>{kind.title}</Heading>
      <Text variant="microcopy">{activeSummary(documents)}</Text>
      <DraftEditor
        kind={kind}
        text={text}
        onEdit={edit}
        documents={documents}
        policy={policy}
        validation={validation.state}
        validatedText={validatedText}
      />
      <Input
        label={kind.changeControl ? 'Note for a rollback' : 'Note for the new version or the rollback'}
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
            validatedText.current = text;
            void validation.run(text);
          }}
        >
          Validate
        </Button>
        <Button testId={`${kind.field}-activate`} variant="primary" disabled={busy} onClick={activate}>
          Activate
        </Button>
        <Button
          testId={`${kind.field}-default`}
          variant="secondary"
          disabled={busy}
          onClick={() => edit(defaultVersion?.source ?? toDocumentText(documents.defaultDocument))}
        >
          Start from the default
        </Button>
      </ButtonRow>
      <PreviewStep text={text} busy={busy} preview={preview} activation={activation} />
      <Outcomes
        kind={kind}
        validation={validation.state}
        activation={activation.state}
        rollback={rollback.state}
      />
      {tools?.({ text, documents })}
      <Heading>Versions</Heading>
      <VersionsTable
        versions={documents.versions}
        busy={busy}
        onRollback={(version) => withNote((trimmed) => void rollback.run(version, trimmed))}
        {...(kind.changeControl ? { onOpen: edit } : {})}
      />
    </Flex>
  );
}

type Action<A extends unknown[], T> = ReturnType<typeof useApiAction<A, T>>;

/** A rule set's activation: the preview under way, its failure, or the confirmation it opens. */
function PreviewStep({
  text,
  busy,
  preview,
  activation,
}: {
  text: string;
  busy: boolean;
  preview: Action<[string], PreviewResponse>;
  activation: Action<[string, string, string?], VersionResponse>;
}) {
  const { state } = preview;
  if (state.status === 'running')
    return <LoadingSpinner label="Simulating the draft against the active version over the last 90 days" />;
  if (state.status === 'failed') return <FailureAlert title="Not activated" failure={state.failure} />;
  if (state.status !== 'done' || activation.state.status === 'done') return null;
  const { token } = state.value.preview;
  return (
    <ActivationConfirm
      key={token}
      preview={state.value.preview}
      busy={busy}
      failure={activation.state.status === 'failed' ? activation.state.failure : null}
      onConfirm={(note) => void activation.run(text, note, token)}
      onPreviewAgain={() => {
        activation.reset();
        void preview.run(text);
      }}
      onCancel={() => {
        activation.reset();
        preview.reset();
      }}
    />
  );
}

type States = {
  kind: PolicyKind;
  validation: ActionState<ValidateResponse>;
  activation: ActionState<VersionResponse>;
  rollback: ActionState<VersionResponse>;
};

/** What the last validation, activation or rollback came to. */
function Outcomes({ kind, validation, activation, rollback }: States) {
  return (
    <>
      {validation.status === 'done' ? (
        <Alert title="Valid" variant="success">
          <Text>{describeValid(kind, validation.value)}</Text>
        </Alert>
      ) : null}
      {validation.status === 'failed' ? (
        <FailureAlert title="Not valid" failure={validation.failure} />
      ) : null}
      {activation.status === 'done' ? (
        <Alert title={`Version ${activation.value.version} is active`} variant="success" />
      ) : null}
      {activation.status === 'failed' && !kind.changeControl ? (
        <FailureAlert title="Not activated" failure={activation.failure} />
      ) : null}
      {rollback.status === 'done' ? (
        <Alert title={`Rolled back: version ${rollback.value.version} is active`} variant="success" />
      ) : null}
      {rollback.status === 'failed' ? (
        <FailureAlert title="Not rolled back" failure={rollback.failure} />
      ) : null}
    </>
  );
}

type DraftProps = {
  kind: PolicyKind;
  text: string;
  onEdit: (text: string) => void;
  documents: PolicyDocuments;
  policy: PolicyDocumentApi;
  validation: States['validation'];
  validatedText: MutableRefObject<string>;
};

/** The text editor; a rule set's has its rules in words beside it. */
function DraftEditor({ kind, text, onEdit, ...words }: DraftProps) {
  const editor = (
    <TextArea
      label={`${kind.title} (YAML or JSON)`}
      name={`${kind.field}Text`}
      rows={18}
      resize="vertical"
      value={text}
      onChange={onEdit}
    />
  );
  if (!kind.changeControl) return editor;
  return (
    <DraftInWords text={text} {...words}>
      {editor}
    </DraftInWords>
  );
}

/** The editor with the draft's rules in words beside it, updated whenever the draft validates. */
function DraftInWords({
  text,
  documents,
  policy,
  validation,
  validatedText,
  children,
}: {
  text: string;
  documents: PolicyDocuments;
  policy: PolicyDocumentApi;
  validation: States['validation'];
  validatedText: MutableRefObject<string>;
  children: ReactNode;
}) {
  const [initial] = useState(() => ({ text: initialText(documents), described: documents.described }));
  const words = useRulesInWords(text, initial, policy.validate);
  const { accept } = words;

  useEffect(() => {
    if (validation.status === 'done' && validation.value.described !== undefined)
      accept(validatedText.current, validation.value.described);
  }, [validation, validatedText, accept]);

  return (
    <Flex direction="row" gap="md" wrap="wrap">
      <Box flex={3}>{children}</Box>
      <Box flex={2}>
        <RulesInWords described={words.described} status={words.status} />
      </Box>
    </Flex>
  );
}
