/**
 * The "Eigen jobs" side panel: status line, filters, the paged job list, the selected
 * job's details and the devices. Rendering is plain DOM, batched to one pass per frame.
 */

import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { EigenClient, IJob, JOB_STATES, JobState, isJobState } from './api';
import { JobDetails, stateBadge } from './details';
import { h, replaceChildren } from './dom';
import { FeedStatus, JobFeed } from './feed';
import { formatAge, formatProgress, hasProgress } from './format';
import { JobListModel } from './model';

/** The panel's stable widget id (layout restorer, `activateById`, tests). */
export const PANEL_ID = 'eigen-job-monitor';

export interface IPanelOptions {
  readonly client: EigenClient;
  readonly model: JobListModel;
  readonly feed: JobFeed;
  /** Open a job artifact in the main area. */
  readonly openArtifact: (jobId: string, name: string) => void;
}

const STATUS_TEXT: Record<FeedStatus, [string, string]> = {
  idle: ['', ''],
  connecting: ['connecting…', 'Loading the job list'],
  live: ['live', 'Live updates from the server (WebSocket)'],
  polling: ['polling', 'The live connection is down; polling the server with backoff'],
  offline: ['offline', 'The Jupyter server does not answer; retrying with backoff'],
  missing: ['unavailable', 'The Eigen server extension is not installed on this server']
};

const SEARCH_DELAY_MS = 250;
const AGE_TICK_MS = 10_000;

