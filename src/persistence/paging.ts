// Offset paging as the admin API's list operations answer it.

export interface PageRequest {
  /** Zero-based page number. */
  readonly page: number;
  readonly pageSize: number;
  /** -1: newest first; 1: oldest first. */
  readonly sortDirection: number;
}

export interface Page<T> {
  readonly data: T[];
  readonly hasNext: boolean;
  readonly totalCount: number;
}
