/**
 * Cancels a pending proposal: governance or the guardian may cancel any, anyone may clear an expired
 * one (which frees its slot). Cancelling a slash (a veto) unfreezes its target's withdrawals,
 * unless another slash of the same Provider is still pending; it is sent with ENFORCE_VALUE.
 *
 *     npx blueprint run cancelProposal --testnet --mnemonic -- <proposalId>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ENFORCE_VALUE, GOVERNANCE_VALUE } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { cancelledEffect, cancelNotes, isEnforcement, patience } from './lib/enforce';
import { decodeProposal, ProposalContent } from './lib/grants';
import { RootContext } from './lib/root';
import { describeProposal, missingProposal, proposalTiming } from './lib/show';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'cancelProposal', args: ['proposalId'] });
    const id = cli.uint('proposalId', 0xffffffffn);
    const contentOf = async (ctx: RootContext): Promise<ProposalContent | undefined> => {
        const p = await ctx.read.proposal(id);
        return p && decodeProposal(p.body);
    };
    // Known once the Root has been read (describe runs first): cancelling a slash needs more value,
    // as the Root may send its target UnfreezeWithdrawals.
    let slash = false;
    const wait = patience(provider);
    await runAction(provider, cli, {
        authority: async (ctx) => {
            const p = await ctx.read.proposal(id);
            return p && proposalTiming(p, ctx.time.now) === 'expired' ? 'anyone' : 'governanceOrGuardian';
        },
        describe: async (ctx) => {
            const p = await ctx.read.proposal(id);
            if (!p) return [`cancel proposal #${id}`];
            const c = await contentOf(ctx);
            slash = c?.$$type === 'ProposeSlash';
            const notes = c && isEnforcement(c) ? await cancelNotes(c, id, ctx) : [];
            return ['cancel', ...(await describeProposal(ctx, p)).map((l) => `  ${l}`), ...notes];
        },
        refuse: async (ctx) => ((await ctx.read.proposal(id)) ? undefined : missingProposal(ctx, id)),
        send: (root, via, queryId) => root.sendCancelProposal(via, id, queryId, slash ? ENFORCE_VALUE : GOVERNANCE_VALUE),
        effect: async (read, ctx) => {
            if (await read.proposal(id)) return undefined;
            const c = await contentOf(ctx);
            const after = c && isEnforcement(c) ? await cancelledEffect(c, ctx, read, wait) : [];
            return after && [`Proposal #${id} cancelled.`, ...after];
        },
    });
}
