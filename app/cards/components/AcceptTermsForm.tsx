import { useState } from 'react';
import { Alert, Button, Flex, Select, Text } from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import type { AcceptResponse, TermOptionView } from '../api/paymentTerms';
import { useApiAction } from '../shared/useCollectionsApi';
import { FailureAlert } from '../shared/FailureAlert';

type Props = {
  options: TermOptionView[];
  recommendedId: string | null;
  onAccept: (optionId: string) => Promise<ApiResult<AcceptResponse>>;
};

/** Accept the recommended option, or another one the guardrails allow (recorded as an override). */
export function AcceptTermsForm({ options, recommendedId, onAccept }: Props) {
  const [chosen, setChosen] = useState<string>(recommendedId ?? options[0]?.id ?? '');
  const accept = useApiAction(onAccept);
  const label = (id: string) => options.find((option) => option.id === id)?.label ?? id;
  return (
    <Flex direction="column" gap="sm">
      <Select
        label="Terms to accept"
        name="termsOption"
        value={chosen}
        options={options.map((option) => ({
          label: option.id === recommendedId ? `${option.label} (recommended)` : option.label,
          value: option.id,
        }))}
        onChange={(value) => setChosen(String(value))}
      />
      <Button
        variant="primary"
        testId="accept-terms"
        disabled={chosen === '' || accept.state.status === 'running'}
        onClick={() => void accept.run(chosen)}
      >
        Accept terms
      </Button>
      {accept.state.status === 'done' ? (
        <Alert
          title={accept.state.value.state === 'already_accepted' ? 'Already accepted' : 'Terms accepted'}
          variant="success"
        >
          <Text>
            {`${label(accept.state.value.optionId)}${accept.state.value.overridden ? ', instead of the recommendation' : ''}.`}
          </Text>
        </Alert>
      ) : null}
      {accept.state.status === 'failed' ? (
        <FailureAlert title="Could not accept the terms" failure={accept.state.failure} />
      ) : null}
    </Flex>
  );
}
