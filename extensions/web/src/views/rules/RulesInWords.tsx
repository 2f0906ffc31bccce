import type { RulesInWordsState } from './useRulesInWords';

/** Each rule as one sentence, beside the editor, in the rule set's order. */
export function RulesInWords({ described, status }: RulesInWordsState) {
  return (
    <section className="rules-in-words" aria-labelledby="rules-in-words-heading" data-testid="rules-in-words">
      <h3 id="rules-in-words-heading">The rules in words</h3>
      <p className="muted" role="status">
        {status === 'checking' ? 'Reading the edited rules…' : null}
        {status === 'stale' ? 'The text does not validate yet: these are the rules as they last did.' : null}
      </p>
      {described.length === 0 ? (
        <p className="empty">No rules to show yet.</p>
      ) : (
        <ol className="rule-sentences">
          {described.map((rule) => (
            <li key={rule.id}>
              <code className="rule-id">{rule.id}</code>
              <p>{rule.text}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
