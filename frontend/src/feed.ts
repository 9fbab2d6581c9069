/**
 * Keeps a `JobListModel` true: REST page first, then the `events` WebSocket, a re-sync
 * after every (re)connect, and a `Poll` with backoff whenever the socket is down. The poll
 * stands by while the panel is hidden or the browser tab is in the background.
 */

import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  EigenApiError,
  EigenClient,
  IDevice,
  IJobEvent,
  IVersionResponse,
  SCHEMA_VERSION
} from './api';
import { JobListModel } from './model';
import { FRONTEND_VERSION } from './version';

/**
 * Where the feed stands: `connecting` (first load), `live` (socket open), `polling`
 * (socket down, REST polling), `offline` (the server does not answer), `missing` (the
 * Eigen server extension is not installed or not enabled).
 */
export type FeedStatus = 'idle' | 'connecting' | 'live' | 'polling' | 'offline' | 'missing';

/** A message for the banner: what is wrong and what to do. */
export interface INotice {
  readonly level: 'error' | 'warning';
  readonly message: string;
}

export interface IFeedOptions {
  readonly client: EigenClient;
  readonly model: JobListModel;
  /** Seconds between REST polls while the socket is down (and between device refreshes). */
  readonly refreshInterval?: number;
  /** Use the WebSocket (`false`: poll only). */
  readonly liveUpdates?: boolean;
}

/** Longest wait between polls once the server stops answering. */
const MAX_BACKOFF_MS = 60_000;
/** A page whose boundaries moved is fetched again this long after the last change. */
const RESYNC_DELAY_MS = 400;
/** How long the first load waits for the socket before it goes ahead over REST alone. */
const OPEN_WAIT_MS = 1_500;
/** Devices (queue depth) are refreshed at most this often while jobs change state. */
const DEVICE_DELAY_MS = 2_000;

export class JobFeed {
  constructor(options: IFeedOptions) {
    this.client = options.client;
    this.model = options.model;
    this._liveUpdates = options.liveUpdates ?? true;
    this._poll = new Poll({
      // The first tick ('started') comes right after start() loaded everything: skip it.
      factory: state => (state.phase === 'started' ? Promise.resolve() : this.tick()),
      frequency: {
        interval: (options.refreshInterval ?? 5) * 1000,
        backoff: true,
        max: MAX_BACKOFF_MS
      },
      name: 'eigen:job-feed',
      standby: () => !this._active || 'when-hidden',
      auto: false
    });
  }

  readonly client: EigenClient;
  readonly model: JobListModel;

  get status(): FeedStatus {
    return this._status;
  }

  /** What the banner should say (`null`: nothing). */
  get notice(): INotice | null {
    return this._notice;
  }

  /** The server's versions, once known. */
  get server(): IVersionResponse | null {
    return this._server;
  }

  get devices(): readonly IDevice[] {
    return this._devices;
  }

