import {
  Flex,
  Heading,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { AccountCardView } from '../api/accountView';

export function OpenInvoicesTable({ invoices }: { invoices: AccountCardView['openInvoices'] }) {
  return (
    <Flex direction="column" gap="sm">
      <Heading>Open invoices</Heading>
      {invoices.length === 0 ? (
        <Text>No open invoices.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Invoice</TableHeader>
              <TableHeader>Issued</TableHeader>
              <TableHeader>Due</TableHeader>
              <TableHeader align="right">Days past due</TableHeader>
              <TableHeader align="right">Amount</TableHeader>
              <TableHeader align="right">Outstanding</TableHeader>
              <TableHeader>Flags</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {invoices.map((invoice) => (
              <TableRow key={invoice.invoiceId}>
                <TableCell>{invoice.invoiceId}</TableCell>
                <TableCell>{invoice.issuedOn}</TableCell>
                <TableCell>{invoice.dueOn}</TableCell>
                <TableCell align="right">{invoice.daysPastDue}</TableCell>
                <TableCell align="right">{invoice.amount.text}</TableCell>
                <TableCell align="right">{invoice.outstanding.text}</TableCell>
                <TableCell>
                  {invoice.disputed ? <Tag variant="error">Disputed</Tag> : null}
                  {invoice.paymentInFlight ? <Tag variant="info">Payment in flight</Tag> : null}
                  {invoice.uncollectible ? <Tag variant="warning">Marked uncollectible</Tag> : null}
                  {invoice.failedAttempts > 0 ? (
                    <Tag variant="warning">{`${invoice.failedAttempts} failed attempt${invoice.failedAttempts === 1 ? '' : 's'}`}</Tag>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
