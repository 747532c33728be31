/**
 * Sends a Provider's unbonded stake to its owner once the unbonding delay has passed (owner only).
 * Refused before sending while nothing is unbonding, before the unlock time (by the chain clock),
 * or while withdrawals are frozen by a pending slash. After an exit, the last withdrawal leaves the
 * Provider exited.
 *
 *     npx blueprint run withdrawStake --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import {
    ERR_NOTHING_TO_WITHDRAW,
    ERR_UNBONDING_NOT_FINISHED,
    ERR_WITHDRAWALS_FROZEN,
    STATUS_EXITED,
    WITHDRAW_VALUE,
} from '../wrappers/Provider';
import { formatAt, formatTon, friendly } from './lib/format';
import { errorName } from './lib/params';
import { openProvider, providerActionCli } from './lib/provider';
import { runProviderAction } from './lib/providerAction';
import { statusChange } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'withdrawStake' });
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();
    const now = ctx.time.now;

    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => [`withdraw the unbonded ${formatTon(before.unbonding)} to the owner ${friendly(ctx.owner, ctx.network)}`],
        refuse: async () => {
            if (before.unbonding === 0n)
                return `nothing is unbonding (${errorName(ERR_NOTHING_TO_WITHDRAW)}); unstake or requestExit first`;
            if (now < Number(before.unlockAt)) {
                return `the unbonding ${formatTon(before.unbonding)} unlocks at ${formatAt(before.unlockAt, now)} by the chain clock (${errorName(ERR_UNBONDING_NOT_FINISHED)})`;
            }
            if (before.withdrawalsFrozen)
                return `withdrawals are frozen while a slash is pending (${errorName(ERR_WITHDRAWALS_FROZEN)}); they resume when it is executed or cancelled`;
            return undefined;
        },
        value: WITHDRAW_VALUE,
        send: (contract, via, queryId) => contract.sendWithdrawStake(via, queryId),
        waitingFor: 'the Provider to pay out',
        effect: async (read, _ctx, sent) => {
            const after = await read.state();
            if (after.unbonding !== 0n || (await read.lastLt()) <= sent.lastLt) return undefined;
            return [
                `Withdrew ${formatTon(before.unbonding)} to the owner ${friendly(ctx.owner, ctx.network)} (with the rest of the attached value).`,
                statusChange(before, after),
                ...(after.status === STATUS_EXITED ? ['The Provider has exited: nothing is left staked or unbonding.'] : []),
            ];
        },
    });
}
