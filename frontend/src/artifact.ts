/** A read-only view of one job artifact in JupyterLab's main area. */

import { MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { EigenClient } from './api';
import { h, replaceChildren } from './dom';

/** Pretty-print JSON artifacts; show everything else as it is. */
export function presentArtifact(name: string, text: string): string {
  if (name.endsWith('.json')) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** Open `jobs/{id}/artifacts/{name}` in a main-area tab. */
export function createArtifactViewer(
  client: EigenClient,
  jobId: string,
  name: string
): MainAreaWidget {
  const content = new Widget();
  content.addClass('jp-EigenArtifact');
  const pre = h('pre', { className: 'jp-EigenArtifact-text' }, 'Loading…');
  replaceChildren(
    content.node,
    h(
      'div',
      { className: 'jp-EigenArtifact-toolbar' },
      h('code', {}, `${jobId}/${name}`),
      h('a', { href: client.artifactUrl(jobId, name), target: '_blank', rel: 'noopener' }, 'raw')
    ),
    pre
  );
  const widget = new MainAreaWidget({ content });
  widget.id = `eigen-artifact-${jobId}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  widget.title.label = `${jobId} · ${name}`;
  widget.title.closable = true;
  client
    .artifact(jobId, name)
    .then(text => {
      pre.textContent = presentArtifact(name, text);
    })
    .catch((error: Error) => {
      pre.textContent = `Could not load ${name}: ${error.message}`;
      pre.classList.add('jp-EigenArtifact-error');
    });
  return widget;
}
