// The one paginator of list tools: `limit` items per 1-based `page`, and `nextPage` only when
// there is more to read, so an agent pages until it is absent.

export interface Page<T> {
  items: T[];
  nextPage?: number;
}

/** The page of a list held whole in memory. */
export function slicePage<T>(all: readonly T[], limit: number, page: number): Page<T> {
  return {
    items: all.slice((page - 1) * limit, page * limit),
    nextPage: nextPageOf(all.length, limit, page),
  };
}

/** The next page when `total` items go past this one. */
export function nextPageOf(total: number, limit: number, page: number): number | undefined {
  return page * limit < total ? page + 1 : undefined;
}
