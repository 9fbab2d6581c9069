/** How the panel writes times, ages, durations and progress. */

import type { IJob, JobState } from './api';
import { JOB_STATES } from './api';
import { formatNumber } from './charts';

/** A short age: `12 s`, `5 min`, `3 h`, `2 d`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) {
    return `${Math.floor(s)} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)} h`;
  }
  return `${Math.floor(s / 86400)} d`;
}

/** A duration with sensible precision: `0.42 s`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) {
    return `${seconds.toFixed(2)} s`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/** Local wall-clock time of an epoch timestamp (seconds), with the date if not today. */
export function formatTime(epochSeconds: number, now: Date = new Date()): string {
  const date = new Date(epochSeconds * 1000);
  const time = date.toLocaleTimeString(undefined, { hour12: false });
  return date.toDateString() === now.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

/** Whether a job reports optimizer progress (a hybrid job that has started iterating). */
export function hasProgress(job: IJob): boolean {
  return job.progress.evaluations > 0 || job.progress.iteration > 0;
}

/** `it 12 · best −1.137` for a hybrid job, `''` otherwise. */
export function formatProgress(job: IJob): string {
  if (!hasProgress(job)) {
    return '';
  }
  const { iteration, best_value } = job.progress;
  const best = best_value === null ? '' : ` · best ${formatNumber(best_value)}`;
  return `it ${iteration}${best}`;
}

/** One step of a job's timeline. */
export interface ITimelineStep {
  readonly state: JobState;
  readonly time: number;
  /** Seconds since the job was submitted. */
  readonly offset: number;
}

/** The states a job has been in, in the order it entered them. */
export function timeline(job: IJob): ITimelineStep[] {
  const steps: ITimelineStep[] = [];
  for (const state of JOB_STATES) {
    const time = job.timestamps[state];
    if (typeof time === 'number') {
      steps.push({ state, time, offset: time - job.created_at });
    }
  }
  return steps.sort(
    (a, b) => a.time - b.time || JOB_STATES.indexOf(a.state) - JOB_STATES.indexOf(b.state)
  );
}

/** Human labels of the artifacts a job directory may hold, in display order. */
export const ARTIFACT_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['program.eigen.py', 'Program'],
  ['compiled.aqo.json', 'AQO'],
  ['compiled.qasm', 'QASM'],
  ['results.json', 'Results'],
  ['iterations.jsonl', 'Iterations'],
  ['job.yaml', 'Job file'],
  ['input.job.yaml', 'Submitted job file'],
  ['meta.json', 'Metadata']
];

/** Sort artifact names in display order, unknown names last (alphabetically). */
export function orderArtifacts(names: readonly string[]): { name: string; label: string }[] {
  const known = new Map(ARTIFACT_LABELS);
  const rank = (name: string) => {
    const i = ARTIFACT_LABELS.findIndex(([n]) => n === name);
    return i < 0 ? ARTIFACT_LABELS.length : i;
  };
  return [...names]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map(name => ({ name, label: known.get(name) ?? name }));
}

/**
 * The shot counts a finished job sampled with, smallest first; `[]` if it sampled none.
 *
 * A job's `shots` option is always set (a default), but only some jobs sample: a sampling
 * job does; a hybrid job samples only in the plan nodes that ask for it and evaluates the
 * others exactly. Its result metadata summarises each node (`nodes`) with the shots it used
 * (`null`: exact). The same rule as the kernel's job view (`widgets/result.py`).
 */
export function shotsUsed(
  counts: Record<string, number> | null,
  metadata: Record<string, unknown>
): number[] {
  const positive = (value: unknown): number =>
    typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
  const nodes = metadata.nodes;
  if (nodes !== null && typeof nodes === 'object' && !Array.isArray(nodes)) {
    const used = new Set<number>();
    for (const node of Object.values(nodes as Record<string, unknown>)) {
      if (node !== null && typeof node === 'object') {
        const n = positive((node as Record<string, unknown>).shots);
        if (n) {
          used.add(n);
        }
      }
    }
    return [...used].sort((a, b) => a - b);
  }
  if (!counts || Object.keys(counts).length === 0) {
    return [];
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return [positive(metadata.shots) || total];
}

/** The Shots fact: `—` until the result is known, `exact` when nothing was sampled. */
export function formatShots(shots: number[] | undefined): string {
  if (shots === undefined) {
    return '—';
  }
  return shots.length === 0 ? 'exact' : shots.join(', ');
}
