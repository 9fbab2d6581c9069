/**
 * The details of the selected job: facts, state timeline, error, a counts histogram or a
 * convergence plot, artifact links and Cancel. Replies that arrive after the selection
 * moved on are dropped (every async step re-checks the job id it was started for).
 */

import { EigenApiError, EigenClient, IJob, isTerminal } from './api';
import { convergenceSvg, escapeXml, formatNumber, histogramSvg } from './charts';
import { h, replaceChildren } from './dom';
import {
  formatDuration,
  formatShots,
  formatTime,
  hasProgress,
  orderArtifacts,
  shotsUsed,
  timeline
} from './format';

export interface IDetailsOptions {
  readonly client: EigenClient;
  /** Cancel a job; resolves when the server answered. */
  readonly cancel: (id: string) => Promise<void>;
  /** Open an artifact in JupyterLab's main area. */
  readonly openArtifact: (id: string, name: string) => void;
  /** The user closed the details. */
  readonly close: () => void;
}

/** Progress events redraw the convergence plot at most this often. */
const PLOT_INTERVAL_MS = 1500;

export class JobDetails {
  constructor(private readonly options: IDetailsOptions) {
    this.node = h('section', {
      className: 'jp-EigenJobs-details',
      'aria-label': 'Job details',
      hidden: true
    });
  }

  readonly node: HTMLElement;

  /** The job shown, if any. */
  get jobId(): string | null {
    return this._job?.id ?? null;
  }

  /** Show `job` (or nothing). */
  show(job: IJob | null): void {
    const changedJob = job?.id !== this._job?.id;
    this._job = job;
    if (!job) {
      this.node.hidden = true;
      this.node.removeAttribute('data-job-id');
      replaceChildren(this.node);
      return;
    }
    if (changedJob) {
      this._charts = h('div', { className: 'jp-EigenJobs-charts' });
      this._artifacts = h('div', { className: 'jp-EigenJobs-artifacts' });
      this._cancelError = '';
      this._loadedFor = '';
      this._hasIterations = false;
    }
    this.render(job);
    this.loadExtras(job);
  }

  /** The selected job changed (an event or a refresh). */
  update(job: IJob): void {
    if (job.id !== this._job?.id) {
      return;
    }
    const previous = this._job;
    this._job = job;
    this.render(job);
    if (previous.state !== job.state) {
      this.loadExtras(job);
    } else if (job.state === 'RUNNING' && hasProgress(job)) {
      this.schedulePlot(job);
    }
  }

