/**
 * The propose scripts: governance sends a grant of trust, the Root stores it as a proposal that
 * anyone may execute once the governance delay has passed (executeProposal).
 */
import type { NetworkProvider } from '@ton/blueprint';
import { MAX_PENDING_PROPOSALS, ERR_TOO_MANY_PROPOSALS } from '../../wrappers/Root';
import { runAction } from './action';
import { Cli } from './args';
import { describeGrant, Grant, grantProblem, sendGrant } from './grants';
import { formatDuration, friendly } from './format';
import { errorName } from './params';
import { RootContext } from './root';
import { describeProposal } from './show';

/**
 * Proposes `grant` (its queryId is replaced). `refuse` adds checks of the script's own, such as a
 * change that would change nothing.
 */
export async function runProposal(
    provider: NetworkProvider,
    cli: Cli,
    makeGrant: (ctx: RootContext) => Promise<Grant> | Grant,
    refuse?: (ctx: RootContext, grant: Grant) => Promise<string | undefined>,
): Promise<void> {
    let grant: Grant | undefined;
    const grantOf = async (ctx: RootContext) => (grant ??= await makeGrant(ctx));
    await runAction(provider, cli, {
        authority: 'governance',
        describe: async (ctx) => {
            const g = await grantOf(ctx);
            const lines = await describeGrant(g, ctx.read, ctx.network);
            const delay = (await ctx.read.params()).governanceDelay;
            return [
                `propose to ${lines[0]}`,
                ...lines.slice(1),
                `Executable after the governance delay of ${formatDuration(delay)}, by anyone.`,
            ];
        },
        refuse: async (ctx) => {
            const g = await grantOf(ctx);
            const state = await ctx.read.state();
            if (state.proposalCount >= MAX_PENDING_PROPOSALS) {
                return `${MAX_PENDING_PROPOSALS} proposals are pending already (${errorName(ERR_TOO_MANY_PROPOSALS)}); execute or cancel one first`;
            }
            return (await grantProblem(g, ctx.read, ctx.address, 'propose')) ?? (await refuse?.(ctx, g));
        },
        send: async (root, via, queryId) => sendGrant(root, via, { ...grant!, queryId }),
        effect: async (read, ctx, queryId) => {
            const before = (await ctx.read.state()).nextProposalId;
            if ((await read.state()).nextProposalId <= before) return undefined;
            const created = (await read.proposals()).find((p) => {
                const s = p.body.beginParse();
                s.skip(32);
                return p.id >= before && s.loadUintBig(64) === queryId;
            });
            if (!created) return undefined;
            const lines = await describeProposal({ ...ctx, read }, created);
            return [
                `Proposal #${created.id} created:`,
                ...lines.map((l) => `  ${l}`),
                `Once executable: npx blueprint run executeProposal <network> <wallet> -- ${created.id} --root ${friendly(ctx.address, ctx.network)}`,
            ];
        },
    });
}
