import { dealCompanyFrom, type DealCompanyPage } from './deal-company';

const unlabelled = (id: number) => ({
  toObjectId: id,
  associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 341 }],
});
const primary = (id: number) => ({
  toObjectId: id,
  associationTypes: [
    { category: 'HUBSPOT_DEFINED', typeId: 341 },
    { category: 'HUBSPOT_DEFINED', typeId: 5 },
  ],
});

/** Pages as the endpoint answers them: `paging.next.after` on every page but the last. */
function pages(...answers: DealCompanyPage['results'][]) {
  const asked: (string | undefined)[] = [];
  const page = async (after: string | undefined): Promise<DealCompanyPage> => {
    asked.push(after);
    const index = after === undefined ? 0 : Number(after);
    const results = answers[index] ?? [];
    return index + 1 < answers.length
      ? { results, paging: { next: { after: String(index + 1) } } }
      : { results };
  };
  return { page, asked };
}

describe('dealCompanyFrom', () => {
  it('takes the company labelled Primary, even on a later page', async () => {
    const { page, asked } = pages([unlabelled(11), unlabelled(12)], [primary(13)]);
    expect(await dealCompanyFrom(page)).toBe('13');
    expect(asked).toEqual([undefined, '1']);
  });

  it('takes the first company listed when none is primary', async () => {
    const { page } = pages([unlabelled(21)], [unlabelled(22)]);
    expect(await dealCompanyFrom(page)).toBe('21');
  });

  it('does not take a user-defined label with type id 5 for the primary one', async () => {
    const { page } = pages([
      unlabelled(31),
      { toObjectId: 32, associationTypes: [{ category: 'USER_DEFINED', typeId: 5 }] },
    ]);
    expect(await dealCompanyFrom(page)).toBe('31');
  });

  it('answers null for a deal without a company', async () => {
    const { page } = pages([]);
    expect(await dealCompanyFrom(page)).toBeNull();
  });
});
