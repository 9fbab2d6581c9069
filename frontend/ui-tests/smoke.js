/**
 * A browser smoke check of an already running JupyterLab or Notebook 7 (no Galata: the
 * server is a plain `jupyter lab` / `jupyter notebook`, e.g. from a venv with a wheel).
 *
 *   node smoke.js <server-url-with-trailing-slash> <token> lab|notebook [screenshot.png]
 *
 * The server must expose the app (`--LabApp.expose_app_in_browser=True` or
 * `--JupyterNotebookApp.expose_app_in_browser=True`). Checks that the Eigen plugin
 * activated, that its "Open Eigen Jobs Panel" command opens the panel, that the panel
 * reaches the server extension and lists the devices, and that the console holds no error
 * about the plugin. Prints one JSON line with what it saw; exits 1 when a check fails.
 */

const { chromium } = require('@playwright/test');
const { executablePath: browserPath, args: browserArgs } = require('./chromium');

const PLUGIN = '@eigen-jupyter/labextension:plugin';
const OPEN_COMMAND = 'eigen:open-job-monitor';
const PANEL = '#eigen-job-monitor';
const TIMEOUT = 60_000;

/**
 * Console errors and warnings about the extension (its plugin id, commands, URLs and
 * bundle all say "eigen"). Others are the host's: Notebook 7 itself logs some.
 */
const FAILURE = /eigen/i;

async function main() {
  const [base, token, mode, screenshot] = process.argv.slice(2);
  if (!base || !token || !['lab', 'notebook'].includes(mode)) {
    throw new Error('usage: node smoke.js <url/> <token> lab|notebook [screenshot.png]');
  }
  const browser = await chromium.launch({ executablePath: browserPath, args: browserArgs });
  const seen = { mode, console: [], failures: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', message => {
      if (message.type() === 'error' || message.type() === 'warning') {
        seen.console.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', error =>
      seen.console.push(`pageerror: ${error.message} ${(error.stack || '').split('\n')[1] || ''}`)
    );

    const path = mode === 'lab' ? 'lab' : 'tree';
    await page.goto(`${base}${path}?token=${encodeURIComponent(token)}`);
    // The app object appears once every plugin has been activated (or has failed to).
    await page.waitForFunction(() => window.jupyterapp && window.jupyterapp.started, null, {
      timeout: TIMEOUT
    });
    await page.evaluate(() => window.jupyterapp.started);
    await page.evaluate(() => window.jupyterapp.restored);

    seen.activated = await page.evaluate(id => window.jupyterapp.isPluginActivated(id), PLUGIN);
    seen.hasCommand = await page.evaluate(
      id => window.jupyterapp.commands.hasCommand(id),
      OPEN_COMMAND
    );
    if (seen.hasCommand) {
      seen.commandLabel = await page.evaluate(
        id => window.jupyterapp.commands.label(id),
        OPEN_COMMAND
      );
      await page.evaluate(id => window.jupyterapp.commands.execute(id), OPEN_COMMAND);
      const panel = page.locator(PANEL);
      await panel.waitFor({ state: 'visible' });
      await panel
        .locator('.jp-EigenJobs-status[data-status="live"]')
        .waitFor({ state: 'attached' });
      seen.status = 'live';
      await panel.locator('[data-device-id="aer:statevector"]').waitFor({ state: 'visible' });
      seen.devices = await panel.locator('.jp-EigenJobs-deviceTable tbody tr').count();
      seen.title = await panel.locator('.jp-EigenJobs-title').textContent();
    }
    if (screenshot) {
      await page.screenshot({ path: screenshot });
    }
  } catch (error) {
    seen.failures.push(String(error && error.message ? error.message : error).split('\n')[0]);
  } finally {
    await browser.close();
  }
  if (!seen.activated) {
    seen.failures.push(`${PLUGIN} is not activated`);
  }
  if (!seen.hasCommand) {
    seen.failures.push(`no ${OPEN_COMMAND} command`);
  }
  for (const line of seen.console) {
    if (FAILURE.test(line)) {
      seen.failures.push(`console: ${line}`);
    }
  }
  process.stdout.write(JSON.stringify(seen) + '\n');
  process.exitCode = seen.failures.length ? 1 : 0;
}

main().catch(error => {
  process.stdout.write(JSON.stringify({ failures: [String(error)] }) + '\n');
  process.exitCode = 2;
});
