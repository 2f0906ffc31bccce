import { Alert, List, Text } from '@hubspot/ui-extensions';
import type { ApiFailure } from './collectionsApi';

/** A failed call: the backend's message at its path, and every problem when there are several. */
export function FailureAlert({ title, failure }: { title: string; failure: ApiFailure }) {
  const problems = failure.problems.filter(
    (problem) => problem.path !== failure.path || problem.message !== failure.message,
  );
  return (
    <Alert title={title} variant="danger">
      <Text>{failure.path === null ? failure.message : `${failure.path}: ${failure.message}`}</Text>
      {problems.length === 0 ? null : (
        <List variant="unordered">
          {problems.map((problem) => (
            <Text key={`${problem.path} ${problem.message}`}>{`${problem.path}: ${problem.message}`}</Text>
          ))}
        </List>
      )}
    </Alert>
  );
}
