/**
 * Cancels a pending proposal: governance or the guardian may cancel any, anyone may clear an expired
 * one (which frees its slot).
 *
 *     npx blueprint run cancelProposal --testnet --mnemonic -- <proposalId>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { describeProposal, missingProposal, proposalTiming } from './lib/show';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'cancelProposal', args: ['proposalId'] });
    const id = cli.uint('proposalId', 0xffffffffn);
    await runAction(provider, cli, {
        authority: async (ctx) => {
            const p = await ctx.read.proposal(id);
            return p && proposalTiming(p, ctx.time.now) === 'expired' ? 'anyone' : 'governanceOrGuardian';
        },
        describe: async (ctx) => {
            const p = await ctx.read.proposal(id);
            return p ? ['cancel', ...(await describeProposal(ctx, p)).map((l) => `  ${l}`)] : [`cancel proposal #${id}`];
        },
        refuse: async (ctx) => ((await ctx.read.proposal(id)) ? undefined : missingProposal(ctx, id)),
        send: (root, via, queryId) => root.sendCancelProposal(via, id, queryId),
        effect: async (read) => ((await read.proposal(id)) ? undefined : [`Proposal #${id} cancelled.`]),
    });
}
