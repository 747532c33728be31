/**
 * Proposes slashing up to an amount of one of the Root's Providers (governance only), for a
 * reason named by its hash. The Provider's withdrawals freeze at once; anyone may execute the
 * slash once the veto window has passed (executeProposal), and until then governance or the
 * guardian may cancel it (cancelProposal), which unfreezes. Executed, it takes up to the amount
 * from the stake, then from the unbonding stake (capped at what the Provider holds then), pays it
 * all to the treasury, jails the Provider (unless it is exiting or exited) and delists a proxy.
 * docs/contracts/slashing.md.
 *
 * The Provider is --provider <address>, or --owner <address> with --node <index> (default 0). The
 * reason is a 64-hex-digit hash, or @<file> whose SHA-256 becomes the hash (publish the file).
 *
 *     npx blueprint run proposeSlash --testnet --mnemonic -- 100 @incident.md --owner <owner> --node 0
 */
import type { NetworkProvider } from '@ton/blueprint';
import { parseTon } from './lib/args';
import { reasonArg, resolveTarget, targetArg, targetCli } from './lib/enforce';
import { formatHash } from './lib/format';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = targetCli(args, { script: 'proposeSlash', args: ['amount: TON', 'reason: hash|@file'] });
    const amount = cli.parse('amount', cli.arg('amount'), (v) => parseTon(v));
    const reason = reasonArg(cli, 'reason');
    const target = targetArg(cli);
    if (reason.source) provider.ui().write(`Reason hash ${formatHash(reason.hash)}: ${reason.source}.`);
    await runProposal(provider, cli, async (ctx) => ({
        $$type: 'ProposeSlash',
        queryId: 0n,
        ...(await resolveTarget(ctx, target)),
        amount,
        reasonHash: reason.hash,
    }));
}
