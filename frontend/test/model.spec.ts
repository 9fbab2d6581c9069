import { describe, expect, it } from 'vitest';

import type { IJob, IJobEvent, IJobListResponse, JobState } from '../src/api';
import { compareJobs, isNewer, jobMatches, JobListModel, DEFAULT_QUERY } from '../src/model';

const STATES: JobState[] = ['PENDING', 'COMPILING', 'QUEUED', 'RUNNING', 'DONE'];

/** A job created at `t0` that walked the life cycle up to `state`, one second a step. */
function job(n: number, state: JobState = 'QUEUED', extra: Partial<IJob> = {}): IJob {
  const t0 = 1000 + n;
  const timestamps: Partial<Record<JobState, number>> = {};
  const path = ['ERROR', 'CANCELLED'].includes(state)
    ? [...STATES.slice(0, 4), state]
    : STATES.slice(0, STATES.indexOf(state) + 1);
  path.forEach((s, i) => (timestamps[s] = t0 + i * 0.1));
  return {
    id: `j-${n.toString(16).padStart(12, '0')}`,
    name: `job-${n}`,
    owner: 'me',
    state,
    priority: 50,
    target: 'aer:statevector',
    created_at: t0,
    timestamps,
    attempt: 1,
    max_attempts: 3,
    error_code: state === 'CANCELLED' ? 'CANCELLED' : null,
    error_message: null,
    progress: { iteration: 0, best_value: null, evaluations: 0 },
    source_sha256: null,
    aqo_sha256: null,
    dependencies: [],
    shots: 1024,
    seed: null,
    timeout_s: null,
    qubits: 2,
    memory_bytes: null,
    ...extra
  };
}

function page(jobs: IJob[], total = jobs.length, limit = 50, offset = 0): IJobListResponse {
  return { schema_version: 1, jobs, total, limit, offset };
}

let seq = 0;
function event(j: IJob, type: IJobEvent['type'] = 'job.state', at?: number): IJobEvent {
  return { schema_version: 1, type, job: j, time: 2000, seq: at ?? ++seq };
}

function ids(model: JobListModel): string[] {
  return model.rows.map(r => r.name);
}

describe('ordering and filtering', () => {
  it('sorts newest first, ties by id', () => {
    const jobs = [job(1), job(3), job(2)];
    expect(jobs.sort(compareJobs).map(j => j.name)).toEqual(['job-3', 'job-2', 'job-1']);
    const a = job(5, 'QUEUED', { id: 'j-00000000000a' });
    const b = job(5, 'QUEUED', { id: 'j-00000000000b' });
    expect([a, b].sort(compareJobs).map(j => j.id)).toEqual([b.id, a.id]);
  });

  it('the model sorts a snapshot whatever its order', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1), job(3), job(2)]));
    expect(ids(model)).toEqual(['job-3', 'job-2', 'job-1']);
  });

  it.each([
    ['all', null, '', true],
    ['state hit', 'QUEUED', '', true],
    ['state miss', 'DONE', '', false],
    ['name, any case', null, 'JOB-7', true],
    ['name miss', null, 'vqe', false],
    ['blank search', null, '   ', true]
  ] as const)('matches: %s', (_id, state, search, expected) => {
    const query = { ...DEFAULT_QUERY, state, search };
    expect(jobMatches(job(7), query)).toBe(expected);
  });
});

