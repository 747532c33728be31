/**
 * Proposes a new guardian (may revoke trust and pause at once, but grant nothing), or none.
 *
 *     npx blueprint run proposeGuardian --testnet --mnemonic -- <address|none>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { actionCli } from './lib/args';
import { runProposal } from './lib/propose';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'proposeGuardian', args: ['guardian: address|none'] });
    const guardian = cli.addressOrNone('guardian');
    await runProposal(
        provider,
        cli,
        () => ({ $$type: 'ProposeGuardian', queryId: 0n, guardian }),
        async (ctx) => {
            const current = (await ctx.read.state()).guardian;
            const same = guardian === null ? current === null : current !== null && current.equals(guardian);
            return same ? (guardian ? 'this address is the guardian already' : 'the Root has no guardian already') : undefined;
        },
    );
}
