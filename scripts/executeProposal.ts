/**
 * Executes a pending proposal once its governance delay (a slash: its veto window) has passed, by
 * the chain's clock, and before it expires. Anyone may, except while the Root is paused: then only
 * governance. A slash or a release is sent with ENFORCE_VALUE (0.2 TON): the Root forwards it to
 * the Provider, which slashes or releases itself and returns the rest to the executor.
 *
 *     npx blueprint run executeProposal --testnet --mnemonic -- <proposalId>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ENFORCE_VALUE, ERR_PAUSED, ERR_PROPOSAL_EXPIRED, ERR_PROPOSAL_TOO_EARLY, GOVERNANCE_VALUE } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { executedEffect, executeNotes, isEnforcement, patience, snapshotTarget } from './lib/enforce';
import { formatAt } from './lib/format';
import { contentProblem, decodeProposal, describeGrant, grantInEffect, ProposalContent } from './lib/grants';
import { errorName } from './lib/params';
import { RootContext } from './lib/root';
import { describeProposal, missingProposal, proposalTiming } from './lib/show';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'executeProposal', args: ['proposalId'] });
    const id = cli.uint('proposalId', 0xffffffffn);
    const contentOf = async (ctx: RootContext): Promise<ProposalContent | undefined> => {
        const p = await ctx.read.proposal(id);
        return p && decodeProposal(p.body);
    };
    // Known once the Root has been read (describe runs first); a slash or release needs more value.
    let enforcing = false;
    const wait = patience(provider);
    await runAction(provider, cli, {
        authority: async (ctx) => ((await ctx.read.state()).paused ? 'governance' : 'anyone'),
        authorityError: ERR_PAUSED,
        describe: async (ctx) => {
            const p = await ctx.read.proposal(id);
            if (!p) return [`execute proposal #${id}`];
            const lines = ['execute', ...(await describeProposal(ctx, p)).map((l) => `  ${l}`)];
            const c = await contentOf(ctx);
            if (c && isEnforcement(c)) {
                enforcing = true;
                await snapshotTarget(c, ctx);
                lines.push(...(await executeNotes(c, id, ctx)));
            }
            return lines;
        },
        refuse: async (ctx) => {
            const p = await ctx.read.proposal(id);
            if (!p) return missingProposal(ctx, id);
            const now = ctx.time.now;
            switch (proposalTiming(p, now)) {
                case 'waiting':
                    return `proposal #${id} is not executable yet: executeAfter is ${formatAt(p.executeAfter, now)} by the chain clock (${errorName(ERR_PROPOSAL_TOO_EARLY)})`;
                case 'expired':
                    return `proposal #${id} expired at ${formatAt(p.expiresAt, now)} (${errorName(ERR_PROPOSAL_EXPIRED)}); cancel it and propose again`;
            }
            const c = await contentOf(ctx);
            if (!c) return `proposal #${id} has content this script does not know`;
            const problem = await contentProblem(c, ctx, 'execute');
            return problem && `the Root would refuse to execute proposal #${id}: ${problem}`;
        },
        returnedBy: () => (enforcing ? 'the Provider' : 'the Root'),
        send: (root, via, queryId) => root.sendExecuteProposal(via, id, queryId, enforcing ? ENFORCE_VALUE : GOVERNANCE_VALUE),
        effect: async (read, ctx) => {
            if (await read.proposal(id)) return undefined;
            const c = (await contentOf(ctx))!;
            if (isEnforcement(c)) return executedEffect(c, id, ctx, read, wait);
            if (!(await grantInEffect(c, read)))
                return [`Proposal #${id} is no longer pending, but its effect is not visible: it may have been cancelled meanwhile.`];
            const done = await describeGrant(c, ctx.read, ctx.network);
            const next = c.$$type === 'ProposeGovernance' ? ['The new governance must now send acceptGovernance.'] : [];
            return [`Proposal #${id} executed: ${done[0]}`, ...done.slice(1), ...next];
        },
    });
}
