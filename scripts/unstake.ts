/**
 * Requests to unstake part of a Provider's stake (owner only). The amount starts unbonding: it
 * stays in the contract, and slashable, until the unbonding delay has passed; then withdrawStake
 * sends it to the owner. A new request restarts the delay for everything unbonding.
 *
 *     npx blueprint run unstake --testnet --mnemonic -- 50
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ACTION_VALUE, ERR_INSUFFICIENT_STAKE, ROLE_PROXY, STATUS_ACTIVE } from '../wrappers/Provider';
import { parsePositiveTon } from './lib/args';
import { formatAt, formatDuration, formatTon } from './lib/format';
import { errorName } from './lib/params';
import { openProvider, providerActionCli } from './lib/provider';
import { runProviderAction } from './lib/providerAction';
import { describeUnbonding, watchListing, statusChange } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'unstake', args: ['amount: TON'] });
    const amount = cli.parse('amount', cli.arg('amount'), parsePositiveTon);
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();
    const now = ctx.time.now;

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => {
            const view = await ctx.read.rootView();
            const rootDelay = (await ctx.root.read.params()).unbondingDelay;
            const unlock = BigInt(now) + view.unbondingDelay;
            const lines = [
                `unstake ${formatTon(amount)}: stake ${formatTon(before.stake)} -> ${formatTon(before.stake - amount)}, unbonding ${formatTon(before.unbonding)} -> ${formatTon(before.unbonding + amount)}`,
                `Withdrawable after the unbonding delay of ${formatDuration(view.unbondingDelay)}: from about ${formatAt(unlock, now)}.`,
            ];
            if (rootDelay !== view.unbondingDelay)
                lines.push(
                    `(The Provider counts the delay it last heard; the Root's is now ${formatDuration(rootDelay)}: a re-check refreshes it.)`,
                );
            if (before.unbonding > 0n)
                lines.push(
                    `The delay restarts for all ${formatTon(before.unbonding + amount)} unbonding (it was ${describeUnbonding(before, now)}).`,
                );
            if (before.status === STATUS_ACTIVE && before.stake - amount < view.minStake) {
                lines.push(
                    `WARNING: the stake falls below the minimum of ${formatTon(view.minStake)}: the Provider stops being active${before.role === ROLE_PROXY ? " and leaves the Root's proxy directory" : ''}.`,
                );
            }
            return lines;
        },
        refuse: async () =>
            amount > before.stake ? `the stake is only ${formatTon(before.stake)} (${errorName(ERR_INSUFFICIENT_STAKE)})` : undefined,
        value: ACTION_VALUE,
        send: (contract, via, queryId) => contract.sendRequestUnstake(via, amount, queryId),
        waitingFor: 'the Provider to start the unbonding',
        effect: async (read, _ctx, sent) => {
            const after = await read.state();
            if (after.unbonding !== before.unbonding + amount || after.stake !== before.stake - amount) return undefined;
            const listed = await listing(read, sent);
            if (listed === undefined) return undefined;
            return [
                `Unbonding: ${describeUnbonding(after, now)} (by the chain clock; then run withdrawStake).`,
                `Stake is now ${formatTon(after.stake)}.`,
                statusChange(before, after),
                ...listed,
            ];
        },
    });
}
