/**
 * `npm run devnet`: starts the local devnet and prints how to use it.
 *
 *   npm run devnet -- [--port 8081] [--host 127.0.0.1] [--state-dir .devnet] [--reset]
 *                     [--in-memory] [--admin] [--wallets 4] [--hold-ms 2000]
 *
 * Ctrl-C saves the state and stops it; the next start restores the chain from --state-dir.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fromNano } from '@ton/core';
import { startDevnet } from './server';
import { WALLET_VERSION } from './wallets';

const USAGE = `Usage: npm run devnet -- [options]

  --port N         port to listen on (default 8081; 0 picks a free one)
  --host H         interface to listen on (default 127.0.0.1)
  --state-dir D    where the chain is saved (default .devnet)
  --reset          discard the saved chain and start a fresh one
  --in-memory      save nothing
  --admin          enable POST /devnet/time/advance (moving chain time)
  --wallets N      pre-funded wallets on a fresh chain (default 4, at most 100)
  --hold-ms N      how long a refused external waits for earlier messages (default 2000)
  --help           this text`;

function fail(message: string): never {
    console.error(`devnet: ${message}\n\n${USAGE}`);
    process.exit(2);
}

function intOption(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) fail(`--${name} wants a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) fail(`--${name} must be from ${min} to ${max}, got ${n}`);
    return n;
}

async function main() {
    let parsed;
    try {
        parsed = parseArgs({
            options: {
                port: { type: 'string' },
                host: { type: 'string' },
                'state-dir': { type: 'string' },
                reset: { type: 'boolean' },
                'in-memory': { type: 'boolean' },
                admin: { type: 'boolean' },
                wallets: { type: 'string' },
                'hold-ms': { type: 'string' },
                help: { type: 'boolean' },
            },
            strict: true,
            allowPositionals: false,
        });
    } catch (e) {
        fail((e as Error).message);
    }
    const v = parsed.values;
    if (v.help) {
        console.log(USAGE);
        return;
    }
    const stateDir = v['in-memory'] ? null : path.resolve(v['state-dir'] ?? '.devnet');
    const devnet = await startDevnet({
        port: intOption(v.port, 'port', 0, 65535, 8081),
        host: v.host ?? '127.0.0.1',
        stateDir,
        reset: v.reset ?? false,
        admin: v.admin ?? false,
        wallets: intOption(v.wallets, 'wallets', 1, 100, 4),
        holdMs: intOption(v['hold-ms'], 'hold-ms', 0, 60000, 2000),
    }).catch((e: Error & { code?: string }) => {
        if (e.code === 'EADDRINUSE') fail(`port ${v.port ?? 8081} is in use: pick another with --port`);
        console.error(`devnet: ${e.message}`);
        process.exit(1);
    });

    process.on('unhandledRejection', (e) => console.error(`devnet: unhandled: ${(e as Error)?.stack ?? e}`));
    const { chain } = devnet;
    const restored = chain.restored;
    const out: string[] = [];
    out.push('Cocoon devnet: the toncenter v2 API over @ton/sandbox');
    out.push(`  URL:        ${devnet.url}`);
    out.push(`  JSON-RPC:   ${devnet.endpoint}`);
    out.push(
        `  State:      ${stateDir ?? 'in memory (nothing is saved)'}${stateDir ? (restored ? ` (restored, block ${chain.seqno})` : ' (fresh)') : ''}`,
    );
    out.push(`  Chain time: ${new Date(chain.now() * 1000).toISOString()} (${chain.now()})`);
    out.push(`  Admin:      ${v.admin ? 'on: POST /devnet/time/advance {"seconds": N}' : 'off (start with --admin to move chain time)'}`);
    out.push('');
    out.push(`Pre-funded wallets (WALLET_VERSION=${WALLET_VERSION}). Their keys are public: never use them on a real network.`);
    for (const w of chain.wallets) {
        const balance = (await chain.account(w.address)).account?.storage.balance.coins ?? 0n;
        out.push(`  (${w.index}) ${w.address.toString({ bounceable: false })}  ${fromNano(balance)} TON`);
        out.push(`      ${w.mnemonic.join(' ')}`);
    }
    out.push('');
    out.push(
        `Faucet: curl -s -X POST ${devnet.url}/devnet/faucet -H 'Content-Type: application/json' -d '{"address": "<address>", "amount": "10"}'`,
    );
    out.push('');
    out.push('Deploy a test Root here with wallet (0):');
    out.push(`  export WALLET_MNEMONIC="${chain.wallets[0].mnemonic.join(' ')}" WALLET_VERSION=${WALLET_VERSION}`);
    out.push(
        `  npx blueprint run deployRoot --custom ${devnet.endpoint} --custom-version v2 --custom-type custom --mnemonic scripts/config/devnet.json`,
    );
    const host = v.host ?? '127.0.0.1';
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
        out.push('');
        out.push(
            `WARNING: listening on ${host}: anyone who can reach it can use the faucet${v.admin ? ' and move chain time' : ''}; there is no authentication.`,
        );
    }
    console.log(out.join('\n'));

    let stopping = false;
    const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: saving the chain and stopping.`);
        await devnet.close();
        process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
