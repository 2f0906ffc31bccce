import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { quoteValue } from '../../domain/text';
import type { CrmCompany } from '../../ports/store';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * A CSV of CRM companies (`crm_company_id`, `domain`, optional `name`), all rows validated first:
 * problems name the line and column (`crm-companies.csv:4: domain: expected a domain, got "acme"`).
 */
export async function readCrmCompaniesCsv(
  file: string,
): Promise<{ ok: true; companies: CrmCompany[] } | { ok: false; problems: string[] }> {
  const name = file.split('/').pop() ?? file;
  const records = parse(await readFile(file), { bom: true, columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  const problems: string[] = [];
  const companies: CrmCompany[] = [];
  const first = records[0];
  if (first !== undefined && (!('crm_company_id' in first) || !('domain' in first)))
    return { ok: false, problems: [`${name}:1: header: needs crm_company_id and domain`] };
  records.forEach((record, index) => {
    const line = index + 2;
    const id = (record['crm_company_id'] ?? '').trim();
    const domain = (record['domain'] ?? '')
      .trim()
      .toLowerCase()
      .replace(/^www\./, '');
    if (id === '') problems.push(`${name}:${line}: crm_company_id: is required`);
    if (!DOMAIN.test(domain))
      problems.push(`${name}:${line}: domain: expected a domain, got ${quoteValue(record['domain'] ?? '')}`);
    companies.push({ crmCompanyId: id, domain, name: record['name']?.trim() || null });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, companies };
}
