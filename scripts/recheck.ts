/**
 * Asks a Provider to re-check its binding with its Root (anyone may, and pays the 0.25 TON query,
 * less what comes back): the Provider refreshes the Root's parameters, suspends itself when the
 * image or attestation root is no longer allowed or the binding expired, reactivates when trust is
 * back, and a proxy lists or delists itself accordingly.
 *
 *     npx blueprint run recheck --testnet --mnemonic -- --provider <address>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { CHECK_VALUE, ERR_PROVIDER_CLOSED, STATUS_EXITED } from '../wrappers/Provider';
import { formatHash } from './lib/format';
import { errorName } from './lib/params';
import { openProvider, providerActionCli, statusName } from './lib/provider';
import { checkInFlight, runProviderAction, settled, throwIfRefused, unregistered } from './lib/providerAction';
import { watchListing, minStakeFor, predictRecheck, statusChange, trustNow } from './lib/providerShow';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = providerActionCli(args, { script: 'recheck' });
    const ctx = await openProvider(provider, cli);
    const before = await ctx.read.state();
    const binding = await ctx.read.binding();
    const viewBefore = await ctx.read.rootView();

    const listing = await watchListing(ctx);
    await runProviderAction(ctx, cli, {
        authority: 'anyone',
        describe: async () => {
            const trust = binding ? await trustNow(ctx.root.read, binding.imageHash, binding.attestationRoot, before.role) : undefined;
            const minStake = minStakeFor(await ctx.root.read.params(), before.role);
            const next = predictRecheck(before, binding, trust, minStake, ctx.time.now);
            const what = binding
                ? `re-check the binding of TEE key ${formatHash(binding.teeKey)} with the Root`
                : "refresh the Root's parameters (no TEE key is bound)";
            const expected =
                next.status === before.status
                    ? `Expected: stays ${statusName(before.status)}${next.why.length > 0 ? ` (${next.why.join('; ')})` : ''}.`
                    : `Expected: ${statusName(before.status)} -> ${statusName(next.status)}${next.why.length > 0 ? ` (${next.why.join('; ')})` : ''}.`;
            return [what, expected];
        },
        refuse: async () => {
            const early = unregistered(before);
            if (early) return early;
            if (before.status === STATUS_EXITED) return `the Provider has exited (${errorName(ERR_PROVIDER_CLOSED)})`;
            return checkInFlight(ctx.read);
        },
        value: CHECK_VALUE,
        send: (contract, via, queryId) => contract.sendRecheck(via, queryId),
        waitingFor: "the Root's answer to the re-check",
        effect: async (read, _ctx, sent) => {
            if (!(await settled(read, sent))) return undefined;
            await throwIfRefused(ctx, sent); // a bounced Recheck also leaves nothing pending
            const listed = await listing(read, sent);
            if (listed === undefined) return undefined;
            const after = await read.state();
            const b = await read.binding();
            const view = await read.rootView();
            const lines = ['Re-checked.', statusChange(before, after)];
            if (binding && b && b.revoked !== binding.revoked)
                lines.push(
                    b.revoked
                        ? 'The binding is revoked: the Root no longer allows its image or root, or is paused.'
                        : 'The binding is valid again.',
                );
            if (view.configVersion !== viewBefore.configVersion)
                lines.push(`The Provider now knows the Root's configVersion ${view.configVersion} (was ${viewBefore.configVersion}).`);
            return [...lines, ...listed];
        },
    });
}
