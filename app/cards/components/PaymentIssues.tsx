import {
  Alert,
  Flex,
  Heading,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { AccountCardView } from '../api/accountView';

export function PaymentIssues({ view }: { view: AccountCardView }) {
  const failure = view.lastFailure;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Payment failures and disputes</Heading>
      {failure === null ? (
        <Text>No failed payment since the last successful one.</Text>
      ) : (
        <Alert title={`Last payment failed on ${failure.on}: ${failure.declineClass}`} variant="warning">
          <Text>{failure.whatToDo}</Text>
          <Text variant="microcopy">
            {`Invoice ${failure.invoiceId}${failure.code === null ? '' : `, code ${failure.code}`}, ${failure.failuresSinceSuccess} failure${failure.failuresSinceSuccess === 1 ? '' : 's'} since the last success`}
          </Text>
        </Alert>
      )}
      {view.openDisputes.length === 0 ? (
        <Text>No open disputes.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Dispute</TableHeader>
              <TableHeader>Invoice</TableHeader>
              <TableHeader align="right">Amount</TableHeader>
              <TableHeader>Opened</TableHeader>
              <TableHeader align="right">Days open</TableHeader>
              <TableHeader>Reason</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {view.openDisputes.map((dispute) => (
              <TableRow key={dispute.disputeId}>
                <TableCell>{dispute.disputeId}</TableCell>
                <TableCell>{dispute.invoiceId}</TableCell>
                <TableCell align="right">{dispute.amount.text}</TableCell>
                <TableCell>{dispute.openedOn}</TableCell>
                <TableCell align="right">{dispute.daysOpen}</TableCell>
                <TableCell>{dispute.reason ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
