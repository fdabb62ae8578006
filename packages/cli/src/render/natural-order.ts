const naturally = new Intl.Collator("en", { numeric: true });

/**
 * Natural order (`node-2` before `node-10`), with UTF-16 code units breaking
 * what it calls equal (`n-01` and `n-1`, `1.01` and `1.1`): a total order,
 * so what views list never depends on the order it came in.
 */
export function naturalOrder(a: string, b: string): number {
  return naturally.compare(a, b) || byCodeUnit(a, b);
}

/** Order by UTF-16 code unit, as `<` compares strings. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
