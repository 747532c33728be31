/**
 * Proposes releasing a jailed Provider of the Root (governance only); anyone may execute it once
 * the governance delay has passed (executeProposal). Released, the Provider takes the status its
 * binding and stake give it (active, suspended or registered), and a proxy that is active again
 * lists itself. Refused for a Provider that is not jailed: the release would change nothing.
 * docs/contracts/slashing.md.
 *
 * The Provider is --provider <address>, or --owner <address> with --node <index> (default 0).
 *
 *     npx blueprint run proposeRelease --testnet --mnemonic -- --owner <owner> --node 0
 */
import type { NetworkProvider } from '@ton/blueprint';
import { resolveTarget, targetArg, targetCli } from './lib/enforce';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = targetCli(args, { script: 'proposeRelease' });
    const target = targetArg(cli);
    await runProposal(provider, cli, async (ctx) => ({ $$type: 'ProposeRelease', queryId: 0n, ...(await resolveTarget(ctx, target)) }));
}
