/**
 * Deploys and registers a Provider for one of the connected wallet's nodes, as a worker or a proxy,
 * with its profile (a JSON file, see scripts/README.md). The address follows from the Root, the
 * owner (this wallet) and the node index (default 0), so it is printed before anything is sent.
 * The profile is checked against the contract's bounds first; the script then waits until the
 * Provider is registered and has learned the Root's parameters.
 *
 *     npx blueprint run registerProvider --testnet --mnemonic -- worker scripts/config/worker-profile.json --node 0
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_ALREADY_REGISTERED, PROVIDER_STORAGE_BUFFER, REGISTER_VALUE } from '../wrappers/Provider';
import { Cli, parseUint } from './lib/args';
import { formatDuration, formatTon, friendly, table } from './lib/format';
import { errorName } from './lib/params';
import { loadProfileFile, ProviderRole, profileRows } from './lib/profile';
import { MAX_NODE_INDEX, openNode, roleName } from './lib/provider';
import { runProviderAction } from './lib/providerAction';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, {
        script: 'registerProvider',
        args: ['role: worker|proxy', 'profile.json'],
        flags: { node: 'index', root: 'address', 'dry-run': null },
    });
    const role = cli.parse('role', cli.arg('role'), parseRole);
    const path = cli.arg('profile.json');
    if (/\.example\.json$/.test(path)) {
        cli.fail(`${path} is an example: copy it (e.g. to scripts/config/${role}-profile.json) and describe your node`);
    }
    const { profile, modelSpecs } = loadProfileFile(path, role);
    const nodeArg = cli.option('node');
    const nodeIndex = nodeArg === undefined ? 0n : cli.parse('--node', nodeArg, (v) => parseUint(v, MAX_NODE_INDEX));
    const ctx = await openNode(provider, cli, nodeIndex);
    const { network } = ctx;

    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => {
            const models = await ctx.root.read.models();
            const note = (h: bigint) =>
                `${modelSpecs.has(h) ? ` (${modelSpecs.get(h)})` : ''}${models.includes(h) ? '' : '  WARNING: not allowed by the Root (showRoot lists the models it allows)'}`;
            return [
                `register node ${nodeIndex}${nodeArg === undefined ? ' (the default; --node <index> for another)' : ''} as a ${role}, deploying its Provider, with the profile:`,
                ...table(profileRows(role, profile, note), '    '),
                `${formatTon(REGISTER_VALUE)} attached: ${formatTon(PROVIDER_STORAGE_BUFFER)} stays as the Provider's storage buffer, the rest comes back once the Root has answered.`,
            ];
        },
        refuse: async () => {
            if (!ctx.deployed) return undefined;
            const state = await ctx.read.state();
            if (state.role === 0n) return undefined;
            return `node ${nodeIndex} is registered already, as a ${roleName(state.role)} (${errorName(ERR_ALREADY_REGISTERED)}); updateProfile changes its profile, and the role is fixed`;
        },
        value: REGISTER_VALUE,
        send: (contract, via, queryId) => contract.sendRegister(via, role, profile, queryId),
        waitingFor: 'the Provider to register and hear from its Root',
        effect: async (read) => {
            if ((await read.account()).state.type !== 'active') return undefined;
            const state = await read.state();
            if (state.role === 0n || state.checkPending) return undefined;
            const view = await read.rootView();
            const address = friendly(ctx.address, network);
            if (view.minStake === 0n) {
                return [
                    `Registered node ${nodeIndex} as a ${role}, but the Root's parameters did not arrive (its query bounced): run recheck to ask again.`,
                    `For the other scripts: export PROVIDER_ADDRESS=${address}`,
                ];
            }
            return [
                `Registered node ${nodeIndex} as a ${role}: status registered.`,
                `Learned from the Root (configVersion ${view.configVersion}): minimum stake ${formatTon(view.minStake)}, unbonding delay ${formatDuration(view.unbondingDelay)}, attestation lifetime ${formatDuration(view.attestationLifetime)}.`,
                `Next: bindAttestation (bind the enclave's TEE key) and stake (at least ${formatTon(view.minStake)}) make it active.`,
                `For the other scripts: export PROVIDER_ADDRESS=${address}`,
            ];
        },
    });
}

function parseRole(v: string): ProviderRole {
    const r = v.toLowerCase();
    if (r !== 'worker' && r !== 'proxy') throw new Error('expected worker or proxy');
    return r;
}