describe('freshness', () => {
  it('a later state is newer, an earlier one is not', () => {
    expect(isNewer(job(1, 'RUNNING'), job(1, 'QUEUED'))).toBe(true);
    expect(isNewer(job(1, 'QUEUED'), job(1, 'RUNNING'))).toBe(false);
    expect(isNewer(job(1, 'RUNNING'), job(1, 'RUNNING'))).toBe(false);
  });

  it('a terminal record is never replaced', () => {
    const done = job(1, 'DONE');
    const progress = job(1, 'RUNNING', {
      progress: { iteration: 99, best_value: -1, evaluations: 999 }
    });
    expect(isNewer(progress, done)).toBe(false);
    expect(isNewer(done, progress)).toBe(true);
  });

  it('more evaluations in the same state are newer', () => {
    const a = job(1, 'RUNNING', { progress: { iteration: 1, best_value: 0, evaluations: 3 } });
    const b = job(1, 'RUNNING', { progress: { iteration: 2, best_value: -1, evaluations: 6 } });
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
  });

  it('a retry (next attempt, back to QUEUED) is newer than the failed run', () => {
    const running = job(1, 'RUNNING');
    const retried = job(1, 'QUEUED', {
      attempt: 2,
      timestamps: { ...running.timestamps, QUEUED: 1100 }
    });
    expect(isNewer(retried, running)).toBe(true);
  });
});

