/**
 * Leaves for good (owner only): all stake starts unbonding with whatever already is, a listed proxy
 * leaves the Root's directory, and the Provider takes no more stake, bindings or profile changes.
 * Once the unbonding delay has passed, withdrawStake pays everything out and the Provider is
 * exited; with nothing staked or unbonding it exits at once.
 *
 *     npx blueprint run requestExit --testnet --mnemonic
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ACTION_VALUE, ERR_ALREADY_EXITING, STATUS_EXITED, STATUS_EXITING } from '../wrappers/Provider';
import { formatAt, formatDuration, formatTon } from './lib/format';
import { errorName } from './lib/params';
import { openProvider, providerActionCli, statusName } from './lib/provider';
import { checkInFlight, runProviderAction, unregistered } from './lib/providerAction';
import { describeUnbonding, watchListing, statusChange } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'requestExit' });
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();
    const now = ctx.time.now;

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => {
            const view = await ctx.read.rootView();
            const total = before.stake + before.unbonding;
            const lines = [
                `exit: the stake ${formatTon(before.stake)} starts unbonding${before.unbonding > 0n ? ` with the ${formatTon(before.unbonding)} already unbonding` : ''}: ${formatTon(total)} in total`,
                `Withdrawable after the unbonding delay of ${formatDuration(view.unbondingDelay)}: from about ${formatAt(BigInt(now) + view.unbondingDelay, now)}.`,
                'Afterwards the Provider takes no more stake, bindings or profile changes; this cannot be undone.',
            ];
            if (before.listed) lines.push("The proxy leaves the Root's directory.");
            if (total === 0n) lines.push('Nothing is staked or unbonding: the Provider exits at once.');
            return lines;
        },
        refuse: async () => {
            const early = unregistered(before);
            if (early) return early;
            if (before.status === STATUS_EXITING || before.status === STATUS_EXITED)
                return `the Provider is ${statusName(before.status)} already (${errorName(ERR_ALREADY_EXITING)})`;
            return checkInFlight(ctx.read);
        },
        value: ACTION_VALUE,
        send: (contract, via, queryId) => contract.sendRequestExit(via, queryId),
        waitingFor: 'the Provider to start its exit',
        effect: async (read, _ctx, sent) => {
            const after = await read.state();
            if (after.status !== STATUS_EXITING && after.status !== STATUS_EXITED) return undefined;
            const listed = await listing(read, sent);
            if (listed === undefined) return undefined;
            const unbonding =
                after.status === STATUS_EXITED
                    ? ['Nothing to withdraw: the Provider has exited.']
                    : [`Unbonding: ${describeUnbonding(after, now)} (by the chain clock; then run withdrawStake).`];
            return [statusChange(before, after), ...unbonding, ...listed];
        },
    });
}
