import { isTag, normaliseTag, parseTagList } from './tags';

describe('tags', () => {
  it('normalises case and spaces, and refuses what is no tag', () => {
    expect(normaliseTag('  Public   Sector ')).toBe('public sector');
    expect(normaliseTag('Tier-1_EU')).toBe('tier-1_eu');
    expect(normaliseTag('Ärzte')).toBe('ärzte');
    expect(normaliseTag('')).toBeUndefined();
    expect(normaliseTag('a,b')).toBeUndefined();
    expect(normaliseTag('-lead')).toBeUndefined();
    expect(normaliseTag('x'.repeat(41))).toBeUndefined();
    expect(normaliseTag('x'.repeat(40))).toBe('x'.repeat(40));
  });

  it('accepts in rules only the stored form', () => {
    expect(isTag('strategic')).toBe(true);
    expect(isTag('public sector')).toBe(true);
    expect(isTag('Strategic')).toBe(false);
    expect(isTag('public  sector')).toBe(false);
    expect(isTag(' strategic')).toBe(false);
  });

  it('splits on ;, skips empty parts and repeats, and returns the parts that are no tag', () => {
    expect(parseTagList('Strategic; public sector;;strategic ; bad,tag')).toEqual({
      tags: ['strategic', 'public sector'],
      rejected: ['bad,tag'],
    });
    expect(parseTagList('')).toEqual({ tags: [], rejected: [] });
  });

  it('keeps at most 20 tags per customer', () => {
    const many = Array.from({ length: 22 }, (_, index) => `t${index}`).join(';');
    const parsed = parseTagList(many);
    expect(parsed.tags).toHaveLength(20);
    expect(parsed.rejected).toEqual(['t20', 't21']);
  });
});
