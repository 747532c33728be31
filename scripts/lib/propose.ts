/**
 * The propose scripts: governance sends a grant of trust, or a slash or release of a Provider
 * (enforce.ts); the Root stores it as a proposal that anyone may execute once the governance delay
 * (a slash: the veto window) has passed (executeProposal).
 */
import type { NetworkProvider } from '@ton/blueprint';
import { MAX_PENDING_PROPOSALS, ERR_TOO_MANY_PROPOSALS } from '../../wrappers/Root';
import { runAction } from './action';
import { Cli } from './args';
import { droppedSlash, isEnforcement, patience, proposedEffect, proposeNotes } from './enforce';
import { ScriptError } from './errors';
import { contentProblem, describeContent, ProposalContent, sendProposal } from './grants';
import { formatDuration, friendly } from './format';
import { errorName } from './params';
import { RootContext } from './root';
import { describeProposal } from './show';

/**
 * Proposes `content` (its queryId is replaced). `refuse` adds checks of the script's own, such as a
 * change that would change nothing.
 */
export async function runProposal(
    provider: NetworkProvider,
    cli: Cli,
    makeContent: (ctx: RootContext) => Promise<ProposalContent> | ProposalContent,
    refuse?: (ctx: RootContext, content: ProposalContent) => Promise<string | undefined>,
): Promise<void> {
    let content: ProposalContent | undefined;
    const contentOf = async (ctx: RootContext) => (content ??= await makeContent(ctx));
    const wait = patience(provider);
    await runAction(provider, cli, {
        authority: 'governance',
        describe: async (ctx) => {
            const c = await contentOf(ctx);
            const lines = await describeContent(c, ctx);
            const delay = (await ctx.read.params()).governanceDelay;
            const timing =
                c.$$type === 'ProposeSlash'
                    ? await proposeNotes(c, ctx)
                    : [`Executable after the governance delay of ${formatDuration(delay)}, by anyone.`];
            return [`propose to ${lines[0]}`, ...lines.slice(1).map((l) => (isEnforcement(c) ? `  ${l}` : l)), ...timing];
        },
        refuse: async (ctx) => {
            const c = await contentOf(ctx);
            // The Root checks a slash's amount before the proposal slots.
            if (c.$$type === 'ProposeSlash' && c.amount === 0n) return contentProblem(c, ctx, 'propose');
            const state = await ctx.read.state();
            if (state.proposalCount >= MAX_PENDING_PROPOSALS) {
                return `${MAX_PENDING_PROPOSALS} proposals are pending already (${errorName(ERR_TOO_MANY_PROPOSALS)}); execute or cancel one first`;
            }
            return (await contentProblem(c, ctx, 'propose')) ?? (await refuse?.(ctx, c));
        },
        send: async (root, via, queryId) => sendProposal(root, via, { ...content!, queryId }),
        effect: async (read, ctx, queryId) => {
            const before = (await ctx.read.state()).nextProposalId;
            const next = (await read.state()).nextProposalId;
            if (next <= before) return undefined;
            const created = (await read.proposals()).find((p) => {
                const s = p.body.beginParse();
                s.skip(32);
                return p.id >= before && s.loadUintBig(64) === queryId;
            });
            const c = content!;
            if (!created) {
                const dropped = isEnforcement(c) ? await droppedSlash(c, ctx, read) : undefined;
                if (dropped) throw new ScriptError(dropped);
                return undefined;
            }
            const after = isEnforcement(c) ? await proposedEffect(c, ctx, read, wait) : [];
            if (!after) return undefined;
            const lines = await describeProposal({ ...ctx, read }, created);
            return [
                `Proposal #${created.id} created:`,
                ...lines.map((l) => `  ${l}`),
                ...after,
                `Once executable: npx blueprint run executeProposal <network> <wallet> -- ${created.id} --root ${friendly(ctx.address, ctx.network)}`,
            ];
        },
    });
}
