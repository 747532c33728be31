/**
 * Submitting a signed charge voucher to the escrow it names (submitCharge; cooperativeClose for the
 * proxy's final voucher). Anyone may submit: the client, the proxy, a relayer. The script checks
 * the voucher as the escrow will (status, signature under the escrow's key, account, kind, seqno,
 * cumulative totals: checkVoucher of wrappers/vouchers.ts against the escrow's counters) and as the
 * proxy's Provider will (the escrow's key still settles there), and says what it settles: the
 * difference of the cumulative amount over what is charged, as far as the balance held goes.
 */
import type { NetworkProvider } from '@ton/blueprint';
import {
    ERR_ESCROW_STATE,
    ERR_NOT_OWN_ACCOUNT,
    ERR_VOUCHER_KIND,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_OPEN,
    submitChargeBody,
    SUBMIT_VALUE,
} from '../../wrappers/Escrow';
import { checkVoucher, KIND_CHARGE, kindName } from '../../wrappers/vouchers';
import { Cli } from './args';
import { RefusedError, ScriptError } from './errors';
import { escrowAt, escrowKeyStanding, escrowStatusName, keyBytes, printEscrowHeader, voucherArg, voucherRefusal } from './escrow';
import { runAccountAction, statusDetail } from './escrowAction';
import { poolChange } from './escrowShow';
import { formatAt, formatBps, formatHash, formatTon, friendly } from './format';
import { errorName } from './params';
import { contractProvider } from './reader';

export async function runSubmitCharge(provider: NetworkProvider, args: string[], script: 'submitCharge' | 'cooperativeClose') {
    const cli = new Cli(args, { script, args: ['voucher: text|@file'], flags: { root: 'address', 'dry-run': null } });
    const sv = voucherArg(cli);
    const v = sv.voucher;
    if (v.kind !== KIND_CHARGE) {
        throw new RefusedError(
            `Not sent: a ${kindName(v.kind)} voucher: claimPayout submits it to the worker's payout account (an escrow refuses it with ${errorName(ERR_VOUCHER_KIND)})`,
        );
    }
    if (script === 'cooperativeClose' && !v.final) {
        throw new RefusedError(
            `Not sent: voucher #${v.seqno} is not final: it settles without closing (submitCharge submits it); a cooperative close takes the proxy's final voucher`,
        );
    }
    const ctx = await escrowAt(provider, cli, v.account, "the voucher's account");
    const { network } = ctx;
    const now = ctx.time.now;
    const before = await ctx.read.state();
    const poolBefore = await ctx.proxy.read.poolState();
    const adds = v.amount > before.charged ? v.amount - before.charged : 0n;
    const add = adds < before.balanceHeld ? adds : before.balanceHeld;
    const fee = (add * poolBefore.feeBps) / 10_000n;
    const refund = before.balanceHeld - add;
    const client = friendly(ctx.parties.client, network);

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        describe: async () => {
            const lines = [
                `submit charge voucher #${v.seqno} to this escrow${v.final ? ' (final: the escrow then closes cooperatively)' : ''}`,
                `  amount  ${formatTon(v.amount)} cumulative; charged so far ${formatTon(before.charged)}: settles ${formatTon(add)}`,
                `  tokens  ${v.tokens} cumulative; settled so far ${before.tokens}`,
            ];
            if (add < adds) {
                lines.push(
                    v.final
                        ? `The escrow holds only ${formatTon(before.balanceHeld)}: the final voucher settles that and closes; the other ${formatTon(adds - add)} is the proxy's loss.`
                        : `The escrow holds only ${formatTon(before.balanceHeld)}: it settles that now; the other ${formatTon(adds - add)} needs a top-up and a later voucher (higher seqno, same totals).`,
                );
            }
            lines.push(
                `The proxy's pool receives ${formatTon(add - fee)} (protocol fee ${formatBps(poolBefore.feeBps)}: ${formatTon(fee)} set aside).`,
            );
            if (v.final)
                lines.push(`Then the escrow refunds the client ${client} ${formatTon(refund)} and what else is above its storage buffer.`);
            if (before.status === ESCROW_CLOSING && Number(before.closeAt) > now)
                lines.push(`The escrow is closing: it takes vouchers until ${formatAt(before.closeAt, now)}.`);
            return lines;
        },
        refuse: async () => {
            const takes = before.status === ESCROW_OPEN || (before.status === ESCROW_CLOSING && now < Number(before.closeAt));
            if (!takes) {
                const why =
                    before.status === ESCROW_CLOSING
                        ? `its close delay ended ${formatAt(before.closeAt, now)}`
                        : `it is ${escrowStatusName(before.status)}${before.status === ESCROW_CLOSED ? statusDetail(before, now) : ''}`;
                return `the escrow takes no more vouchers: ${why} (${errorName(ERR_ESCROW_STATE)})`;
            }
            try {
                checkVoucher(sv, {
                    publicKey: keyBytes(ctx.parties.teeKey),
                    account: ctx.address,
                    kind: KIND_CHARGE,
                    previous: {
                        kind: KIND_CHARGE,
                        account: ctx.address,
                        seqno: before.seqno,
                        tokens: before.tokens,
                        amount: before.charged,
                        commission: 0n,
                        final: false,
                    },
                });
            } catch (e) {
                return voucherRefusal(e, 'escrow');
            }
            const standing = await escrowKeyStanding(ctx);
            if (!standing.settles) {
                return `the escrow's TEE key ${formatHash(ctx.parties.teeKey)} is ${standing.text}: the proxy's Provider would refuse the settlement (${errorName(ERR_NOT_OWN_ACCOUNT)}) and the escrow would undo it, with seqno ${v.seqno} used up`;
            }
            return undefined;
        },
        value: SUBMIT_VALUE,
        valueNote: "(what the escrow and the proxy's Provider do not spend comes back to this wallet)",
        send: (via, queryId) =>
            contractProvider(provider, ctx.address).internal(via, {
                value: SUBMIT_VALUE,
                bounce: true,
                body: submitChargeBody(sv, queryId),
            }),
        waitingFor: "the escrow and the proxy's Provider to settle the charge",
        effect: async () => {
            const after = await ctx.fresh().state();
            if (after.seqno < v.seqno) return undefined;
            const pool = await ctx.proxy.fresh().poolState();
            if (pool.settlements > poolBefore.settlements) {
                const lines = [
                    `Settled voucher #${v.seqno}: charged ${formatTon(before.charged)} -> ${formatTon(after.charged)}, tokens ${before.tokens} -> ${after.tokens}; balance held ${formatTon(before.balanceHeld)} -> ${formatTon(after.balanceHeld)}.`,
                    poolChange(poolBefore, pool),
                ];
                if (v.final) {
                    if (after.status !== ESCROW_CLOSED) return undefined;
                    lines.push(
                        `Closed cooperatively: the client ${client} got back ${formatTon(refund)} and what else was above the storage buffer.`,
                    );
                }
                return lines;
            }
            if (after.charged === before.charged && after.tokens === before.tokens && (add > 0n || v.tokens > before.tokens)) {
                throw new ScriptError(
                    `the proxy's Provider refused the settlement (${errorName(ERR_NOT_OWN_ACCOUNT)}: the escrow's key no longer settles there) and the escrow undid it${after.status === ESCROW_CLOSED ? ', and refunded the client' : ''}; seqno ${v.seqno} is used up: the proxy signs the same totals again with a higher seqno. Run showEscrow.`,
                );
            }
            return undefined;
        },
        show: 'showEscrow',
    });
}
