import { Flex, Heading, Tag, Text } from '@hubspot/ui-extensions';
import type { AccountCardView, Money, PromiseState, PromiseView } from '../api/accountView';

const OUTCOME: Record<
  Exclude<PromiseState, 'open'>,
  { label: string; variant: 'success' | 'warning' | 'error' }
> = {
  kept: { label: 'Kept', variant: 'success' },
  partly_kept: { label: 'Partly kept', variant: 'warning' },
  broken: { label: 'Broken', variant: 'error' },
};

function amountsText(amounts: Money[]): string {
  return amounts.map((amount) => amount.text).join(' + ');
}

/** "Promise: USD 12,000.00 by 2026-12-15 (from Jane, AP) — reminders on in_1, in_2 held until 2026-12-18" */
export function openPromiseText(promise: PromiseView): string {
  const from = promise.madeBy === null ? '' : ` (from ${promise.madeBy})`;
  const covered = promise.invoiceIds.length === 0 ? 'the account' : promise.invoiceIds.join(', ');
  return `Promise: ${amountsText(promise.amounts)} by ${promise.promisedOn}${from} — reminders on ${covered} held until ${promise.deadline}`;
}

/** What came in toward each promised currency: "USD 4,000.00 of USD 12,000.00". */
function receivedText(promise: PromiseView): string {
  return promise.amounts
    .map((promised) => {
      const received = promise.received.find((amount) => amount.currency === promised.currency);
      return `${received === undefined ? 'nothing' : received.text} of ${promised.text}`;
    })
    .join(', ');
}

function outcomeText(promise: PromiseView): string {
  const settled = promise.settledOn === null ? '' : ` (settled ${promise.settledOn})`;
  if (promise.state === 'partly_kept') return `${receivedText(promise)}${settled}`;
  if (promise.state === 'broken')
    return `${amountsText(promise.amounts)} by ${promise.promisedOn}, nothing received${settled}`;
  return `${amountsText(promise.amounts)} by ${promise.promisedOn}${settled}`;
}

function Outcome({ promise }: { promise: PromiseView }) {
  const outcome = promise.state === 'open' ? null : OUTCOME[promise.state];
  if (outcome === null) return null;
  return (
    <Flex direction="row" gap="xs" align="center">
      <Tag variant={outcome.variant}>{outcome.label}</Tag>
      <Text>{outcomeText(promise)}</Text>
    </Flex>
  );
}

/** The open promises (reminders on what they cover are held) and how the latest ones ended. */
export function PromisesSection({ promises }: { promises: AccountCardView['promises'] }) {
  const open = promises?.open ?? [];
  const outcomes = promises?.lastOutcomes ?? [];
  return (
    <Flex direction="column" gap="sm">
      <Heading>Promises to pay</Heading>
      {open.length === 0 && outcomes.length === 0 ? <Text>No promise to pay recorded.</Text> : null}
      {open.map((promise) => (
        <Text key={promise.promiseId} testId={`promise-${promise.promiseId}`}>
          {openPromiseText(promise)}
        </Text>
      ))}
      {outcomes.map((promise) => (
        <Outcome key={promise.promiseId} promise={promise} />
      ))}
    </Flex>
  );
}
