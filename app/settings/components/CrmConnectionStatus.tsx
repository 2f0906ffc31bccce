import { Alert, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import type { CrmConnection } from '../api/crmSyncStatus';
import { useCrmSyncStatus } from '../hooks/useCrmSyncStatus';
import { FailureAlert } from '../shared/FailureAlert';

const CRM_NAMES: Record<CrmConnection['crm'], string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

const REINSTALL: Record<CrmConnection['crm'], string> = {
  hubspot:
    'A HubSpot super admin should reinstall the Collections app and grant them; the sync resumes at once.',
  salesforce: 'A Salesforce admin should reconnect the org and grant them; the sync resumes at once.',
};

/** Whether the sync to each CRM runs; when it does not, why and what someone must do. */
function ConnectionAlert({ connection }: { connection: CrmConnection }) {
  const name = CRM_NAMES[connection.crm];
  const { state } = connection;
  switch (state.kind) {
    case 'running':
      return (
        <Alert title={`${name} sync running`} variant="success">
          <Text>Collections fields and tasks are written to {name}.</Text>
        </Alert>
      );
    case 'missing_scopes':
      return (
        <Alert title={`${name}: reconnect needed`} variant="danger">
          <Text>{`Reconnect needed: missing scopes ${state.scopes.join(', ')}. The sync tries again after ${state.until}.`}</Text>
          <Text>{REINSTALL[connection.crm]}</Text>
        </Alert>
      );
    case 'reconnect':
      return (
        <Alert title={`${name}: reconnect needed`} variant="danger">
          <Text>{`Reconnect needed: ${state.reason}.`}</Text>
          <Text>{REINSTALL[connection.crm]}</Text>
        </Alert>
      );
    case 'limit':
      return (
        <Alert title={`${name} sync paused`} variant="warning">
          <Text>{`Paused until ${state.until}: ${state.reason}. It resumes by itself then.`}</Text>
        </Alert>
      );
  }
}

export function CrmConnectionStatus() {
  const status = useCrmSyncStatus();
  if (status.status === 'loading') return <LoadingSpinner label="Loading the CRM connection" />;
  if (status.status === 'error')
    return <FailureAlert title="Could not load the CRM connection" failure={status.failure} />;
  if (status.data.connections.length === 0)
    return (
      <Alert title="No CRM connected" variant="info">
        <Text>Install the Collections app in a portal to sync collections fields and tasks.</Text>
      </Alert>
    );
  return (
    <>
      {status.data.connections.map((connection) => (
        <ConnectionAlert key={connection.crm} connection={connection} />
      ))}
    </>
  );
}
