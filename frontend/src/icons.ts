/** The sidebar icon: a Bloch sphere (circle, equator, state vector). */

import { LabIcon } from '@jupyterlab/ui-components';

const EIGEN_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="none" stroke="#616161" stroke-width="1.6" stroke-linecap="round">
    <circle cx="12" cy="12" r="9"/>
    <ellipse cx="12" cy="12" rx="9" ry="3.2"/>
    <path d="M12 12 L17.2 5.6"/>
  </g>
  <circle class="jp-icon3" fill="#616161" cx="17.2" cy="5.6" r="1.9"/>
</svg>`;

export const eigenIcon = new LabIcon({ name: 'eigen-jupyter:jobs', svgstr: EIGEN_SVG });
