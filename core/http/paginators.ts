/**
 * Pagination, explicit per endpoint (STYLE.md §4; docs/kandji-api.md §4). A paginator names the first request's query,
 * where a page's rows are, and how to ask for the next page; `pages()` is the one loop that walks them, stops on
 * the end signal, and refuses to go round in circles on a repeated cursor or link.
 */
import { SystemError } from '../errors.ts';
import type { KandjiClient, Query, RequestMeta } from './client.ts';

/** How to ask for the next page: a link (rebuilt on the configured host by the client) or new query values. */
export type NextRequest = { link: string } | { query: Query };

export interface PageRead {
  rows: unknown[];
  next: NextRequest | undefined;
}

export interface Paginator {
  readonly style: string;
  /** Query of the first page. */
  first(): Query;
  /** Rows of a page body, and the next request (undefined at the end of the data). */
  read(body: unknown, query: Query): PageRead;
}

function expectObject(body: unknown, style: string, key: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray((body as Record<string, unknown>)[key])) {
    throw new SystemError(`Expected a ${style} page with a "${key}" list, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  return body as Record<string, unknown>;
}

/**
 * `/devices`: a bare JSON array paged by `limit`/`offset` (style A). Pages are read in `ordering=<key>` order and
 * overlap by `overlap` rows, so that when devices enrol or are removed during the read (shifting every later
 * offset) no device is skipped: rows at or before the last key already seen are dropped, and if a page starts past
 * that key the read steps back a page to close the gap.
 */
export function stableOffset(options: { limit: number; key: string; overlap: number }): Paginator {
  const { limit, key, overlap } = options;
  // Without overlap no page could show that it continues the last one, and the step back below would never end.
  if (!(overlap >= 1 && overlap < limit)) throw new SystemError(`stableOffset needs an overlap from 1 to limit - 1, got ${overlap}`);
  let lastKey: string | undefined;
  return {
    style: 'offset array',
    first: () => ({ limit, offset: 0, ordering: key }),
    read(body, query) {
      if (!Array.isArray(body)) throw new SystemError(`Expected a JSON array from /devices, got ${typeof body}`);
      const offset = Number(query.offset ?? 0);
      const keys = body.map((row) => String((row as Record<string, unknown>)[key]));
      // A page continues what was read when it starts at or before the last key seen. Only such a page can be
      // trusted to end the data when it is short: an empty page past the end may just mean the fleet shrank.
      const continues = lastKey === undefined || offset === 0 || (keys.length > 0 && (keys[0] as string) <= lastKey);
      if (!continues) {
        // The fleet shrank under us by more than the overlap: go back a page rather than skip devices.
        return { rows: [], next: { query: { ...query, offset: Math.max(0, offset - limit) } } };
      }
      const fresh = lastKey === undefined ? body : body.filter((_, i) => (keys[i] as string) > (lastKey as string));
      for (const k of keys) if (lastKey === undefined || k > lastKey) lastKey = k;
      // A short page that continues the read is the end of the data.
      const next = body.length < limit ? undefined : { query: { ...query, offset: offset + limit - overlap } };
      return { rows: fresh, next };
    },
  };
}

/**
 * `{count, next, previous, results}` envelopes that link to the next page (styles B, C and D). `under`: the envelope
 * is itself under this key of the body (`/devices/{id}/activity` → `activity`, `/devices/{id}/commands` → `commands`).
 */
export function followNext(options: { first: Query; style: string; under?: string }): Paginator {
  return {
    style: options.style,
    first: () => options.first,
    read(body) {
      const envelope = options.under === undefined ? body : (body as Record<string, unknown> | null)?.[options.under];
      const page = expectObject(envelope, options.style, 'results');
      const next = typeof page.next === 'string' && page.next !== '' ? { link: page.next } : undefined;
      return { rows: page.results as unknown[], next };
    },
  };
}

/**
 * `/vulnerability-management/detections`: `{next, previous, results}` paged by `after` (docs/kandji-api.md §6.11), where
 * `next` is sometimes a link and sometimes the bare cursor to send as `after`.
 */
export function afterCursor(options: { first: Query; style: string }): Paginator {
  return {
    style: options.style,
    first: () => options.first,
    read(body, query) {
      const page = expectObject(body, options.style, 'results');
      const next = typeof page.next === 'string' && page.next !== '' ? page.next : undefined;
      if (next === undefined) return { rows: page.results as unknown[], next: undefined };
      return { rows: page.results as unknown[], next: /^(https?:)?\//.test(next) ? { link: next } : { query: { ...query, after: next } } };
    },
  };
}

/**
 * `{total, page?, size, results}` paged by `page` numbers with no link to the next one
 * (`/vulnerability-management/vulnerabilities`, docs/kandji-api.md §6.11): the next page is asked for while the pages so
 * far hold fewer rows than `total`, and never past a short or empty page.
 */
export function pageNumber(options: { size: number; style: string }): Paginator {
  return {
    style: options.style,
    first: () => ({ page: 1, size: options.size }),
    read(body, query) {
      const page = expectObject(body, options.style, 'results');
      const rows = page.results as unknown[];
      const current = Number(query.page ?? 1);
      const total = typeof page.total === 'number' ? page.total : undefined;
      const more = rows.length >= options.size && (total === undefined || current * options.size < total);
      return { rows, next: more ? { query: { ...query, page: current + 1 } } : undefined };
    },
  };
}

/** An unpaginated object (`/settings/licensing`): the whole body is the one row. */
export function wholeObject(): Paginator {
  return { style: 'single object', first: () => ({}), read: (body) => ({ rows: [body], next: undefined }) };
}

/** Prism: rows under `data`, the next page by `cursor` until it is null, empty or absent (style E; offset is refused). */
export function prismCursor(options: { limit: number; filter?: string }): Paginator {
  return {
    style: 'prism cursor',
    first: () => ({ limit: options.limit, ...(options.filter ? { filter: options.filter } : {}) }),
    read(body, query) {
      const page = expectObject(body, 'Prism', 'data');
      const cursor = typeof page.cursor === 'string' && page.cursor !== '' ? page.cursor : undefined;
      return { rows: page.data as unknown[], next: cursor ? { query: { ...query, cursor } } : undefined };
    },
  };
}

export interface Page extends PageRead {
  /** The request that produced this page, so a caller can checkpoint and resume from it. */
  request: { path: string; query: Query };
}

/**
 * Walk the pages of one endpoint. `start` resumes from a checkpointed request. A next request identical to the
 * one just made (a repeated cursor or link) is an API bug that would loop forever: it fails the stream instead.
 */
export async function* pages(
  client: KandjiClient,
  path: string,
  paginator: Paginator,
  meta: RequestMeta,
  start?: { path: string; query: Query },
): AsyncGenerator<Page> {
  let request = start ?? { path, query: paginator.first() };
  let previous = '';
  for (;;) {
    const signature = `${request.path}?${JSON.stringify(request.query)}`;
    if (signature === previous)
      throw new SystemError(`${meta.endpoint} returned the same next page twice (${paginator.style}); stopping to avoid a loop.`);
    previous = signature;
    const body = await client.get(request.path, request.query, meta);
    const page = paginator.read(body, request.query);
    yield { ...page, request };
    if (!page.next) return;
    request = 'link' in page.next ? { path: page.next.link, query: {} } : { path: request.path, query: page.next.query };
  }
}
