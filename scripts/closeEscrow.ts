/**
 * Requests the unilateral close of the connected wallet's escrow (client only): the Root's client
 * close delay, learned at opening, starts. Until it ends the proxy may still submit its latest
 * charge voucher; then finalizeEscrow pays the balance held back. (A cooperative close is the
 * proxy's final voucher instead: cooperativeClose.) The attached value stays in the escrow and
 * returns with the close. Refused unless the escrow is open.
 *
 *     npx blueprint run closeEscrow --testnet --mnemonic -- --proxy <proxy>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { CLIENT_ACTION_VALUE, ESCROW_CLOSING, ESCROW_OPEN } from '../wrappers/Escrow';
import { escrowActionCli, findEscrow, printEscrowHeader } from './lib/escrow';
import { runAccountAction, wrongStatus } from './lib/escrowAction';
import { formatAt, formatDuration, formatTon } from './lib/format';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = escrowActionCli(args, { script: 'closeEscrow' });
    const ctx = await findEscrow(provider, cli);
    const before = await ctx.read.state();
    const now = ctx.time.now;

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        client: ctx.parties.client,
        describe: async () => [
            `request a unilateral close: the close delay of ${formatDuration(before.closeDelay)} starts`,
            `Until about ${formatAt(now + Number(before.closeDelay), now)} the proxy may still submit its latest charge voucher; then finalizeEscrow pays the balance held (${formatTon(before.balanceHeld)} now, less what those vouchers charge) back to the client.`,
            'Deposits, top-ups and withdrawals stop now. For a refund at once, ask the proxy for its final voucher (cooperativeClose).',
        ],
        refuse: async () => wrongStatus(before, [ESCROW_OPEN], 'a close request', now),
        value: CLIENT_ACTION_VALUE,
        valueNote: '(it stays in the escrow and returns with the close)',
        send: (via, queryId) => ctx.contract.send(via, { value: CLIENT_ACTION_VALUE }, { $$type: 'RequestClose', queryId }),
        waitingFor: 'the escrow to start the close delay',
        effect: async () => {
            const after = await ctx.fresh().state();
            if (after.status !== ESCROW_CLOSING) return undefined;
            return [
                `Closing: finalizeEscrow pays out from ${formatAt(after.closeAt, now)} by the chain clock (closeAt ${after.closeAt}).`,
                `Balance held: ${formatTon(after.balanceHeld)}.`,
            ];
        },
        show: 'showEscrow',
    });
}
