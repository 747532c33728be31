/**
 * Second step of a governance hand-over: the pending governance (set by an executed
 * proposeGovernance) takes over. Run it with the new governance's wallet.
 *
 *     npx blueprint run acceptGovernance --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { ERR_PAUSED } from '../wrappers/Root';
import { formatAddress, formatOptionalAddress } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'acceptGovernance' });
    await runAction(provider, cli, {
        authority: 'pendingGovernance',
        describe: async (ctx) => {
            const s = await ctx.read.state();
            return [
                `accept governance: ${formatOptionalAddress(s.pendingGovernance, ctx.network)} replaces ${formatAddress(s.governance, ctx.network)}`,
            ];
        },
        refuse: async (ctx) =>
            (await ctx.read.state()).paused
                ? `the Root is paused: governance cannot change hands until it is unpaused (${errorName(ERR_PAUSED)})`
                : undefined,
        send: (root, via, queryId) => root.sendAcceptGovernance(via, queryId),
        effect: async (read, ctx) => {
            const before = await ctx.read.state();
            const now = await read.state();
            if (!before.pendingGovernance || !now.governance.equals(before.pendingGovernance)) return undefined;
            return [`Governance is now ${formatAddress(now.governance, ctx.network)}.`];
        },
    });
}
