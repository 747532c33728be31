/**
 * Executes a pending proposal once its governance delay has passed (by the chain's clock) and
 * before it expires. Anyone may, except while the Root is paused: then only governance.
 *
 *     npx blueprint run executeProposal --testnet --mnemonic -- <proposalId>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ERR_PROPOSAL_EXPIRED, ERR_PROPOSAL_TOO_EARLY } from '../wrappers/Root';
import { runAction } from './lib/action';
import { actionCli } from './lib/args';
import { formatAt } from './lib/format';
import { decodeGrant, describeGrant, grantInEffect, grantProblem } from './lib/grants';
import { errorName } from './lib/params';
import { describeProposal, missingProposal, proposalTiming } from './lib/show';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = actionCli(args, { script: 'executeProposal', args: ['proposalId'] });
    const id = cli.uint('proposalId', 0xffffffffn);
    await runAction(provider, cli, {
        authority: async (ctx) => ((await ctx.read.state()).paused ? 'governance' : 'anyone'),
        describe: async (ctx) => {
            const p = await ctx.read.proposal(id);
            return p ? ['execute', ...(await describeProposal(ctx, p)).map((l) => `  ${l}`)] : [`execute proposal #${id}`];
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
            const grant = decodeGrant(p.body);
            if (!grant) return `proposal #${id} has content this script does not know`;
            const problem = await grantProblem(grant, ctx.read, ctx.address, 'execute');
            return problem && `the Root would refuse to execute proposal #${id}: ${problem}`;
        },
        send: (root, via, queryId) => root.sendExecuteProposal(via, id, queryId),
        effect: async (read, ctx) => {
            if (await read.proposal(id)) return undefined;
            const grant = decodeGrant((await ctx.read.proposal(id))!.body)!;
            if (!(await grantInEffect(grant, read)))
                return [`Proposal #${id} is no longer pending, but its effect is not visible: it may have been cancelled meanwhile.`];
            const done = await describeGrant(grant, ctx.read, ctx.network);
            const next = grant.$$type === 'ProposeGovernance' ? ['The new governance must now send acceptGovernance.'] : [];
            return [`Proposal #${id} executed: ${done[0]}`, ...done.slice(1), ...next];
        },
    });
}
