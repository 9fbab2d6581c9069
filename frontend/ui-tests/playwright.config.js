/**
 * Galata/Playwright configuration: Debian's Chromium (no browser download), one worker
 * (the tests share one server and its job store), and a real `jupyter lab` with the Eigen
 * extension started here. Set EIGEN_UI_PORT to move it off 8888.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.EIGEN_UI_PORT || '8888';
const python = process.env.EIGEN_UI_PYTHON || path.resolve(__dirname, '../../.venv/bin/python');
const chromium = require('./chromium');

module.exports = {
  ...baseConfig,
  testDir: './tests',
  outputDir: './test-results',
  reporter: [['list'], ['html', { open: 'never' }]],
  timeout: 120_000,
  expect: { timeout: 20_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 800 },
    // Both need a Playwright ffmpeg/trace download otherwise; screenshots are enough.
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: chromium.executablePath, args: chromium.args }
  },
  webServer: {
    command: `"${python}" -m jupyterlab --config jupyter_server_test_config.py`,
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, EIGEN_UI_PORT: port, OMP_NUM_THREADS: '1' }
  }
};
