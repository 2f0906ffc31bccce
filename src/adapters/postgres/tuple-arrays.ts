import type { TupleCursor, TupleField, TupleResults } from './sql-client';

/**
 * Statements' rows already decoded into positional arrays (node-postgres's `rowMode: 'array'`), read
 * through the same interface as the rows PGlite hands over on the wire (wire-rows.ts).
 */
export function arrayResults(statements: readonly unknown[][][]): TupleResults {
  let held: readonly unknown[][][] | undefined = statements;
  const rowsOf = (statement: number): unknown[][] => {
    if (held === undefined) throw new Error('these rows were released');
    const rows = held[statement];
    if (rows === undefined) throw new RangeError(`no statement ${statement} in this pipeline`);
    return rows;
  };
  return {
    rows: <Tuple extends unknown[]>(statement: number): Tuple[] =>
      rowsOf(statement).map((row) => [...row] as Tuple),
    map: <Tuple extends unknown[], T>(statement: number, build: (field: TupleField<Tuple>) => T): T[] =>
      rowsOf(statement).map((row) => build(((column: number) => row[column]) as TupleField<Tuple>)),
    cursor<Tuple extends unknown[]>(statement: number): TupleCursor<Tuple> {
      const rows = rowsOf(statement);
      let index = 0;
      const field = ((column: number) => rows[index]?.[column]) as TupleField<Tuple>;
      return {
        peek: <K extends number & keyof Tuple>(column: K): Tuple[K] | undefined =>
          index < rows.length ? field(column) : undefined,
        take<T>(build: (row: TupleField<Tuple>) => T): T | undefined {
          if (index >= rows.length) return undefined;
          const built = build(field);
          index += 1;
          return built;
        },
      };
    },
    release(): void {
      held = undefined;
    },
  };
}
