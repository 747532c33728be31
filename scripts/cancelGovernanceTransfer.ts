/**
 * Withdraws an executed governance hand-over that the new governance has not accepted yet, at once
 * (governance or the guardian).
 *
 *     npx blueprint run cancelGovernanceTransfer --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_NOT_PENDING_GOVERNANCE } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatOptionalAddress } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'cancelGovernanceTransfer' });
    await runAction(provider, cli, {
        authority: 'governanceOrGuardian',
        describe: async (ctx) => [
            `withdraw the hand-over to ${formatOptionalAddress((await ctx.read.state()).pendingGovernance, ctx.network)}`,
        ],
        refuse: async (ctx) =>
            (await ctx.read.state()).pendingGovernance
                ? undefined
                : `no governance hand-over is pending (${errorName(ERR_NOT_PENDING_GOVERNANCE)})`,
        send: (root, via, queryId) => root.sendCancelGovernanceTransfer(via, queryId),
        effect: async (read) => ((await read.state()).pendingGovernance ? undefined : ['The governance hand-over is withdrawn.']),
    });
}
