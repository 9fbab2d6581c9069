/**
 * The job list the panel shows: one server page (filtered, newest first) kept live by
 * merging WebSocket events into the last REST snapshot.
 *
 * Events and snapshots race: a page requested before a job finished can arrive after the
 * job's DONE event, events can repeat after a reconnect, and progress reports can trail a
 * terminal state. Every record is therefore merged by freshness (see `isNewer`), never by
 * arrival order, and per-job event sequence numbers drop repeats within one stream.
 */

import { ISignal, Signal } from '@lumino/signaling';

import type { IJob, IJobEvent, IJobListResponse, JobState } from './api';
import { isTerminal } from './api';

/** What the list shows: a state filter, a name search and a page. */
export interface IListQuery {
  /** Only jobs in this state; `null` for all. */
  readonly state: JobState | null;
  /** Only jobs whose name contains this (case-insensitive); `''` for all. */
  readonly search: string;
  /** 0-based page. */
  readonly page: number;
  readonly pageSize: number;
}

/** Records remembered beyond the visible page (finished jobs off the page are forgotten). */
const MAX_KNOWN = 2000;

export const DEFAULT_QUERY: IListQuery = {
  state: null,
  search: '',
  page: 0,
  pageSize: 50
};

/** Newest first: by submission time, then by id (a stable tie-break). */
export function compareJobs(a: IJob, b: IJob): number {
  if (a.created_at !== b.created_at) {
    return b.created_at - a.created_at;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Whether `job` belongs in a list filtered by `query` (mirrors the server's `GET jobs`). */
export function jobMatches(job: IJob, query: IListQuery): boolean {
  if (query.state && job.state !== query.state) {
    return false;
  }
  const needle = query.search.trim().toLowerCase();
  return !needle || job.name.toLowerCase().includes(needle);
}

/** When the job last changed state (the latest of its timestamps). */
export function lastChange(job: IJob): number {
  let latest = job.created_at;
  for (const t of Object.values(job.timestamps)) {
    if (typeof t === 'number' && t > latest) {
      latest = t;
    }
  }
  return latest;
}

/**
 * Whether `candidate` is a later version of the same job than `current`.
 *
 * Terminal records never change, so nothing replaces one (a progress report that trails
 * a DONE is dropped) and a terminal candidate beats any live record. Otherwise a later
 * attempt, then a later state change, then more evaluations wins; an equal record is not
 * newer.
 */
export function isNewer(candidate: IJob, current: IJob): boolean {
  if (isTerminal(current.state)) {
    return false;
  }
  if (isTerminal(candidate.state)) {
    return true;
  }
  if (candidate.attempt !== current.attempt) {
    return candidate.attempt > current.attempt;
  }
  const [a, b] = [lastChange(candidate), lastChange(current)];
  if (a !== b) {
    return a > b;
  }
  return candidate.progress.evaluations > current.progress.evaluations;
}

function sameQuery(a: IListQuery, b: IListQuery): boolean {
  return (
    a.state === b.state && a.search === b.search && a.page === b.page && a.pageSize === b.pageSize
  );
}

/** The live job list of the panel. */
export class JobListModel {
  constructor(query: Partial<IListQuery> = {}) {
    this._query = { ...DEFAULT_QUERY, ...query };
  }

  /** Emitted whenever the rows, the total or the query change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get query(): IListQuery {
    return this._query;
  }

  /** The rows of the current page, newest first. */
  get rows(): readonly IJob[] {
    return this._rows;
  }

  /** How many jobs match the query on the server (as far as this client knows). */
  get total(): number {
    return this._total;
  }

  get pageCount(): number {
    return Math.max(1, Math.ceil(this._total / this._query.pageSize));
  }

  /** Whether a snapshot for the current query has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /**
   * Whether local edits may have shifted page boundaries (a job entered or left the
   * filter off the visible page): the page should be fetched again soon.
   */
  get stale(): boolean {
    return this._stale;
  }

  /** The freshest record known for a job (on this page or not). */
  get(id: string): IJob | undefined {
    return this._known.get(id);
  }

  /** Change the filter or page; the rows clear until the next snapshot. */
  setQuery(patch: Partial<IListQuery>): void {
    const next = { ...this._query, ...patch };
    if ('state' in patch || 'search' in patch || 'pageSize' in patch) {
      if (!('page' in patch)) {
        next.page = 0;
      }
    }
    if (sameQuery(next, this._query)) {
      return;
    }
    this._query = next;
    this._rows = [];
    this._loaded = false;
    this._changed.emit();
  }

  /** Remember a record fetched on its own (e.g. after a cancel) and show it. */
  upsert(job: IJob): void {
    this.merge(job);
  }

  /**
   * A mark to take just before requesting a page: jobs that events announce after it
   * and that the page does not hold yet are kept on top of it.
   */
  mark(): number {
    return this._clock;
  }

  /**
   * Apply one `GET jobs` answer.
   *
   * @param response - The page.
   * @param query - The query it answers; an answer to an older query is ignored.
   * @param mark - `mark()` taken before the request (default: now, i.e. trust the page).
   * @returns Whether it was applied.
   */
  applySnapshot(
    response: IJobListResponse,
    query: IListQuery = this._query,
    mark: number = this._clock
  ): boolean {
    if (!sameQuery(query, this._query)) {
      return false;
    }
    let total = response.total;
    const rows: IJob[] = [];
    const inSnapshot = new Set<string>();
    for (const incoming of response.jobs) {
      inSnapshot.add(incoming.id);
      const known = this._known.get(incoming.id);
      const job = known && !isNewer(incoming, known) ? known : incoming;
      this._known.set(job.id, job);
      if (jobMatches(job, query)) {
        rows.push(job);
      } else {
        total -= 1; // an event moved it out of the filter after the server answered
      }
    }
    if (query.page === 0) {
      // Jobs that events brought into the filter while the request was on its way.
      const last = response.jobs[response.jobs.length - 1];
      const complete = response.jobs.length < query.pageSize;
      for (const [id, seen] of this._seen) {
        const job = this._known.get(id);
        if (
          seen > mark &&
          job !== undefined &&
          !inSnapshot.has(id) &&
          jobMatches(job, query) &&
          (complete || compareJobs(job, last) < 0)
        ) {
          rows.push(job);
          total += 1;
        }
      }
    }
    rows.sort(compareJobs);
    this._rows = rows.slice(0, query.pageSize);
    this.prune();
    this._total = Math.max(total, this._rows.length + query.page * query.pageSize);
    this._loaded = true;
    this._stale = false;
    this._changed.emit();
    return true;
  }

  /**
   * Merge one WebSocket event.
   *
   * @returns Whether anything visible changed.
   */
  applyEvent(event: IJobEvent): boolean {
    const id = event.job.id;
    const lastSeq = this._seq.get(id);
    if (lastSeq !== undefined && event.seq <= lastSeq) {
      return false; // a repeat, or overtaken within this stream
    }
    this._seq.set(id, event.seq);
    return this.merge(event.job);
  }

  /** Forget event sequence numbers: a new stream (reconnect, server restart) begins. */
  resetStream(): void {
    this._seq.clear();
  }

  private merge(job: IJob): boolean {
    const known = this._known.get(job.id);
    if (known && !isNewer(job, known)) {
      return false;
    }
    this._known.set(job.id, job);
    this._seen.set(job.id, ++this._clock);
    if (!this._loaded) {
      return false; // the snapshot on its way will place it
    }
    const query = this._query;
    const index = this._rows.findIndex(row => row.id === job.id);
    const matches = jobMatches(job, query);
    if (index >= 0) {
      const rows = [...this._rows];
      if (matches) {
        rows[index] = job;
      } else {
        rows.splice(index, 1);
        this._total = Math.max(0, this._total - 1);
        this._stale = true;
      }
      this._rows = rows;
    } else if (matches) {
      this._total += 1;
      const last = this._rows[this._rows.length - 1];
      const full = this._rows.length >= query.pageSize;
      if (query.page > 0) {
        // It sorts onto this page or an earlier one: either way this page shifts.
        this._stale = true;
      } else if (!full || compareJobs(job, last) < 0) {
        const rows = [...this._rows, job].sort(compareJobs);
        if (rows.length > query.pageSize) {
          rows.pop(); // now the first row of page 2
        }
        this._rows = rows;
      }
    } else {
      return false;
    }
    this._changed.emit();
    return true;
  }

  /** Bound the memory of a long session: forget finished jobs that are off the page. */
  private prune(): void {
    const excess = this._known.size - MAX_KNOWN;
    if (excess <= 0) {
      return;
    }
    const visible = new Set(this._rows.map(row => row.id));
    let dropped = 0;
    for (const [id, job] of this._known) {
      if (dropped >= excess) {
        break;
      }
      if (!visible.has(id) && isTerminal(job.state)) {
        this._known.delete(id);
        this._seq.delete(id);
        this._seen.delete(id);
        dropped += 1;
      }
    }
  }

  private _query: IListQuery;
  private _rows: IJob[] = [];
  private _total = 0;
  private _loaded = false;
  private _stale = false;
  private readonly _known = new Map<string, IJob>();
  private readonly _seq = new Map<string, number>();
  /** When (in merge order) each job was last updated by an event or an upsert. */
  private readonly _seen = new Map<string, number>();
  private _clock = 0;
  private readonly _changed = new Signal<this, void>(this);
}
