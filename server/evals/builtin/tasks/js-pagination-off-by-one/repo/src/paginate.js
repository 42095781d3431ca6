/**
 * One page of `items`, pages numbered from 1 with `size` items each.
 * @returns {{ items: unknown[], page: number, pages: number, hasNext: boolean }}
 */
export function paginate(items, page, size) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
  const pages = Math.max(1, Math.floor(items.length / size));
  const start = page * size;
  return {
    items: items.slice(start, start + size),
    page,
    pages,
    hasNext: page < pages,
  };
}
