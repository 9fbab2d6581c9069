/**
 * The Eigen jobs JupyterLab extension: the side panel, its commands and settings.
 *
 * Works in JupyterLab 4 and Notebook 7: only the application is required; the layout
 * restorer, command palette, notebook tracker and settings are used when present.
 */

import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { EigenApiError, EigenClient, IErrorBody, isJobState, isTerminal } from './api';
import { createArtifactViewer } from './artifact';
import { JobFeed } from './feed';
import { eigenIcon } from './icons';
import { JobListModel } from './model';
import { JobMonitorPanel, PANEL_ID } from './panel';
import { CellNotSubmittable, cellToSubmission } from './submit';

export { PANEL_ID } from './panel';

/** The extension's command ids. */
export namespace CommandIDs {
  export const open = 'eigen:open-job-monitor';
  export const submitCell = 'eigen:submit-cell';
  export const cancelSelected = 'eigen:cancel-selected-job';
  export const refresh = 'eigen:refresh-jobs';
  export const openArtifact = 'eigen:open-artifact';
}

/** The plugin id; also the id of its settings (`schema/plugin.json`). */
const PLUGIN_ID = '@eigen-jupyter/labextension:plugin';

const PALETTE_CATEGORY = 'Eigen';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A side panel listing Eigen quantum jobs live, with details and Cancel.',
  autoStart: true,
  optional: [ILabShell, ILayoutRestorer, ICommandPalette, INotebookTracker, ISettingRegistry],
  activate
};

function activate(
  app: JupyterFrontEnd,
  labShell: ILabShell | null,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null,
  settingRegistry: ISettingRegistry | null
): void {
  const client = new EigenClient(app.serviceManager.serverSettings);
  const model = new JobListModel();
  const feed = new JobFeed({ client, model });
  const panel = new JobMonitorPanel({
    client,
    model,
    feed,
    openArtifact: (jobId, name) =>
      void app.commands.execute(CommandIDs.openArtifact, { jobId, name })
  });
  panel.title.icon = eigenIcon;
  app.shell.add(panel, 'left', { rank: 650, type: 'Eigen jobs' });
  restorer?.add(panel, PANEL_ID); // restores only whether it is open, never job ids

  const { commands } = app;
  const openPanel = () => {
    labShell?.expandLeft(); // JupyterLab; Notebook 7's shell opens the area on activate
    app.shell.activateById(PANEL_ID);
  };

  commands.addCommand(CommandIDs.open, {
    label: 'Open Eigen Jobs Panel',
    caption: 'Show the Eigen jobs side panel',
    icon: eigenIcon,
    execute: openPanel
  });

  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh Eigen Jobs',
    execute: () => panel.refresh()
  });

  commands.addCommand(CommandIDs.cancelSelected, {
    label: () => {
      const job = panel.selectedJob;
      return job ? `Cancel Eigen Job ${job.name}` : 'Cancel Selected Eigen Job';
    },
    isEnabled: () => {
      const job = panel.selectedJob;
      return job !== null && !isTerminal(job.state);
    },
    execute: async () => {
      const job = panel.selectedJob;
      if (!job || isTerminal(job.state)) {
        return;
      }
      try {
        await panel.cancel(job.id);
      } catch (error) {
        Notification.error(`Could not cancel ${job.name}: ${describe(error)}`);
      }
    }
  });
  panel.selectionChanged.connect(() => commands.notifyCommandChanged(CommandIDs.cancelSelected));

  commands.addCommand(CommandIDs.submitCell, {
    label: 'Submit Cell to Eigen',
    caption: "Submit the active notebook cell's program as an Eigen job",
    isEnabled: () => !!notebooks?.activeCell,
    execute: async () => {
      const cell = notebooks?.activeCell;
      if (!cell) {
        Notification.warning('Select a notebook cell holding an Eigen program first.');
        return;
      }
      let request;
      try {
        request = cellToSubmission(cell.model.sharedModel.getSource());
      } catch (error) {
        if (error instanceof CellNotSubmittable) {
          Notification.warning(error.message, { autoClose: 8000 });
          return;
        }
        throw error;
      }
      try {
        const job = await client.submit(request);
        model.upsert(job);
        Notification.success(`Submitted ${job.name} (${job.id}) to ${job.target}`, {
          autoClose: 4000
        });
        openPanel();
        await panel.select(job.id);
      } catch (error) {
        Notification.error(`Eigen could not submit the cell: ${describe(error)}`, {
          autoClose: false
        });
      }
    }
  });

  commands.addCommand(CommandIDs.openArtifact, {
    label: args => `Open ${String(args.name ?? 'artifact')}`,
    execute: args => {
      const jobId = String(args.jobId);
      const name = String(args.name);
      const viewer = createArtifactViewer(client, jobId, name);
      const existing = document.getElementById(viewer.id);
      if (existing) {
        viewer.dispose();
        app.shell.activateById(existing.id);
        return;
      }
      app.shell.add(viewer, 'main', { mode: 'split-right' });
      app.shell.activateById(viewer.id);
    }
  });

  if (palette) {
    for (const command of [
      CommandIDs.open,
      CommandIDs.refresh,
      CommandIDs.submitCell,
      CommandIDs.cancelSelected
    ]) {
      palette.addItem({ command, category: PALETTE_CATEGORY });
    }
  }

  if (settingRegistry) {
    void settingRegistry
      .load(PLUGIN_ID)
      .then(settings => {
        const apply = () => {
          const interval = settings.get('refreshInterval').composite as number;
          const state = settings.get('defaultState').composite as string;
          const pageSize = settings.get('pageSize').composite as number;
          feed.refreshInterval = interval;
          feed.liveUpdates = settings.get('liveUpdates').composite as boolean;
          model.setQuery({ pageSize });
          panel.setDefaultState(isJobState(state) ? state : null);
          if (feed.status !== 'idle' && feed.status !== 'missing') {
            void panel.refresh();
          }
        };
        apply();
        settings.changed.connect(apply);
      })
      .catch(reason => console.warn('eigen: could not load the panel settings', reason));
  }
}

/** A one-line reason for a failed request (compile errors name line and column). */
function describe(error: unknown): string {
  if (error instanceof EigenApiError) {
    const body: IErrorBody = error.body;
    const first = body.diagnostics?.[0];
    if (first) {
      const where = first.line
        ? ` (line ${first.line}${first.col ? `, col ${first.col}` : ''})`
        : '';
      const hint = first.hint ? ` — ${first.hint}` : '';
      return `${first.message}${where}${hint}`;
    }
    return body.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export default plugin;