  /** Emitted when the status, the notice or the devices change. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** Every event from the socket, after it was merged into the model. */
  get jobEvent(): ISignal<this, IJobEvent> {
    return this._jobEvent;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Set the polling interval (seconds). */
  set refreshInterval(seconds: number) {
    this._poll.frequency = { ...this._poll.frequency, interval: seconds * 1000 };
  }

  /** Use the WebSocket (`false`: poll only). */
  set liveUpdates(on: boolean) {
    if (on === this._liveUpdates) {
      return;
    }
    this._liveUpdates = on;
    if (!on) {
      this.closeSocket();
      if (this._status === 'live') {
        this.setStatus('polling');
      }
    } else if (this._status !== 'idle') {
      this.connect();
    }
  }

  /**
   * Whether someone is looking (the panel is visible). The first activation starts the
   * feed; while inactive the poll stands by (the socket, if open, stays open).
   */
  setActive(active: boolean): void {
    this._active = active;
    if (active && this._status === 'idle') {
      void this.start();
    } else if (active) {
      void this._poll.refresh();
    }
  }

  /**
   * Check the server extension, open the socket, load the page (once the socket is open,
   * so no event falls between the two), then poll as a fallback.
   */
  async start(): Promise<void> {
    this.setStatus('connecting');
    if (!(await this.handshake())) {
      return;
    }
    this.connect(); // its `open` loads the page
    await this.socketSettled(OPEN_WAIT_MS);
    if (!this.socketOpen) {
      try {
        await this.refresh(); // no socket (yet): load over REST alone
      } catch {
        void this._poll.start(); // retries with backoff
        return;
      }
      if (this._status === 'connecting') {
        this.setStatus('polling'); // until the socket opens, if it ever does
      }
    }
    void this.refreshDevices();
    void this._poll.start();
  }

  /** Fetch the current page now (the model ignores it if the query changed meanwhile). */
  async refresh(): Promise<void> {
    const model = this.model;
    const query = model.query;
    const mark = model.mark();
    try {
      const response = await this.client.jobs({
        state: query.state,
        search: query.search,
        limit: query.pageSize,
        offset: query.page * query.pageSize
      });
      model.applySnapshot(response, query, mark);
      if (this._status === 'offline') {
        this.setStatus(this.socketOpen ? 'live' : 'polling');
        this.setNotice(this._versionNotice);
      }
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  /** Fetch the device list (status and queue depth). */
  async refreshDevices(): Promise<void> {
    try {
      const { devices } = await this.client.devices();
      this._devices = devices;
      this._stateChanged.emit();
    } catch {
      // The job list reports connection problems; devices just keep their last values.
    }
  }

  /** Stop everything. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._poll.dispose();
    this.closeSocket();
    clearTimeout(this._resyncTimer);
    clearTimeout(this._deviceTimer);
    Signal.clearData(this);
  }

  /** Resolve once the socket is open or closed, or after `ms`. */
  private socketSettled(ms: number): Promise<void> {
    const socket = this._socket;
    if (!socket || socket.readyState !== WebSocket.CONNECTING) {
      return Promise.resolve();
    }
    return new Promise(resolve => {
      const done = () => {
        clearTimeout(timer);
        socket.removeEventListener('open', done);
        socket.removeEventListener('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      socket.addEventListener('open', done);
      socket.addEventListener('close', done);
    });
  }

  private get socketOpen(): boolean {
    return this._socket?.readyState === WebSocket.OPEN;
  }

  /** `GET health` then `GET version`; false when there is no extension to talk to. */
  private async handshake(): Promise<boolean> {
    try {
      await this.client.health();
    } catch (error) {
      if (error instanceof EigenApiError && error.status === 404) {
        this.setStatus('missing');
        this.setNotice({
          level: 'error',
          message:
            'The Eigen server extension is not running on this Jupyter server ' +
            `(${this.client.url('health')} answered 404). Install it with ` +
            "'pip install eigen-jupyter', check 'jupyter server extension list' shows " +
            'eigen_jupyter enabled, then restart JupyterLab.'
        });
        return false;
      }
      this.failed(error);
      void this._poll.start(); // keep trying with backoff
      return false;
    }
    try {
      this._server = await this.client.version();
      this._versionNotice = versionNotice(this._server);
      this.setNotice(this._versionNotice);
    } catch {
      this._versionNotice = null;
    }
    return true;
  }

  private async tick(): Promise<void> {
    if (this._status === 'missing' || this._disposed) {
      return;
    }
    if (this._server === null && !(await this.handshake())) {
      if (this._status === 'offline') {
        throw new Error('the Jupyter server does not answer'); // backoff
      }
      return;
    }
    if (this._socket?.readyState === WebSocket.CONNECTING) {
      // Its `open` handler loads the page.
    } else if (!this.socketOpen) {
      await this.refresh(); // rejects while the server is down: the poll backs off
      this.connect();
    } else if (this.model.stale) {
      await this.refresh();
    }
    await this.refreshDevices();
  }

  private connect(): void {
    if (!this._liveUpdates || this._disposed || this._socket) {
      if (!this._liveUpdates && this._status !== 'offline') {
        this.setStatus('polling');
      }
      return;
    }
    let socket: WebSocket;
    try {
      socket = this.client.openEvents();
    } catch {
      this.setStatus('polling');
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      this.model.resetStream();
      this.setStatus('live');
      void this.refresh().catch(() => undefined); // events missed while away
    };
    socket.onmessage = (message: MessageEvent) => this.receive(message.data);
    socket.onclose = () => {
      if (this._socket === socket) {
        this._socket = null;
        if (!this._disposed && this._status !== 'offline') {
          this.setStatus('polling');
        }
      }
    };
  }

  private closeSocket(): void {
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close();
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') {
      return;
    }
    let event: IJobEvent;
    try {
      event = JSON.parse(data) as IJobEvent;
    } catch {
      return;
    }
    if (event.schema_version !== SCHEMA_VERSION || !event.job?.id) {
      return;
    }
    this.model.applyEvent(event);
    this._jobEvent.emit(event);
    if (this.model.stale) {
      clearTimeout(this._resyncTimer);
      this._resyncTimer = setTimeout(() => {
        void this.refresh().catch(() => undefined);
      }, RESYNC_DELAY_MS);
    }
    if (event.type === 'job.state' && this._deviceTimer === undefined) {
      this._deviceTimer = setTimeout(() => {
        this._deviceTimer = undefined;
        void this.refreshDevices();
      }, DEVICE_DELAY_MS);
    }
  }

  private failed(error: unknown): void {
    if (error instanceof EigenApiError && error.status !== 0 && error.status < 500) {
      this.setNotice({ level: 'error', message: error.message });
      return;
    }
    this.closeSocket();
    this.setStatus('offline');
    this.setNotice({
      level: 'warning',
      message:
        'The Jupyter server does not answer; the list shows what was known and ' +
        'retries with backoff.'
    });
  }

  private setStatus(status: FeedStatus): void {
    if (status !== this._status) {
      this._status = status;
      this._stateChanged.emit();
    }
  }

  private setNotice(notice: INotice | null): void {
    if (notice?.message !== this._notice?.message) {
      this._notice = notice;
      this._stateChanged.emit();
    }
  }

  private _active = false;
  private _status: FeedStatus = 'idle';
  private _notice: INotice | null = null;
  private _versionNotice: INotice | null = null;
  private _server: IVersionResponse | null = null;
  private _devices: IDevice[] = [];
  private _socket: WebSocket | null = null;
  private _resyncTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _deviceTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _disposed = false;
  private _liveUpdates: boolean;
  private readonly _poll: Poll;
  private readonly _stateChanged = new Signal<this, void>(this);
  private readonly _jobEvent = new Signal<this, IJobEvent>(this);
}

/** The warning to show when the server's package version is not the panel's. */
export function versionNotice(server: IVersionResponse): INotice | null {
  if (server.schema_version !== SCHEMA_VERSION || server.api_version !== 'v1') {
    return {
      level: 'error',
      message:
        `The Eigen server speaks API ${server.api_version} (schema ` +
        `${server.schema_version}); this panel needs v1 (schema ${SCHEMA_VERSION}). ` +
        'Install the same eigen-jupyter version for JupyterLab and the server.'
    };
  }
  if (server.eigen_version !== FRONTEND_VERSION) {
    return {
      level: 'warning',
      message:
        `The Eigen server extension is version ${server.eigen_version}, this panel ` +
        `is ${FRONTEND_VERSION}. Reinstall eigen-jupyter so both match, then restart ` +
        'JupyterLab and reload the page.'
    };
  }
  return null;
}