describe('merging events into the snapshot', () => {
  it('an event updates a row in place', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(2), job(1)]));
    expect(model.applyEvent(event(job(1, 'RUNNING')))).toBe(true);
    expect(model.rows.map(r => r.state)).toEqual(['QUEUED', 'RUNNING']);
    expect(model.total).toBe(2);
  });

  it('a new job goes on top of page 1 and the total grows', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(2), job(1)]));
    model.applyEvent(event(job(3, 'PENDING')));
    expect(ids(model)).toEqual(['job-3', 'job-2', 'job-1']);
    expect(model.total).toBe(3);
  });

  it('a full first page keeps its size; the last row moves to page 2', () => {
    const model = new JobListModel({ pageSize: 2 });
    model.applySnapshot(page([job(2), job(1)], 5, 2));
    model.applyEvent(event(job(3, 'PENDING')));
    expect(ids(model)).toEqual(['job-3', 'job-2']);
    expect(model.total).toBe(6);
    expect(model.pageCount).toBe(3);
    expect(model.stale).toBe(false);
  });

  it('on a later page a new job marks the page stale instead of guessing', () => {
    const model = new JobListModel({ pageSize: 2 });
    model.setQuery({ page: 1 });
    model.applySnapshot(page([job(2), job(1)], 4, 2, 2));
    model.applyEvent(event(job(9, 'PENDING')));
    expect(ids(model)).toEqual(['job-2', 'job-1']);
    expect(model.total).toBe(5);
    expect(model.stale).toBe(true);
  });

  it('out-of-order events: an older state after a newer one is dropped', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'QUEUED')]));
    model.applyEvent(event(job(1, 'DONE'), 'job.state', 12));
    expect(model.applyEvent(event(job(1, 'RUNNING'), 'job.state', 11))).toBe(false);
    expect(model.rows[0].state).toBe('DONE');
  });

  it('a repeated sequence number is dropped even if the record looks newer', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'QUEUED')]));
    model.applyEvent(event(job(1, 'RUNNING'), 'job.state', 40));
    expect(model.applyEvent(event(job(1, 'DONE'), 'job.state', 40))).toBe(false);
    model.resetStream(); // reconnected: the server's numbering may restart
    expect(model.applyEvent(event(job(1, 'DONE'), 'job.state', 1))).toBe(true);
  });

  it('progress after the terminal state does not resurrect the job', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'RUNNING')]));
    model.applyEvent(event(job(1, 'CANCELLED')));
    const late = job(1, 'RUNNING', {
      progress: { iteration: 40, best_value: -1.1, evaluations: 80 }
    });
    expect(model.applyEvent(event(late, 'job.progress'))).toBe(false);
    expect(model.rows[0].state).toBe('CANCELLED');
  });

  it('progress events update a running hybrid job', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'RUNNING')]));
    const p = job(1, 'RUNNING', {
      progress: { iteration: 4, best_value: -1.5, evaluations: 9 }
    });
    expect(model.applyEvent(event(p, 'job.progress'))).toBe(true);
    expect(model.rows[0].progress.best_value).toBe(-1.5);
  });

  it('a job leaving the state filter is removed and the page marked stale', () => {
    const model = new JobListModel({ state: 'RUNNING' });
    model.applySnapshot(page([job(2, 'RUNNING'), job(1, 'RUNNING')]));
    model.applyEvent(event(job(2, 'DONE')));
    expect(ids(model)).toEqual(['job-1']);
    expect(model.total).toBe(1);
    expect(model.stale).toBe(true);
  });

  it('a job entering the state filter is added in order', () => {
    const model = new JobListModel({ state: 'RUNNING' });
    model.applySnapshot(page([job(3, 'RUNNING'), job(1, 'RUNNING')]));
    model.applyEvent(event(job(2, 'RUNNING')));
    expect(ids(model)).toEqual(['job-3', 'job-2', 'job-1']);
  });

  it('the search filter applies to events too', () => {
    const model = new JobListModel({ search: 'vqe' });
    model.applySnapshot(page([]));
    model.applyEvent(event(job(1, 'PENDING')));
    model.applyEvent(event(job(2, 'PENDING', { name: 'VQE-h2' })));
    expect(ids(model)).toEqual(['VQE-h2']);
  });

  it('events before the first snapshot wait for it', () => {
    const model = new JobListModel();
    const mark = model.mark();
    model.applyEvent(event(job(1, 'DONE')));
    expect(model.rows).toEqual([]);
    // The page was read before the job finished; the event's DONE wins.
    model.applySnapshot(page([job(1, 'RUNNING')]), model.query, mark);
    expect(model.rows[0].state).toBe('DONE');
  });

  it('a snapshot older than an event does not roll a row back', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'QUEUED')]));
    const mark = model.mark();
    model.applyEvent(event(job(1, 'DONE')));
    model.applySnapshot(page([job(1, 'RUNNING')]), model.query, mark);
    expect(model.rows[0].state).toBe('DONE');
  });

  it('a job submitted while the page was on its way stays listed', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1)]));
    const mark = model.mark();
    model.applyEvent(event(job(2, 'PENDING')));
    model.applySnapshot(page([job(1)]), model.query, mark);
    expect(ids(model)).toEqual(['job-2', 'job-1']);
    expect(model.total).toBe(2);
  });

  it('a resync after missed events trusts the server for jobs it no longer lists', () => {
    const model = new JobListModel({ state: 'RUNNING' });
    model.applySnapshot(page([job(1, 'RUNNING')]));
    // The socket dropped; job 1 finished unseen. The resync shows no RUNNING job.
    model.applySnapshot(page([], 0), model.query, model.mark());
    expect(model.rows).toEqual([]);
    expect(model.total).toBe(0);
  });

  it('an answer to an older query is ignored', () => {
    const model = new JobListModel();
    const old = model.query;
    model.setQuery({ state: 'DONE' });
    expect(model.applySnapshot(page([job(1, 'QUEUED')]), old)).toBe(false);
    expect(model.loaded).toBe(false);
  });

  it('changing the filter goes back to page 1', () => {
    const model = new JobListModel();
    model.setQuery({ page: 3 });
    model.setQuery({ search: 'bell' });
    expect(model.query.page).toBe(0);
  });

  it('upsert shows a record fetched on its own (a cancel answer)', () => {
    const model = new JobListModel();
    model.applySnapshot(page([job(1, 'RUNNING')]));
    model.upsert(job(1, 'CANCELLED'));
    expect(model.rows[0].state).toBe('CANCELLED');
    expect(model.get(job(1).id)?.state).toBe('CANCELLED');
  });

  it('keeps up with thousands of jobs', () => {
    const model = new JobListModel({ pageSize: 100 });
    const jobs = Array.from({ length: 100 }, (_, i) => job(5000 - i));
    model.applySnapshot(page(jobs, 5000, 100));
    const start = performance.now();
    for (let i = 0; i < 5000; i++) {
      model.applyEvent(event(job(6000 + i, 'PENDING')));
    }
    expect(performance.now() - start).toBeLessThan(2000);
    expect(model.rows.length).toBe(100);
    expect(model.rows[0].name).toBe('job-10999');
    expect(model.total).toBe(10000);
  });
});
