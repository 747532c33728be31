/**
 * Preload for client programs (blueprint run, the scripts) talking to a devnet whose time was
 * advanced: shifts Date.now() by the devnet's time offset, read once at start from
 * $DEVNET_URL/devnet/info, so that wallets that take valid_until from the local clock (blueprint's
 * --mnemonic wallets do: now + 60 s) sign messages that have not already expired by chain time.
 *
 *   DEVNET_URL=http://127.0.0.1:8081 NODE_OPTIONS="--require ./tools/devnet/chain-clock.js" \
 *     npx blueprint run executeProposal --custom ... -- 0
 *
 * Plain JavaScript, so it loads before ts-node. Without DEVNET_URL it does nothing.
 */
'use strict';
const { execFileSync } = require('node:child_process');

const base = process.env.DEVNET_URL;
if (base && !process.env.COCOON_CHAIN_CLOCK_CHILD) {
    const url = base.replace(/\/+$/, '') + '/devnet/info';
    const fetchInfo = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { process.stderr.write(String(e)); process.exit(1); })`;
    let info;
    try {
        const text = execFileSync(process.execPath, ['-e', fetchInfo], {
            env: { ...process.env, NODE_OPTIONS: '', COCOON_CHAIN_CLOCK_CHILD: '1' },
            encoding: 'utf8',
            timeout: 10000,
        });
        info = JSON.parse(text);
    } catch (e) {
        process.stderr.write(`chain-clock: cannot read ${url}: ${e.message}\n`);
        process.exit(1);
    }
    const offsetMs = Number(info && info.result && info.result.time_offset) * 1000;
    if (!Number.isFinite(offsetMs)) {
        process.stderr.write(`chain-clock: ${url} did not report a time offset\n`);
        process.exit(1);
    }
    const realNow = Date.now;
    Date.now = () => realNow() + offsetMs;
}
