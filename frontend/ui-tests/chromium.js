/**
 * Debian's Chromium, headless, as the browser tests launch it (no browser download, and no
 * background connections this machine's closed network would refuse).
 */
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const args = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage'
];

module.exports = { executablePath, args };
