import { useState } from 'react';
import { Alert, Button, Flex, Heading, LoadingSpinner, Select, Text } from '@hubspot/ui-extensions';
import { NO_CSM_PROPERTY, type TaskOwnerSettingsResponse } from '../api/taskOwners';
import { useTaskOwnerSettings } from '../hooks/useTaskOwnerSettings';
import { FailureAlert } from '../shared/FailureAlert';
import { useApiAction } from '../shared/useCollectionsApi';

function inForce(settings: TaskOwnerSettingsResponse): string {
  const label = (name: string) =>
    settings.properties?.find((property) => property.name === name)?.label ?? name;
  const what =
    settings.csmProperty === null
      ? 'No company property names the CSM: CSM tasks go to the fallback owner.'
      : `The CSM is the user in the company property ${label(settings.csmProperty)} (${settings.csmProperty}).`;
  const who =
    settings.chosen === null
      ? ' This is the deployment default until someone chooses here.'
      : ` Chosen by ${settings.chosen.by}.`;
  return `${what}${who}`;
}

function Chooser({
  settings,
  choose,
}: {
  settings: TaskOwnerSettingsResponse;
  choose: ReturnType<typeof useTaskOwnerSettings>['choose'];
}) {
  const [value, setValue] = useState(settings.csmProperty ?? NO_CSM_PROPERTY);
  const save = useApiAction(choose);
  const properties = settings.properties ?? [];
  const options = [
    { label: 'None', value: NO_CSM_PROPERTY },
    ...properties.map((property) => ({
      label: `${property.label} (${property.name})`,
      value: property.name,
    })),
  ];
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="end" wrap="wrap">
        <Select
          label="Company property holding the CSM"
          name="csmProperty"
          value={value}
          options={options}
          onChange={(next) => setValue(String(next))}
        />
        <Button
          testId="save-csm-property"
          disabled={save.state.status === 'running'}
          onClick={() => void save.run(value === NO_CSM_PROPERTY ? null : value)}
        >
          Save
        </Button>
      </Flex>
      {save.state.status === 'done' ? (
        <Text>Saved. The next sync gives open CSM tasks to the CSMs this property names.</Text>
      ) : null}
      {save.state.status === 'failed' ? (
        <FailureAlert title="Could not save the CSM property" failure={save.state.failure} />
      ) : null}
    </Flex>
  );
}

/** Tasks the rules give to `csm` go to the HubSpot user in the company property chosen here. */
export function CsmPropertySetting() {
  const { state, choose } = useTaskOwnerSettings();
  return (
    <Flex direction="column" gap="sm">
      <Heading>Task owners</Heading>
      {state.status === 'loading' ? <LoadingSpinner label="Loading the task owners" /> : null}
      {state.status === 'error' ? (
        <FailureAlert title="Could not load the task owners" failure={state.failure} />
      ) : null}
      {state.status === 'success' ? (
        <>
          <Text>{inForce(state.data)}</Text>
          {state.data.properties === null ? (
            <Alert title="HubSpot's company properties could not be read" variant="warning">
              <Text>{state.data.unavailable ?? 'HubSpot did not answer.'}</Text>
            </Alert>
          ) : (
            <Chooser
              key={`${state.data.csmProperty ?? NO_CSM_PROPERTY} ${state.data.chosen?.at ?? ''}`}
              settings={state.data}
              choose={choose}
            />
          )}
        </>
      ) : null}
    </Flex>
  );
}
