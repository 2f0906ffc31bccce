import type { RiskTier, StatusVariant } from '../api/types';
import { humanize } from '../format';

export function StatusBadge({
  variant,
  children,
  testId,
}: {
  variant: StatusVariant;
  children: string;
  testId?: string;
}) {
  return (
    <span className={`badge badge-${variant}`} data-testid={testId}>
      {children}
    </span>
  );
}

const TIER_VARIANTS: Readonly<Record<RiskTier, StatusVariant>> = {
  low: 'success',
  medium: 'warning',
  high: 'danger',
};

export function RiskBadge({ tier, score }: { tier: RiskTier | null; score: number | null }) {
  if (tier === null) return <span className="muted">—</span>;
  return (
    <StatusBadge variant={TIER_VARIANTS[tier]}>
      {`${humanize(tier)} risk${score === null ? '' : ` · ${score}`}`}
    </StatusBadge>
  );
}
