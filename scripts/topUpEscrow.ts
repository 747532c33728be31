/**
 * Adds to the connected wallet's escrow (client only). The message carries the amount plus the
 * escrow's 0.01 TON gas allowance, so the balance held grows by exactly the amount; what the gas
 * does not use stays in the escrow and returns at the close. Refused unless the escrow is open (or
 * still opening).
 *
 *     npx blueprint run topUpEscrow --testnet --mnemonic -- 5 --proxy <proxy>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { ESCROW_GAS_ALLOWANCE, ESCROW_OPEN, ESCROW_OPENING } from '../wrappers/Escrow';
import { parsePositiveTon } from './lib/args';
import { escrowActionCli, findEscrow, printEscrowHeader } from './lib/escrow';
import { escrowMoved, runAccountAction, withdrawable, wrongStatus } from './lib/escrowAction';
import { formatTon } from './lib/format';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = escrowActionCli(args, { script: 'topUpEscrow', args: ['amount: TON'] });
    const amount = cli.parse('amount', cli.arg('amount'), parsePositiveTon);
    const ctx = await findEscrow(provider, cli);
    const before = await ctx.read.state();
    const value = amount + ESCROW_GAS_ALLOWANCE;

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        client: ctx.parties.client,
        describe: async () => [
            `top up the escrow by ${formatTon(amount)}: balance held ${formatTon(before.balanceHeld)} -> ${formatTon(before.balanceHeld + amount)}`,
        ],
        refuse: async () => wrongStatus(before, [ESCROW_OPEN, ESCROW_OPENING], 'a top-up', ctx.time.now),
        value,
        valueNote: `(the escrow credits ${formatTon(amount)} and keeps ${formatTon(ESCROW_GAS_ALLOWANCE)} for its gas; what that leaves returns at the close)`,
        send: (via, queryId) => ctx.contract.send(via, { value }, { $$type: 'TopUp', queryId }),
        waitingFor: 'the escrow to credit the top-up',
        effect: async (sent) => {
            if (!(await escrowMoved(ctx, sent))) return undefined;
            const after = await ctx.fresh().state();
            // Charges settled meanwhile lower the balance held; they show in `charged`.
            if (after.balanceHeld + (after.charged - before.charged) < before.balanceHeld + amount) return undefined;
            return [
                `Topped up: balance held ${formatTon(before.balanceHeld)} -> ${formatTon(after.balanceHeld)}; withdrawable ${formatTon(withdrawable(after))}.`,
            ];
        },
        show: 'showEscrow',
    });
}
