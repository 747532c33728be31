/**
 * Adds stake to a Provider (owner only). The message carries the amount plus 0.2 TON, of which
 * what the Provider does not spend comes back. A Provider with a valid binding becomes active
 * once its stake reaches the Root's minimum for its role.
 *
 *     npx blueprint run stake --testnet --mnemonic -- 100
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ACTION_VALUE, STATUS_ACTIVE } from '../wrappers/Provider';
import { parsePositiveTon } from './lib/args';
import { formatTon } from './lib/format';
import { openProvider, providerActionCli, statusName } from './lib/provider';
import { closed, runProviderAction, unregistered } from './lib/providerAction';
import { watchListing, minStakeFor, statusChange } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'stake', args: ['amount: TON'] });
    const amount = cli.parse('amount', cli.arg('amount'), parsePositiveTon);
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'owner',
        describe: async () => {
            const view = await ctx.read.rootView();
            const rootMin = minStakeFor(await ctx.root.read.params(), before.role);
            const after = before.stake + amount;
            const binding = await ctx.read.binding();
            const bound = binding !== null && !binding.revoked && Number(binding.expiresAt) > ctx.time.now;
            let outlook: string;
            if (before.status === STATUS_ACTIVE) outlook = 'The Provider is active and stays so.';
            else if (after < view.minStake)
                outlook = `Still below the minimum stake of ${formatTon(view.minStake)}: the Provider does not become active yet.`;
            else if (!bound)
                outlook = `Enough stake; the Provider becomes active once a valid TEE key is bound (bindAttestation); it is ${statusName(before.status)}.`;
            else outlook = 'The Provider becomes active.';
            return [
                `stake ${formatTon(amount)}: ${formatTon(before.stake)} -> ${formatTon(after)}`,
                outlook,
                ...(rootMin !== view.minStake
                    ? [
                          `(The Root's minimum is now ${formatTon(rootMin)}; the Provider counts ${formatTon(view.minStake)} until a re-check.)`,
                      ]
                    : []),
            ];
        },
        refuse: async () => unregistered(before) ?? closed(before),
        value: amount + ACTION_VALUE,
        send: (contract, via, queryId) => contract.sendStake(via, amount, queryId),
        waitingFor: 'the Provider to add the stake',
        effect: async (read, _ctx, sent) => {
            const after = await read.state();
            if (after.stake !== before.stake + amount) return undefined;
            const listed = await listing(read, sent);
            if (listed === undefined) return undefined;
            return [`Stake is now ${formatTon(after.stake)}.`, statusChange(before, after), ...listed];
        },
    });
}
