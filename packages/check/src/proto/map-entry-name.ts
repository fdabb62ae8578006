/**
 * The name protoc gives the entry message of a map field, which buf prints in
 * violations about the map's key and value: `item_counts` -> `ItemCountsEntry`.
 */
export function mapEntryName(fieldName: string): string {
  return `${fieldName.replace(/(?:^|_)([^_]?)/g, (_, next: string) => next.toUpperCase())}Entry`;
}
