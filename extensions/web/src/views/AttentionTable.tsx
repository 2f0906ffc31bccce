import { Link } from 'react-router-dom';
import type { AccountSort, AttentionAccount } from '../api/types';
import { RiskBadge, StatusBadge } from '../components/StatusBadge';
import { DASH, formatNumber } from '../format';

type SortColumn = { sort: AccountSort; label: string; direction: 'descending' | 'ascending' };

const RISK: SortColumn = { sort: 'risk', label: 'Risk', direction: 'descending' };
const OVERDUE: SortColumn = { sort: 'overdue', label: 'Overdue', direction: 'descending' };
const RENEWAL: SortColumn = { sort: 'renewal', label: 'Renewal in', direction: 'ascending' };
const SORTS = [RISK, OVERDUE, RENEWAL];

function SortHeader({
  column,
  sort,
  onSort,
}: {
  column: SortColumn;
  sort: AccountSort;
  onSort: (sort: AccountSort) => void;
}) {
  const active = column.sort === sort;
  return (
    <th scope="col" aria-sort={active ? column.direction : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column.sort)}>
        {column.label}
        <span aria-hidden="true">{active ? (column.direction === 'descending' ? ' ▼' : ' ▲') : ' ↕'}</span>
      </button>
    </th>
  );
}

/** The accounts to look at first, sorted by the server; each row opens the account. */
export function AttentionTable({
  accounts,
  sort,
  onSort,
}: {
  accounts: AttentionAccount[];
  sort: AccountSort;
  onSort: (sort: AccountSort) => void;
}) {
  return (
    <div className="table-scroll" role="region" aria-label="Table of accounts needing attention" tabIndex={0}>
      <table className="data-table attention-table" data-testid="attention-table">
        <caption className="visually-hidden">
          Accounts needing attention, sorted by {SORTS.find((column) => column.sort === sort)?.label}. Use the
          column buttons to sort.
        </caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Status</th>
            <SortHeader column={RISK} sort={sort} onSort={onSort} />
            <SortHeader column={OVERDUE} sort={sort} onSort={onSort} />
            <th scope="col">Outstanding</th>
            <th scope="col">Days past due</th>
            <SortHeader column={RENEWAL} sort={sort} onSort={onSort} />
            <th scope="col">Owner</th>
            <th scope="col">Segment</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.customerId}>
              <th scope="row">
                <Link to={`/accounts/${encodeURIComponent(account.customerId)}`}>
                  {account.name ?? account.customerId}
                </Link>
                {account.name === null ? null : <span className="subtle">{account.customerId}</span>}
              </th>
              <td>
                <StatusBadge variant={account.statusVariant}>{account.statusLabel}</StatusBadge>
                {account.paused && account.status !== 'paused' ? (
                  <span className="subtle">automation paused</span>
                ) : null}
              </td>
              <td>
                <RiskBadge tier={account.riskTier} score={account.riskScore} />
              </td>
              <td className="number">{account.overdue?.text ?? DASH}</td>
              <td className="number">{account.outstanding?.text ?? DASH}</td>
              <td className="number">
                {account.oldestDaysPastDue > 0 ? formatNumber(account.oldestDaysPastDue) : DASH}
              </td>
              <td className="number">
                {account.daysToRenewal === null ? DASH : `${formatNumber(account.daysToRenewal)} d`}
              </td>
              <td>{account.owner ?? DASH}</td>
              <td>{account.segment ?? DASH}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
