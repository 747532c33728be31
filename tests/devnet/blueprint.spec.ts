/**
 * The real operator scripts, through blueprint's own CLI, against a devnet this test starts:
 * deployRoot, proposeModel and showRoot, non-interactively (no terminal, everything from flags and
 * the environment), exactly as README.md and docs/devnet.md tell an integrator to run them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Address } from '@ton/core';
import { RunningDevnet } from '../../tools/devnet/server';
import { WALLET_VERSION } from '../../tools/devnet/wallets';
import { testDevnet } from './helpers';

jest.setTimeout(240_000);

const REPO = path.resolve(__dirname, '../..');

function blueprint(devnet: RunningDevnet, script: string, args: string[], env: Record<string, string>) {
    const argv = [
        'blueprint',
        'run',
        script,
        '--custom',
        devnet.endpoint,
        '--custom-version',
        'v2',
        '--custom-type',
        'custom',
        '--mnemonic',
        ...args,
    ];
    return new Promise<{ code: number; out: string }>((resolve) => {
        const child = execFile('npx', argv, { cwd: REPO, env: { ...process.env, ...env }, timeout: 180_000 }, (error, stdout, stderr) => {
            // eslint-disable-next-line no-control-regex
            const out = (stdout + stderr).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out });
        });
        child.stdin?.end();
    });
}

describe('devnet: blueprint run against it', () => {
    let devnet: RunningDevnet;
    let env: Record<string, string>;
    beforeAll(async () => {
        devnet = await testDevnet({ wallets: 1, holdMs: 2000 });
        env = { WALLET_MNEMONIC: devnet.chain.wallets[0].mnemonic.join(' '), WALLET_VERSION };
    });
    afterAll(async () => {
        await devnet.close();
    });

    it('deployRoot deploys the test Root, proposeModel proposes, showRoot reads it back, executeProposal executes it after the delay', async () => {
        const deployed = await blueprint(devnet, 'deployRoot', ['scripts/config/devnet.json'], env);
        expect(deployed.out).toContain('Deploy message sent with 0.5 TON.');
        expect(deployed.code).toBe(0);
        const m = /export ROOT_ADDRESS=(\S+)/.exec(deployed.out);
        expect(m).not.toBeNull();
        const rootAddress = Address.parse(m![1]);
        expect((await devnet.chain.account(rootAddress)).account?.storage.state.type).toBe('active');

        const proposed = await blueprint(devnet, 'proposeModel', ['--', 'Qwen/Qwen3-8B@main:' + 'ab'.repeat(32)], {
            ...env,
            ROOT_ADDRESS: rootAddress.toString(),
        });
        expect(proposed.code).toBe(0);
        expect(proposed.out).toMatch(/Model Qwen\/Qwen3-8B@main:(ab)+ hashes to 0x[0-9a-f]{64}/);
        expect(proposed.out).toContain('Proposal #0 created');

        const shown = await blueprint(devnet, 'showRoot', [], { ...env, ROOT_ADDRESS: rootAddress.toString() });
        expect(shown.code).toBe(0);
        expect(shown.out).toContain('isTest              true');
        expect(shown.out).toContain(`governance          ${devnet.chain.wallets[0].address.toString()}`);
        expect(shown.out).toMatch(/Pending proposals \(1 of at most 16; next id 1\)/);
        expect(shown.out).toContain('(simulated TEST root)');

        // Past the governance delay: the chain's clock moves; blueprint's wallet signs with the
        // local clock, so the chain-clock preload shifts it to chain time.
        const delay = 3600;
        const moved = await fetch(`${devnet.url}/devnet/time/advance`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ seconds: delay + 5 }),
        });
        expect(moved.status).toBe(200);
        const withRoot = { ...env, ROOT_ADDRESS: rootAddress.toString() };
        const stale = await blueprint(devnet, 'executeProposal', ['--', '0'], withRoot);
        expect(stale.code).not.toBe(0);
        expect(stale.out).toMatch(/status code 500|External message was not accepted/);
        const executed = await blueprint(devnet, 'executeProposal', ['--', '0'], {
            ...withRoot,
            DEVNET_URL: devnet.url,
            NODE_OPTIONS: `--require ${path.join(REPO, 'tools/devnet/chain-clock.js')}`,
        });
        expect(executed.out).toMatch(/configVersion is now 2/);
        expect(executed.code).toBe(0);
        const after = await blueprint(devnet, 'showRoot', [], withRoot);
        expect(after.out).toMatch(/Models \(1 of at most 128\)/);
        expect(after.out).toMatch(/Pending proposals \(0 of at most 16; next id 1\)/);
    });

    it('a script that cannot reach the API fails with a message, not silently', async () => {
        const dead = { ...devnet, endpoint: 'http://127.0.0.1:9/api/v2/jsonRPC' } as RunningDevnet;
        const res = await blueprint(dead, 'showRoot', [], { ...env, ROOT_ADDRESS: devnet.chain.wallets[0].address.toString() });
        expect(res.code).not.toBe(0);
        expect(res.out).toMatch(/ECONNREFUSED|connect/);
    });
});
