/**
 * The Eigen REST API and WebSocket as the side panel sees them: every URL is built here,
 * and the payload types mirror `eigen_jupyter/server_ext/payloads.py` (schema version 1).
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Route prefix below the server's base URL. */
export const API_PATH = 'eigen/api/v1';

/** Version of every payload shape this client understands. */
export const SCHEMA_VERSION = 1;

/** Job states, in life-cycle order (`eigen_engine.qrtx.states.JobState`). */
export const JOB_STATES = [
  'PENDING',
  'COMPILING',
  'QUEUED',
  'RUNNING',
  'DONE',
  'ERROR',
  'CANCELLED'
] as const;

export type JobState = (typeof JOB_STATES)[number];

const TERMINAL: ReadonlySet<string> = new Set(['DONE', 'ERROR', 'CANCELLED']);

/** Whether a job in `state` can no longer change (terminal records are immutable). */
export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** Whether `value` names a job state. */
export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

/** Optimizer progress of a hybrid job (`ProgressJSON`). */
export interface IProgress {
  iteration: number;
  best_value: number | null;
  evaluations: number;
}

/** One job (`JobJSON`, i.e. `JobRecord.to_dict()`). */
export interface IJob {
  id: string;
  name: string;
  owner: string;
  state: JobState;
  priority: number;
  target: string;
  created_at: number;
  /** When the job last entered each state it has been in (seconds since the epoch). */
  timestamps: Partial<Record<JobState, number>>;
  attempt: number;
  max_attempts: number;
  error_code: string | null;
  error_message: string | null;
  progress: IProgress;
  source_sha256: string | null;
  aqo_sha256: string | null;
  dependencies: string[];
  shots: number | null;
  seed: number | null;
  timeout_s: number | null;
  qubits: number | null;
  memory_bytes: number | null;
}

/** `GET jobs`: one page, newest first, and how many jobs match in total. */
export interface IJobListResponse {
  schema_version: number;
  jobs: IJob[];
  total: number;
  limit: number;
  offset: number;
}

/** One `events` WebSocket message (`EventMessage`). */
export interface IJobEvent {
  schema_version: number;
  type: 'job.state' | 'job.progress';
  job: IJob;
  time: number;
  /** Position in the server engine's event stream (restarts at 1 with the server). */
  seq: number;
}

/** `GET jobs/{id}/results` (`results.json` of a DONE job). */
export interface IResultsResponse {
  schema_version: number;
  job_id: string;
  state: string;
  results: {
    /** `null` for jobs that measure nothing (a hybrid job returning only outputs). */
    counts: Record<string, number> | null;
    outputs: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

/** `GET jobs/{id}/artifacts`. */
export interface IArtifactListResponse {
  schema_version: number;
  job_id: string;
  artifacts: string[];
}

/** One line of `iterations.jsonl`: one objective evaluation of a hybrid job. */
export interface IEvaluation {
  index: number;
  node: string;
  iteration: number;
  parameters: number[];
  value: number;
  best_value: number;
  time: number;
}

/** One device (`DeviceJSON`). */
export interface IDevice {
  id: string;
  driver: string;
  num_qubits: number;
  basis_gates: string[];
  coupling_map: number[][] | null;
  method: string;
  noise_model: string | null;
  status: string;
  queue_depth: number;
  calibration: Record<string, number> | null;
  description: string;
}

/** `GET devices`. */
export interface IDeviceListResponse {
  schema_version: number;
  devices: IDevice[];
}

/** `GET version`. */
export interface IVersionResponse {
  schema_version: number;
  api_version: string;
  eigen_version: string;
  jupyter_server_version: string;
}

/** `GET health`. */
export interface IHealthResponse {
  schema_version: number;
  status: string;
  engine: string;
  executor: string;
}

/** `POST jobs` body (`SubmitRequest`); every field but one of `source`/`jobspec` optional. */
export interface ISubmitRequest {
  source?: string;
  jobspec?: string;
  target?: string;
  shots?: number;
  priority?: number;
  seed?: number;
  inputs?: Record<string, unknown>;
  name?: string;
  noise_model?: string;
  entrypoint?: string;
  dependencies?: string[];
  timeout?: number;
  max_attempts?: number;
  capture_state?: boolean;
  optimization_level?: number;
}

/** One compiler diagnostic of a compile error. */
export interface IDiagnostic {
  code?: string;
  severity?: string;
  message: string;
  line?: number | null;
  col?: number | null;
  hint?: string | null;
}

/** The `error` member of every error response (`ErrorBody`). */
export interface IErrorBody {
  code: string;
  message: string;
  details: { field?: string; message: string; line?: number; col?: number }[];
  type?: string;
  diagnostics?: IDiagnostic[];
  job_id?: string;
}

/** `GET jobs` query. */
export interface IJobQuery {
  state?: JobState | null;
  search?: string;
  limit?: number;
  offset?: number;
}

/** An error answer of the Eigen API, or a network failure (`status` 0). */
export class EigenApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: IErrorBody
  ) {
    super(body.message);
    this.name = 'EigenApiError';
  }

