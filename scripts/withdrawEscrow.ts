/**
 * Withdraws from the connected wallet's escrow what is above the reserve (client only; "all" for
 * everything withdrawable). The reserve, the proxy's credit limit, stays until the escrow closes.
 * Refused unless the escrow is open, and for more than the balance held less the reserve.
 *
 *     npx blueprint run withdrawEscrow --testnet --mnemonic -- 3 --proxy <proxy>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { CLIENT_ACTION_VALUE, ERR_ABOVE_AVAILABLE, ESCROW_OPEN } from '../wrappers/Escrow';
import { parsePositiveTon } from './lib/args';
import { escrowActionCli, findEscrow, printEscrowHeader } from './lib/escrow';
import { escrowMoved, runAccountAction, withdrawable, wrongStatus } from './lib/escrowAction';
import { formatTon, friendly } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = escrowActionCli(args, { script: 'withdrawEscrow', args: ['amount: TON|all'] });
    const raw = cli.arg('amount');
    const all = raw.toLowerCase() === 'all';
    const requested = all ? undefined : cli.parse('amount', raw, parsePositiveTon);
    const ctx = await findEscrow(provider, cli);
    const before = await ctx.read.state();
    const free = withdrawable(before);
    const amount = requested ?? free;

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        client: ctx.parties.client,
        describe: async () => [
            `withdraw ${formatTon(amount)}${all ? ' (all that is withdrawable)' : ''} to the client ${friendly(ctx.parties.client, ctx.network)}: balance held ${formatTon(before.balanceHeld)} -> ${formatTon(before.balanceHeld - amount)}, reserve ${formatTon(before.reserve)} stays`,
        ],
        refuse: async () => {
            const state = wrongStatus(before, [ESCROW_OPEN], 'a withdrawal', ctx.time.now);
            if (state) return state;
            if (free === 0n) {
                return `nothing is withdrawable: the balance held ${formatTon(before.balanceHeld)} does not exceed the reserve ${formatTon(before.reserve)} (${errorName(ERR_ABOVE_AVAILABLE)})`;
            }
            if (amount > free) {
                return `${formatTon(amount)} is more than the withdrawable ${formatTon(free)}: the balance held ${formatTon(before.balanceHeld)} less the reserve ${formatTon(before.reserve)} (${errorName(ERR_ABOVE_AVAILABLE)})`;
            }
            return undefined;
        },
        value: CLIENT_ACTION_VALUE,
        valueNote: '(what the escrow does not spend comes back with the amount)',
        send: (via, queryId) => ctx.contract.send(via, { value: CLIENT_ACTION_VALUE }, { $$type: 'WithdrawAvailable', queryId, amount }),
        waitingFor: 'the escrow to pay out',
        effect: async (sent) => {
            if (!(await escrowMoved(ctx, sent))) return undefined;
            const after = await ctx.fresh().state();
            if (after.balanceHeld + (after.charged - before.charged) > before.balanceHeld - amount) return undefined;
            return [
                `Withdrew ${formatTon(amount)} to the client: balance held ${formatTon(before.balanceHeld)} -> ${formatTon(after.balanceHeld)}; withdrawable ${formatTon(withdrawable(after))}.`,
            ];
        },
        show: 'showEscrow',
    });
}