  private render(job: IJob): void {
    this.node.hidden = false;
    this.node.dataset.jobId = job.id;
    this.node.dataset.state = job.state;
    const facts: [string, string][] = [
      ['Id', job.id],
      ['Target', job.target],
      // What the job sampled with, once its result says (an exact VQE samples nothing).
      ['Shots', formatShots(this._shots?.id === job.id ? this._shots.used : undefined)],
      ['Seed', job.seed === null ? '—' : String(job.seed)],
      ['Qubits', job.qubits === null ? '—' : String(job.qubits)],
      ['Priority', String(job.priority)],
      ['Attempt', `${job.attempt} of ${job.max_attempts}`],
      ['Owner', job.owner || '—']
    ];
    const progress = hasProgress(job)
      ? h(
          'div',
          { className: 'jp-EigenJobs-progressLine' },
          `Iteration ${job.progress.iteration}`,
          job.progress.best_value === null
            ? ''
            : ` · best ${formatNumber(job.progress.best_value)}`,
          ` · ${job.progress.evaluations} evaluations`
        )
      : null;
    const cancel = !isTerminal(job.state)
      ? h(
          'button',
          {
            className: 'jp-mod-styled jp-mod-warn jp-EigenJobs-cancel',
            'data-action': 'cancel',
            title: `Cancel ${job.id}`,
            disabled: this._cancelling === job.id,
            onclick: () => void this.cancel(job.id)
          },
          this._cancelling === job.id ? 'Cancelling…' : 'Cancel'
        )
      : null;
    replaceChildren(
      this.node,
      h(
        'div',
        { className: 'jp-EigenJobs-detailsHeader' },
        h('span', { className: 'jp-EigenJobs-detailsName', title: job.name }, job.name),
        stateBadge(job.state),
        cancel,
        h(
          'button',
          {
            className: 'jp-EigenJobs-iconButton',
            title: 'Close details',
            'aria-label': 'Close details',
            onclick: () => this.options.close()
          },
          '×'
        )
      ),
      this._cancelError
        ? h('div', { className: 'jp-EigenJobs-error', role: 'alert' }, this._cancelError)
        : null,
      job.error_message || job.error_code
        ? h(
            'div',
            { className: 'jp-EigenJobs-error', 'data-error-code': job.error_code ?? '' },
            h('strong', {}, job.error_code ?? 'ERROR'),
            ': ',
            job.error_message ?? ''
          )
        : null,
      h(
        'dl',
        { className: 'jp-EigenJobs-facts' },
        ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { title: v }, v)])
      ),
      progress,
      h(
        'ol',
        { className: 'jp-EigenJobs-timeline', 'aria-label': 'Timeline' },
        ...timeline(job).map((step, i, steps) =>
          h(
            'li',
            { 'data-state': step.state },
            stateBadge(step.state),
            h('span', { className: 'jp-EigenJobs-time' }, formatTime(step.time)),
            h(
              'span',
              { className: 'jp-EigenJobs-offset' },
              i === 0 ? '' : `+${formatDuration(step.time - steps[i - 1].time)}`
            )
          )
        )
      ),
      this._charts,
      this._artifacts
    );
  }

  private async cancel(id: string): Promise<void> {
    this._cancelling = id;
    this._cancelError = '';
    if (this._job?.id === id) {
      this.render(this._job);
    }
    try {
      await this.options.cancel(id);
    } catch (error) {
      this._cancelError = `Could not cancel: ${
        error instanceof Error ? error.message : String(error)
      }`;
    } finally {
      this._cancelling = null;
      if (this._job?.id === id) {
        this.render(this._job);
      }
    }
  }

  /** Artifacts and charts: once per job and state. */
  private loadExtras(job: IJob): void {
    const key = `${job.id}:${job.state}`;
    if (this._loadedFor === key) {
      return;
    }
    this._loadedFor = key;
    void this.loadArtifacts(job);
  }

  private async loadArtifacts(job: IJob): Promise<void> {
    const { client } = this.options;
    let names: string[];
    try {
      names = (await client.artifacts(job.id)).artifacts;
    } catch (error) {
      names = [];
      if (!(error instanceof EigenApiError && error.status === 404)) {
        console.warn('eigen: could not list artifacts', error);
      }
    }
    if (this._job?.id !== job.id) {
      return;
    }
    this.renderArtifacts(job.id, names);
    this._hasIterations = names.includes('iterations.jsonl');
    await this.plot(job, names.includes('results.json'));
  }

  private schedulePlot(job: IJob): void {
    if (this._plotTimer !== undefined) {
      return;
    }
    this._plotTimer = setTimeout(() => {
      this._plotTimer = undefined;
      if (this._job?.id === job.id) {
        void this.plot(this._job, false);
      }
    }, PLOT_INTERVAL_MS);
  }

  /** Convergence plot (hybrid jobs), counts histogram and outputs (DONE jobs). */
  private async plot(job: IJob, withResults: boolean): Promise<void> {
    const { client } = this.options;
    const charts: string[] = [];
    if (this._hasIterations || hasProgress(job)) {
      try {
        const evaluations = await client.evaluations(job.id);
        charts.push(section('Convergence', convergenceSvg(evaluations)));
      } catch (error) {
        if (!(error instanceof EigenApiError && error.status === 404)) {
          console.warn('eigen: could not load iterations', error);
        }
      }
    }
    if (withResults && job.state === 'DONE') {
      try {
        const { results } = await client.results(job.id);
        this._shots = { id: job.id, used: shotsUsed(results.counts, results.metadata) };
        if (this._job?.id === job.id) {
          this.render(this._job);
        }
        if (results.counts && Object.keys(results.counts).length > 0) {
          charts.push(section('Counts', histogramSvg(results.counts)));
        }
        charts.push(outputsTable(results.outputs));
      } catch (error) {
        console.warn('eigen: could not load results', error);
      }
    }
    if (this._job?.id === job.id) {
      this._charts.innerHTML = charts.join('');
    }
  }

  private renderArtifacts(id: string, names: string[]): void {
    const { client, openArtifact } = this.options;
    if (names.length === 0) {
      replaceChildren(this._artifacts);
      return;
    }
    replaceChildren(
      this._artifacts,
      h('h3', {}, 'Artifacts'),
      h(
        'ul',
        {},
        ...orderArtifacts(names).map(({ name, label }) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                className: 'jp-EigenJobs-link',
                'data-artifact': name,
                title: `Open ${name} in JupyterLab`,
                onclick: () => openArtifact(id, name)
              },
              label
            ),
            h(
              'a',
              {
                className: 'jp-EigenJobs-raw',
                href: client.artifactUrl(id, name),
                target: '_blank',
                rel: 'noopener',
                title: `${name} in a new browser tab`
              },
              'raw'
            )
          )
        )
      )
    );
  }

  private _job: IJob | null = null;
  private _charts: HTMLElement = h('div');
  private _artifacts: HTMLElement = h('div');
  private _loadedFor = '';
  private _hasIterations = false;
  private _shots: { id: string; used: number[] } | null = null;
  private _cancelling: string | null = null;
  private _cancelError = '';
  private _plotTimer: ReturnType<typeof setTimeout> | undefined = undefined;
}

/** A state badge (`data-state` drives its colour). */
export function stateBadge(state: string): HTMLElement {
  return h('span', { className: 'jp-EigenJobs-badge', 'data-state': state }, state);
}

function section(title: string, svgMarkup: string): string {
  return `<figure class="jp-EigenJobs-figure"><figcaption>${escapeXml(
    title
  )}</figcaption>${svgMarkup}</figure>`;
}

/** Scalar outputs of a job as a small table (nested values are summarised). */
function outputsTable(outputs: Record<string, unknown>): string {
  const rows = Object.entries(outputs ?? {}).slice(0, 12);
  if (rows.length === 0) {
    return '';
  }
  const show = (value: unknown): string => {
    if (typeof value === 'number') {
      return formatNumber(value);
    }
    if (Array.isArray(value)) {
      const items = value.slice(0, 6).map(v => (typeof v === 'number' ? formatNumber(v) : '…'));
      return `[${items.join(', ')}${value.length > 6 ? ', …' : ''}]`;
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  };
  return (
    '<table class="jp-EigenJobs-outputs"><caption>Outputs</caption>' +
    rows
      .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(show(v))}</td></tr>`)
      .join('') +
    '</table>'
  );
}
