import { describe, expect, it } from 'vitest';
import {
  formatOfText,
  locateLineColumn,
  locatePath,
  parseDocumentText,
  pathSegments,
  toDocumentText,
} from './ruleDocument';

const YAML = `name: Playbook
rules:
  - id: first
    when:
      daysPastDue:
        min: -5
    then:
      tone: gentle
`;

describe('rule documents', () => {
  it('splits a problem path into keys and indexes', () => {
    expect(pathSegments('rules[4].when.daysPastDue.min')).toEqual(['rules', 4, 'when', 'daysPastDue', 'min']);
  });

  it('finds the line of a path in YAML', () => {
    expect(locatePath(YAML, 'rules[0].when.daysPastDue.min')?.line).toBe(6);
    expect(locatePath(YAML, 'rules[0].then.createTask')?.line).toBe(7);
  });

  it('finds the line of a path in JSON', () => {
    const json = toDocumentText({ rules: [{ id: 'a', when: { daysPastDue: { min: -5 } } }] }, 'json');
    const at = locatePath(json, 'rules[0].when.daysPastDue.min');
    expect(json.split('\n')[(at?.line ?? 0) - 1]).toContain('"min": -5');
  });

  it('reports a syntax error with its line', () => {
    const parsed = parseDocumentText('name: a\nrules: [\n');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.at?.line).toBeGreaterThan(0);
  });

  it('selects from a line and column the server reports to the end of that line', () => {
    const at = locateLineColumn(YAML, 6, 9);
    expect(at?.line).toBe(6);
    expect(YAML.slice(at?.start, at?.end)).toBe('min: -5');
    const whole = locateLineColumn(YAML, 3, undefined);
    expect(YAML.slice(whole?.start, whole?.end)).toBe('  - id: first');
    expect(locateLineColumn(YAML, 40, 1)).toBeNull();
  });

  it('tells a JSON text from a YAML one', () => {
    expect(formatOfText('  {"name": "x"}')).toBe('json');
    expect(formatOfText('# a comment\nname: x')).toBe('yaml');
  });
});