  /** The envelope's error code (`NOT_FOUND`, `FAILED_PRECONDITION`, ...). */
  get code(): string {
    return this.body.code;
  }
}

/**
 * Talks to the Eigen server extension through JupyterLab's `ServerConnection`, so the
 * token, cookies and XSRF header are handled the way every JupyterLab request does it.
 */
export class EigenClient {
  constructor(readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  /** The HTTP URL of an API path, e.g. `url('jobs', id)`. */
  url(...parts: string[]): string {
    return URLExt.join(this.settings.baseUrl, API_PATH, ...parts.map(encodeURIComponent));
  }

  /** The `events` WebSocket URL (with the token only where JupyterLab would add it). */
  eventsUrl(): string {
    const { appendToken, token, wsUrl } = this.settings;
    let url = URLExt.join(wsUrl, API_PATH, 'events');
    if (appendToken && token !== '') {
      url += `?token=${encodeURIComponent(token)}`;
    }
    return url;
  }

  /** Where an artifact's raw bytes are served (opens in a browser tab). */
  artifactUrl(jobId: string, name: string): string {
    return this.url('jobs', jobId, 'artifacts', name);
  }

  /** Open the `events` stream. */
  openEvents(): WebSocket {
    return new this.settings.WebSocket(this.eventsUrl());
  }

  health(): Promise<IHealthResponse> {
    return this.json('health');
  }

  version(): Promise<IVersionResponse> {
    return this.json('version');
  }

  jobs(query: IJobQuery = {}): Promise<IJobListResponse> {
    const params = new URLSearchParams();
    if (query.state) {
      params.set('state', query.state);
    }
    if (query.search) {
      params.set('search', query.search);
    }
    if (query.limit !== undefined) {
      params.set('limit', String(query.limit));
    }
    if (query.offset) {
      params.set('offset', String(query.offset));
    }
    const search = params.toString();
    return this.json('jobs', {}, search ? `?${search}` : '');
  }

  job(id: string): Promise<IJob> {
    return this.json('jobs', {}, '', id);
  }

  /** `DELETE jobs/{id}`: cancel; resolves to the job after the request. */
  cancel(id: string): Promise<IJob> {
    return this.json('jobs', { method: 'DELETE' }, '', id);
  }

  /** `POST jobs`: submit; resolves to the new job (compiled already). */
  submit(request: ISubmitRequest): Promise<IJob> {
    return this.json('jobs', {
      method: 'POST',
      body: JSON.stringify(request),
      headers: { 'Content-Type': 'application/json' }
    });
  }

  results(id: string): Promise<IResultsResponse> {
    return this.json('jobs', {}, '', id, 'results');
  }

  artifacts(id: string): Promise<IArtifactListResponse> {
    return this.json('jobs', {}, '', id, 'artifacts');
  }

  /** One artifact as text. */
  async artifact(id: string, name: string): Promise<string> {
    const response = await this.fetch(this.artifactUrl(id, name), {});
    return response.text();
  }

  /** The evaluations of a hybrid job (`iterations.jsonl`), in order. */
  async evaluations(id: string): Promise<IEvaluation[]> {
    return parseJsonLines(await this.artifact(id, 'iterations.jsonl'));
  }

  devices(): Promise<IDeviceListResponse> {
    return this.json('devices');
  }

  private async json<T>(
    path: string,
    init: RequestInit = {},
    search = '',
    ...rest: string[]
  ): Promise<T> {
    const response = await this.fetch(this.url(path, ...rest) + search, init);
    return (await response.json()) as T;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (error) {
      throw new EigenApiError(0, {
        code: 'UNAVAILABLE',
        message: `cannot reach the Jupyter server (${String(error)})`,
        details: []
      });
    }
    if (!response.ok) {
      throw new EigenApiError(response.status, await errorBody(response));
    }
    return response;
  }
}

/** Parse JSON Lines, skipping a torn last line (the file may be growing). */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      continue;
    }
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line being appended right now; the next read has it whole.
    }
  }
  return out;
}

async function errorBody(response: Response): Promise<IErrorBody> {
  const fallback: IErrorBody = {
    code: response.status === 404 ? 'NOT_FOUND' : 'INTERNAL',
    message: `${response.status} ${response.statusText}`.trim(),
    details: []
  };
  try {
    const doc = (await response.json()) as { error?: IErrorBody };
    return doc.error && typeof doc.error.message === 'string' ? doc.error : fallback;
  } catch {
    return fallback;
  }
}
