/**
 * Finalizes the unilateral close of the connected wallet's escrow once the close delay has passed
 * (client only): the escrow closes and sends the client the balance held and everything else above
 * its storage buffer (the attached value comes back with it). Refused before closeAt by the chain
 * clock, and unless a close was requested. On a closed escrow it sweeps what arrived since (a
 * settlement that bounced after the close), and is refused when there is nothing to sweep.
 *
 *     npx blueprint run finalizeEscrow --testnet --mnemonic -- --proxy <proxy>
 */
import type { NetworkProvider } from '@ton/blueprint';
import { CLIENT_ACTION_VALUE, ERR_CLOSE_TOO_EARLY, ESCROW_CLOSED, ESCROW_CLOSING, ESCROW_STORAGE_BUFFER } from '../wrappers/Escrow';
import { escrowActionCli, findEscrow, printEscrowHeader } from './lib/escrow';
import { escrowMoved, runAccountAction, wrongStatus } from './lib/escrowAction';
import { formatAt, formatTon, friendly } from './lib/format';
import { errorName } from './lib/params';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = escrowActionCli(args, { script: 'finalizeEscrow' });
    const ctx = await findEscrow(provider, cli);
    const before = await ctx.read.state();
    const balance = (await ctx.read.account()).balance;
    const now = ctx.time.now;
    const sweep = before.status === ESCROW_CLOSED;
    const client = friendly(ctx.parties.client, ctx.network);

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        client: ctx.parties.client,
        describe: async () =>
            sweep
                ? [
                      `sweep the closed escrow: what is above its ${formatTon(ESCROW_STORAGE_BUFFER)} storage buffer goes to the client ${client}`,
                  ]
                : [
                      `finalize the close: the escrow pays the balance held ${formatTon(before.balanceHeld)}, and what else is above its ${formatTon(ESCROW_STORAGE_BUFFER)} storage buffer, to the client ${client}`,
                      `Charged in total: ${formatTon(before.charged)} for ${before.tokens} tokens.`,
                  ],
        refuse: async () => {
            const state = wrongStatus(before, [ESCROW_CLOSING, ESCROW_CLOSED], 'finalizing', now);
            if (state) return `${state}; closeEscrow requests the close`;
            if (before.status === ESCROW_CLOSING && now < Number(before.closeAt)) {
                return `the close delay runs until ${formatAt(before.closeAt, now)} by the chain clock; the proxy may submit vouchers until then (${errorName(ERR_CLOSE_TOO_EARLY)})`;
            }
            if (sweep && balance <= ESCROW_STORAGE_BUFFER) {
                return `the escrow is closed and holds ${formatTon(balance)}, nothing above its storage buffer: there is nothing to sweep`;
            }
            return undefined;
        },
        value: CLIENT_ACTION_VALUE,
        valueNote: '(what the escrow does not spend comes back with the refund)',
        send: (via, queryId) => ctx.contract.send(via, { value: CLIENT_ACTION_VALUE }, { $$type: 'FinalizeClose', queryId }),
        waitingFor: 'the escrow to pay out',
        effect: async (sent) => {
            if (!(await escrowMoved(ctx, sent))) return undefined;
            const read = ctx.fresh();
            const after = await read.state();
            if (after.status !== ESCROW_CLOSED) return undefined;
            const left = (await read.account()).balance;
            if (sweep)
                return [`Swept: the escrow now holds ${formatTon(left)} (its storage buffer); the rest went to the client ${client}.`];
            return [
                `Closed: the balance held ${formatTon(before.balanceHeld)} and what else was above the storage buffer went to the client ${client}.`,
                `Charged in total: ${formatTon(after.charged)} for ${after.tokens} tokens. The escrow keeps ${formatTon(left)} for its storage and stays closed.`,
            ];
        },
        show: 'showEscrow',
    });
}
