/**
 * Deploys a Root from a JSON config file (a RootConfig, see scripts/config/README.md).
 *
 *     npx blueprint run deployRoot --testnet --mnemonic -- scripts/config/testnet.json
 *
 * Everything is checked before anything is sent: the file's fields, the parameter bounds, and that
 * a production config (isTest false) does not list the simulated test attestation root. The Root's
 * address follows from the config; if a Root is already there, nothing is sent.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { toNano } from '@ton/core';
import { ExtendedRoot, roleNames } from '../wrappers/Root';
import { Cli } from './lib/args';
import { pollSettings } from './lib/chain';
import { loadRootConfig } from './lib/config';
import { RefusedError } from './lib/errors';
import { formatAddress, formatHash, formatOptionalAddress, formatRootHash, formatTon, friendly, table } from './lib/format';
import { formatParam, PARAM_KEYS, paramProblems } from './lib/params';
import { openRootAt } from './lib/root';
import { renderRoot } from './lib/show';

/** Default balance the Root starts with; it pays the Root's storage. */
export const DEPLOY_VALUE = toNano('0.5');

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, { script: 'deployRoot', args: ['config.json'], flags: { value: 'TON', 'dry-run': null } });
    const valueArg = cli.option('value');
    const value = valueArg === undefined ? DEPLOY_VALUE : cli.parse('--value', valueArg, parseDeployValue);
    const ui = provider.ui();
    const network = provider.network();

    const configPath = cli.arg('config.json');
    if (/\.example\.json$/.test(configPath)) {
        cli.fail(
            `${configPath} is an example: copy it (e.g. to scripts/config/testnet.json) and replace its placeholder addresses, images and models`,
        );
    }
    const { init } = loadRootConfig(configPath, provider.sender().address);
    const root = await ExtendedRoot.fromRootInit(init);
    const problems = paramProblems(init.params, root.address);
    if (problems.length > 0)
        throw new RefusedError(`the config's parameters are refused, nothing was sent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

    ui.write(`Root address: ${formatAddress(root.address, network)}`);
    ui.write(`  friendly (bounceable):     ${friendly(root.address, network)}`);
    ui.write(`  friendly (non-bounceable): ${root.address.toString({ bounceable: false, testOnly: network === 'testnet' })}`);
    ui.write(`  raw:                       ${root.address.toRawString()}`);
    ui.write('Configuration');
    ui.write(
        table([
            ['isTest', String(init.isTest)],
            ['governance', formatAddress(init.governance, network)],
            ['guardian', formatOptionalAddress(init.guardian, network)],
            ['nonce', String(init.nonce)],
            ...PARAM_KEYS.map((k): [string, string] => [k, formatParam(k, init.params, network)]),
            ['attestationRoots', init.attestationRoots.keys().map(formatRootHash).join(', ') || 'none'],
            [
                'images',
                init.images
                    .keys()
                    .map((h) => `${formatHash(h)} (${roleNames(init.images.get(h)!).join(', ')})`)
                    .join(', ') || 'none',
            ],
            ['models', init.models.keys().map(formatHash).join(', ') || 'none'],
        ]).join('\n'),
    );
    if (init.isTest && network === 'mainnet') {
        ui.write('WARNING: this is a test Root (isTest true) on mainnet: it may allowlist the simulated test attestation root.');
    }

    if (await provider.isContractDeployed(root.address)) {
        ui.write(`A Root is already deployed at ${friendly(root.address, network)}; nothing was sent.`);
        ui.write(`export ROOT_ADDRESS=${friendly(root.address, network)}`);
        return;
    }
    if (cli.switch('dry-run')) {
        ui.write('Dry run: nothing sent.');
        return;
    }

    await provider.open(root).sendDeploy(provider.sender(), value);
    ui.write(`Deploy message sent with ${formatTon(value)}.`);
    const { pollAttempts, pollIntervalMs } = pollSettings(provider);
    await provider.waitForDeploy(root.address, pollAttempts, pollIntervalMs);

    const ctx = await openRootAt(provider, root.address, 'the deployed Root');
    for (const line of await renderRoot(ctx)) ui.write(line);
    ui.write(`Done. For the other scripts: export ROOT_ADDRESS=${friendly(root.address, network)}`);
}

function parseDeployValue(v: string): bigint {
    if (!/^\d+(\.\d{1,9})?$/.test(v)) throw new Error('expected a TON amount like 0.5');
    const nano = toNano(v);
    if (nano < toNano('0.05')) throw new Error("at least 0.05 TON: the Root's balance pays its storage");
    return nano;
}
