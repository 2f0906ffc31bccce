import { Alert, List, Text } from '@hubspot/ui-extensions';
import type { ApiFailure, ApiProblem } from './collectionsApi';

/** " (line 3, column 5)" when the backend read the problem in the text as written. */
function where(problem: ApiProblem): string {
  if (problem.line === undefined) return '';
  return problem.column === undefined
    ? ` (line ${problem.line})`
    : ` (line ${problem.line}, column ${problem.column})`;
}

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
            <Text
              key={`${problem.path} ${problem.message}`}
            >{`${problem.path}${where(problem)}: ${problem.message}`}</Text>
          ))}
        </List>
      )}
    </Alert>
  );
}
