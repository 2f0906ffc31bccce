import { Flex, Heading, List, Text } from '@hubspot/ui-extensions';
import type { RulesInWordsState } from '../hooks/useRulesInWords';

/** Each rule of the draft as one sentence, beside the editor, in the rule set's order. */
export function RulesInWords({ described, status }: RulesInWordsState) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>The rules in words</Heading>
      {status === 'checking' ? <Text variant="microcopy">Reading the edited rules…</Text> : null}
      {status === 'stale' ? (
        <Text variant="microcopy">The text does not validate yet: these are the rules as they last did.</Text>
      ) : null}
      {described.length === 0 ? (
        <Text>No rules to show yet.</Text>
      ) : (
        <List variant="ordered-styled" testId="rules-in-words">
          {described.map((rule) => (
            <Text key={rule.id}>{`${rule.id}: ${rule.text}`}</Text>
          ))}
        </List>
      )}
    </Flex>
  );
}
