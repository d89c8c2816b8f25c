// Object keys in code-point order: stable across machines and ICU versions, so that CI can check
// that the committed document is current with a plain diff.
export function sortedObject<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
