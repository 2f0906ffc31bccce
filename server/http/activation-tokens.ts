import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { TenantId } from '../../src/domain/model';
import { canonicalRuleSetText } from '../../src/domain/rules/diff';
import type { RuleSet } from '../../src/domain/rules/rule-set';

/**
 * Proof that an activation was previewed: an HMAC over the tenant, the proposal (its parsed rules, so
 * comments and layout do not matter) and the version it was compared with (number and activation
 * time). Nothing is stored: a token stops matching when another version becomes active.
 */
export type PreviewBinding = {
  tenant: TenantId;
  proposal: RuleSet;
  against: { version: number; activatedAt: string | null };
};

/** A preview older than this is shown again before activating (the book moves on). */
export const PREVIEW_TOKEN_TTL_MS = 24 * 3_600_000;

/** A key of its own for previews, derived from a server secret. */
export function previewTokenKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('collections rule activation previews').digest();
}

function mac(key: Buffer, binding: PreviewBinding, issuedAtMs: number): Buffer {
  const proposal = createHash('sha256').update(canonicalRuleSetText(binding.proposal)).digest('hex');
  return createHmac('sha256', key)
    .update(
      JSON.stringify([
        binding.tenant,
        proposal,
        binding.against.version,
        binding.against.activatedAt,
        issuedAtMs,
      ]),
    )
    .digest();
}

export function issuePreviewToken(key: Buffer, binding: PreviewBinding, nowMs: number): string {
  return `${nowMs.toString(36)}.${mac(key, binding, nowMs).toString('base64url')}`;
}

/** Whether `token` was issued for this very proposal, tenant and active version, within its lifetime. */
export function previewTokenMatches(
  key: Buffer,
  token: string,
  binding: PreviewBinding,
  nowMs: number,
): boolean {
  const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (match === null) return false;
  const issuedAtMs = parseInt(match[1] ?? '', 36);
  if (!(issuedAtMs <= nowMs + 60_000 && nowMs - issuedAtMs <= PREVIEW_TOKEN_TTL_MS)) return false;
  const given = Buffer.from(match[2] ?? '', 'base64url');
  const expected = mac(key, binding, issuedAtMs);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