export class JobMonitorPanel extends Widget {
  constructor(options: IPanelOptions) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-EigenJobs');
    this.title.caption = 'Eigen jobs';
    this._client = options.client;
    this._model = options.model;
    this._feed = options.feed;
    this._details = new JobDetails({
      client: options.client,
      cancel: id => this.cancel(id),
      openArtifact: options.openArtifact,
      close: () => this.select(null)
    });
    this.build();
    this._model.changed.connect(this.onModelChanged, this);
    this._feed.stateChanged.connect(this.scheduleRender, this);
    this._feed.jobEvent.connect((_, event) => {
      if (event.job.id === this._selected) {
        this._details.update(this._model.get(event.job.id) ?? event.job);
      }
    }, this);
  }

  /** The selected job's id. */
  get selectedId(): string | null {
    return this._selected;
  }

  /** The selected job's freshest record. */
  get selectedJob(): IJob | null {
    return this._selected ? (this._model.get(this._selected) ?? null) : null;
  }

  /** Emitted when the selection (or the selected job's state) changes. */
  get selectionChanged(): ISignal<this, IJob | null> {
    return this._selectionChanged;
  }

  /** Select a job (fetching it if it is not on the page) or clear the selection. */
  async select(id: string | null): Promise<void> {
    this._selected = id;
    this.scheduleRender();
    if (id === null) {
      this._details.show(null);
      this._selectionChanged.emit(null);
      return;
    }
    let job = this._model.get(id);
    if (!job) {
      try {
        job = await this._client.job(id);
        this._model.upsert(job);
        job = this._model.get(id) ?? job;
      } catch (error) {
        console.warn(`eigen: could not load job ${id}`, error);
        return;
      }
    }
    if (this._selected === id) {
      this._shownSelected = job;
      this._details.show(job);
      this._selectionChanged.emit(job);
    }
  }

  /** Cancel a job and show the server's answer. */
  async cancel(id: string): Promise<void> {
    const job = await this._client.cancel(id);
    this._model.upsert(job);
    if (id === this._selected) {
      this._details.update(this._model.get(id) ?? job);
      this._selectionChanged.emit(this._model.get(id) ?? job);
    }
  }

  /** Fetch the page and the devices again. */
  async refresh(): Promise<void> {
    await Promise.all([this._feed.refresh().catch(() => undefined), this._feed.refreshDevices()]);
  }

  /** Apply the default state filter (from the settings) unless the user picked one. */
  setDefaultState(state: JobState | null): void {
    if (!this._userFiltered) {
      this._model.setQuery({ state });
      this._stateSelect.value = state ?? '';
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    clearInterval(this._ageTimer);
    clearTimeout(this._searchTimer);
    if (this._frame !== undefined) {
      cancelAnimationFrame(this._frame);
    }
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._feed.setActive(true);
    clearInterval(this._ageTimer);
    this._ageTimer = setInterval(() => this.renderAges(), AGE_TICK_MS);
    this.scheduleRender();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._feed.setActive(false);
    clearInterval(this._ageTimer);
  }

  private build(): void {
    this._stateSelect = h(
      'select',
      {
        className: 'jp-mod-styled jp-EigenJobs-stateFilter',
        'aria-label': 'Filter by state',
        onchange: () => {
          this._userFiltered = true;
          const value = this._stateSelect.value;
          this._model.setQuery({ state: isJobState(value) ? value : null });
          void this._feed.refresh().catch(() => undefined);
        }
      },
      h('option', { value: '' }, 'All states'),
      ...JOB_STATES.map(state => h('option', { value: state }, state))
    );
    this._search = h('input', {
      className: 'jp-mod-styled jp-EigenJobs-search',
      type: 'search',
      placeholder: 'Filter by name',
      'aria-label': 'Filter by name',
      oninput: () => {
        clearTimeout(this._searchTimer);
        this._searchTimer = setTimeout(() => {
          this._model.setQuery({ search: this._search.value.trim() });
          void this._feed.refresh().catch(() => undefined);
        }, SEARCH_DELAY_MS);
      }
    });
    this._list.addEventListener('keydown', event => this.onListKey(event));
    replaceChildren(
      this.node,
      h(
        'header',
        { className: 'jp-EigenJobs-header' },
        h('h2', { className: 'jp-EigenJobs-title' }, 'Eigen jobs'),
        this._status,
        h(
          'button',
          {
            className: 'jp-EigenJobs-iconButton',
            title: 'Refresh',
            'aria-label': 'Refresh',
            onclick: () => void this.refresh()
          },
          '⟳'
        )
      ),
      this._banner,
      h('div', { className: 'jp-EigenJobs-filters' }, this._stateSelect, this._search),
      this._list,
      this._pager,
      h('div', { className: 'jp-EigenJobs-bottom' }, this._details.node, this._devices)
    );
  }

  private onModelChanged(): void {
    this.scheduleRender();
    const id = this._selected;
    const job = id ? this._model.get(id) : undefined;
    if (job && job !== this._shownSelected) {
      const stateChanged = job.state !== this._shownSelected?.state;
      this._shownSelected = job;
      this._details.update(job);
      if (stateChanged) {
        this._selectionChanged.emit(job);
      }
    }
  }

  private scheduleRender(): void {
    if (this._frame !== undefined || this.isDisposed) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = undefined;
      this.render();
    });
  }

  private render(): void {
    if (!this.isVisible) {
      return; // rendered on the next show
    }
    this.renderStatus();
    this.renderList();
    this.renderPager();
    this.renderDevices();
  }

  private renderStatus(): void {
    const feed = this._feed;
    const [text, title] = STATUS_TEXT[feed.status];
    this._status.dataset.status = feed.status;
    this._status.textContent = text;
    this._status.title = title;
    const notice = feed.notice;
    this._banner.hidden = notice === null;
    this._banner.dataset.level = notice?.level ?? '';
    this._banner.textContent = notice?.message ?? '';
  }

  private renderList(): void {
    const model = this._model;
    const rows = model.rows;
    if (rows.length === 0) {
      const filtered = model.query.state !== null || model.query.search !== '';
      const message = !model.loaded
        ? this._feed.status === 'missing'
          ? ''
          : 'Loading…'
        : filtered
          ? 'No job matches the filter.'
          : 'No jobs yet. Run a cell with %%eigen submit, or "Submit Cell to Eigen" ' +
            'from the command palette.';
      replaceChildren(
        this._list,
        message ? h('p', { className: 'jp-EigenJobs-empty' }, message) : null
      );
      return;
    }
    const now = Date.now() / 1000;
    const hadFocus = this._list.contains(document.activeElement);
    replaceChildren(this._list, ...rows.map(job => this.renderRow(job, now)));
    if (hadFocus) {
      this._list.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
    }
  }

  private renderRow(job: IJob, now: number): HTMLElement {
    const selected = job.id === this._selected;
    return h(
      'div',
      {
        className: 'jp-EigenJobs-row',
        role: 'option',
        tabindex: selected ? 0 : -1,
        'aria-selected': selected ? 'true' : 'false',
        'data-job-id': job.id,
        'data-state': job.state,
        title: `${job.name} (${job.id})`,
        onclick: () => void this.select(job.id)
      },
      h(
        'div',
        { className: 'jp-EigenJobs-rowMain' },
        h('span', { className: 'jp-EigenJobs-name' }, job.name),
        stateBadge(job.state)
      ),
      h(
        'div',
        { className: 'jp-EigenJobs-rowMeta' },
        h('span', { className: 'jp-EigenJobs-target' }, job.target),
        hasProgress(job)
          ? h('span', { className: 'jp-EigenJobs-progress' }, formatProgress(job))
          : null,
        h(
          'span',
          {
            className: 'jp-EigenJobs-age',
            'data-created': job.created_at,
            title: new Date(job.created_at * 1000).toLocaleString()
          },
          formatAge(now - job.created_at)
        )
      )
    );
  }

  private renderAges(): void {
    const now = Date.now() / 1000;
    for (const span of this._list.querySelectorAll<HTMLElement>('.jp-EigenJobs-age')) {
      span.textContent = formatAge(now - Number(span.dataset.created));
    }
  }

  private renderPager(): void {
    const model = this._model;
    const { page, pageSize } = model.query;
    const total = model.total;
    this._pager.hidden = total <= pageSize && page === 0;
    const first = total === 0 ? 0 : page * pageSize + 1;
    const last = Math.min(total, page * pageSize + model.rows.length);
    const go = (to: number) => () => {
      this._model.setQuery({ page: to });
      void this._feed.refresh().catch(() => undefined);
    };
    replaceChildren(
      this._pager,
      h(
        'button',
        {
          className: 'jp-EigenJobs-iconButton',
          'aria-label': 'Newer jobs',
          title: 'Newer jobs',
          disabled: page === 0,
          onclick: go(page - 1)
        },
        '‹'
      ),
      h(
        'span',
        { className: 'jp-EigenJobs-range' },
        `${first.toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()}`
      ),
      h(
        'button',
        {
          className: 'jp-EigenJobs-iconButton',
          'aria-label': 'Older jobs',
          title: 'Older jobs',
          disabled: page + 1 >= model.pageCount,
          onclick: go(page + 1)
        },
        '›'
      )
    );
  }

  private renderDevices(): void {
    const devices = this._feed.devices;
    const open = this._devices.open;
    replaceChildren(
      this._devices,
      h('summary', {}, `Devices (${devices.length})`),
      devices.length === 0
        ? h('p', { className: 'jp-EigenJobs-empty' }, 'No devices reported yet.')
        : h(
            'table',
            { className: 'jp-EigenJobs-deviceTable' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Device'),
                h('th', {}, 'Status'),
                h('th', {}, 'Qubits'),
                h('th', {}, 'Queue')
              )
            ),
            h(
              'tbody',
              {},
              ...devices.map(d =>
                h(
                  'tr',
                  { 'data-device-id': d.id, title: d.description },
                  h('td', {}, d.id),
                  h(
                    'td',
                    {},
                    h(
                      'span',
                      { className: 'jp-EigenJobs-badge', 'data-state': d.status.toUpperCase() },
                      d.status
                    )
                  ),
                  h('td', {}, String(d.num_qubits)),
                  h('td', { className: 'jp-EigenJobs-queue' }, String(d.queue_depth))
                )
              )
            )
          )
    );
    this._devices.open = open;
  }

  private onListKey(event: KeyboardEvent): void {
    const rows = this._model.rows;
    if (rows.length === 0) {
      return;
    }
    const index = rows.findIndex(r => r.id === this._selected);
    let next = index;
    if (event.key === 'ArrowDown') {
      next = Math.min(rows.length - 1, index + 1);
    } else if (event.key === 'ArrowUp') {
      next = Math.max(0, index - 1);
    } else if (event.key === 'Escape') {
      void this.select(null);
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (next !== index && rows[next]) {
      void this.select(rows[next].id).then(() => {
        this._list.querySelector<HTMLElement>(`[data-job-id="${rows[next].id}"]`)?.focus();
      });
    }
  }

  private readonly _client: EigenClient;
  private readonly _model: JobListModel;
  private readonly _feed: JobFeed;
  private readonly _details: JobDetails;
  private readonly _status = h('span', { className: 'jp-EigenJobs-status' });
  private readonly _banner = h('div', {
    className: 'jp-EigenJobs-banner',
    role: 'status',
    hidden: true
  });
  private readonly _list = h('div', {
    className: 'jp-EigenJobs-list',
    role: 'listbox',
    'aria-label': 'Jobs'
  });
  private readonly _pager = h('nav', { className: 'jp-EigenJobs-pager', 'aria-label': 'Pages' });
  private readonly _devices = h('details', { className: 'jp-EigenJobs-devices', open: true });
  private _stateSelect!: HTMLSelectElement;
  private _search!: HTMLInputElement;
  private _selected: string | null = null;
  private _shownSelected: IJob | undefined = undefined;
  private _userFiltered = false;
  private _frame: number | undefined = undefined;
  private _ageTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private _searchTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readonly _selectionChanged = new Signal<this, IJob | null>(this);
}
