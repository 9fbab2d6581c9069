import * as fs from 'fs';
import * as path from 'path';

import { describe, expect, it } from 'vitest';

import type { IJob } from '../src/api';
import { versionNotice } from '../src/feed';
import {
  formatAge,
  formatDuration,
  formatProgress,
  formatShots,
  orderArtifacts,
  shotsUsed,
  timeline
} from '../src/format';
import { FRONTEND_VERSION } from '../src/version';

describe('format', () => {
  it.each([
    [5, '5 s'],
    [125, '2 min'],
    [7300, '2 h'],
    [200000, '2 d'],
    [-3, '0 s']
  ])('formatAge(%s) = %s', (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });

  it('formats durations', () => {
    expect(formatDuration(0.4213)).toBe('0.42 s');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
  });

  it('orders the timeline by time, life-cycle order on ties', () => {
    const job = {
      created_at: 100,
      timestamps: { RUNNING: 103, QUEUED: 102, PENDING: 100, COMPILING: 100, DONE: 109 }
    } as unknown as IJob;
    expect(timeline(job).map(s => s.state)).toEqual([
      'PENDING',
      'COMPILING',
      'QUEUED',
      'RUNNING',
      'DONE'
    ]);
    expect(timeline(job)[4].offset).toBe(9);
  });

  it('shows progress only for hybrid jobs', () => {
    const plain = { progress: { iteration: 0, best_value: null, evaluations: 0 } } as IJob;
    const hybrid = { progress: { iteration: 7, best_value: -1.23456, evaluations: 15 } } as IJob;
    expect(formatProgress(plain)).toBe('');
    expect(formatProgress(hybrid)).toBe('it 7 · best -1.235');
  });

  it('lists artifacts in a fixed order with labels', () => {
    const names = ['meta.json', 'zzz.bin', 'compiled.qasm', 'program.eigen.py'];
    expect(orderArtifacts(names).map(a => a.label)).toEqual([
      'Program',
      'QASM',
      'Metadata',
      'zzz.bin'
    ]);
  });
});

describe('versions', () => {
  it('the panel version is the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(FRONTEND_VERSION).toBe(pkg.version);
  });

  it('the panel version is the Python package version', () => {
    const init = fs.readFileSync(
      path.join(__dirname, '..', '..', 'eigen_engine', '__init__.py'),
      'utf8'
    );
    expect(init).toContain(`__version__ = "${FRONTEND_VERSION}"`);
  });

  it('warns on another server version and refuses another API', () => {
    const server = {
      schema_version: 1,
      api_version: 'v1',
      eigen_version: FRONTEND_VERSION,
      jupyter_server_version: '2.14.0'
    };
    expect(versionNotice(server)).toBeNull();
    expect(versionNotice({ ...server, eigen_version: '0.0.1' })?.level).toBe('warning');
    expect(versionNotice({ ...server, api_version: 'v2' })?.level).toBe('error');
  });

  it.each([
    ['exact sweep', null, { shots: 1024, nodes: { w0: { kind: 'sweep', shots: null } } }, []],
    ['exact vqe', null, { shots: 1024, nodes: { m0: { kind: 'minimize', nfev: 40 } } }, []],
    [
      'sampled vqe',
      null,
      { shots: 1024, nodes: { m0: { kind: 'minimize', shots: 4000 } } },
      [4000]
    ],
    [
      'two shot counts',
      null,
      { nodes: { w0: { kind: 'sweep', shots: 200 }, s0: { kind: 'sample', shots: 1000 } } },
      [200, 1000]
    ],
    ['sampling job', { '00': 480, '11': 520 }, { shots: 1000 }, [1000]],
    ['counts without shots', { '0': 3, '1': 4 }, {}, [7]]
  ])('shotsUsed: %s', (_name, counts, metadata, used) => {
    expect(shotsUsed(counts as Record<string, number> | null, metadata)).toEqual(used);
  });

  it('formats the Shots fact', () => {
    expect(formatShots(undefined)).toBe('—');
    expect(formatShots([])).toBe('exact');
    expect(formatShots([200, 1000])).toBe('200, 1000');
  });
});
