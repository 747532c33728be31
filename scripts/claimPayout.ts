/**
 * Submits a proxy-signed payout voucher to the worker's PayoutAccount it names (anyone may: the
 * worker, the proxy, a relayer), deploying the account with the first one. The account asks the
 * proxy's pool to pay the worker owner the difference of the cumulative amount and to release the
 * matching commission to the proxy owner; if the pool cannot, the whole step is undone. The voucher
 * is its text encoding (encodeSignedVoucher, wrappers/vouchers.ts) or @<file> holding it.
 *
 * A deployed account's parties come from its getter. To deploy it, the script needs what its
 * address is made of: the proxy (--proxy or PROXY_ADDRESS), the worker (--worker-owner, default the
 * connected wallet; --worker-node, default 0) and the key (--tee-key, default the proxy's bound key
 * or the one it replaced); the address they give must be the voucher's.
 *
 *     npx blueprint run claimPayout --testnet --mnemonic -- <voucher> --proxy <proxy>
 */
import type { NetworkProvider } from '@ton/blueprint';
import {
    ERR_ESCROW_STATE,
    ERR_NOT_OWN_ACCOUNT,
    ERR_POOL_SHORT,
    ERR_VOUCHER_KIND,
    submitPayoutBody,
    SUBMIT_VALUE,
} from '../wrappers/Escrow';
import { checkVoucher, KIND_PAYOUT, kindName } from '../wrappers/vouchers';
import { RefusedError, ScriptError } from './lib/errors';
import { keyBytes, keyStanding, voucherArg, voucherRefusal } from './lib/escrow';
import { chainTime } from './lib/chain';
import { runAccountAction } from './lib/escrowAction';
import { poolChange } from './lib/escrowShow';
import { formatHash, formatTon, friendly } from './lib/format';
import { errorName } from './lib/params';
import { payoutActionCli, payoutForVoucher, payoutKeyStanding, printPayoutHeader } from './lib/payout';
import { contractProvider } from './lib/reader';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = payoutActionCli(args, { script: 'claimPayout', args: ['voucher: text|@file'] });
    const sv = voucherArg(cli);
    const v = sv.voucher;
    if (v.kind !== KIND_PAYOUT) {
        throw new RefusedError(
            `Not sent: a ${kindName(v.kind)} voucher: submitCharge submits it to the client's escrow (a payout account refuses it with ${errorName(ERR_VOUCHER_KIND)})`,
        );
    }
    const ctx = await payoutForVoucher(provider, cli, v.account);
    const { network } = ctx;
    const before = await ctx.read.state();
    const poolBefore = await ctx.proxy.read.poolState();
    const amount = v.amount > before.paid ? v.amount - before.paid : 0n;
    const commission = v.commission > before.commission ? v.commission - before.commission : 0n;
    const worker = friendly(ctx.parties.workerOwner, network);
    const init = ctx.deployed ? undefined : ctx.contract.init;

    await runAccountAction(provider, cli, {
        header: () => printPayoutHeader(ctx),
        contract: 'PayoutAccount',
        to: ctx.address,
        describe: async () => [
            `claim payout voucher #${v.seqno}${ctx.deployed ? '' : ', deploying the payout account'}${v.final ? ' (final: the account takes no voucher after it)' : ''}`,
            `  worker      ${formatTon(amount)} to the worker owner ${worker} (cumulative ${formatTon(before.paid)} -> ${formatTon(v.amount)})`,
            `  commission  ${formatTon(commission)} released to the proxy owner (cumulative ${formatTon(before.commission)} -> ${formatTon(v.commission)})`,
            `  tokens      ${before.tokens} -> ${v.tokens} cumulative`,
            `The proxy's pool holds ${formatTon(poolBefore.pool)}.`,
        ],
        refuse: async () => {
            if (before.final)
                return `the account took a final payout voucher already (seqno ${before.seqno}): it takes no more (${errorName(ERR_ESCROW_STATE)})`;
            try {
                checkVoucher(sv, {
                    publicKey: keyBytes(ctx.parties.teeKey),
                    account: ctx.address,
                    kind: KIND_PAYOUT,
                    previous: {
                        kind: KIND_PAYOUT,
                        account: ctx.address,
                        seqno: before.seqno,
                        tokens: before.tokens,
                        amount: before.paid,
                        commission: before.commission,
                        final: before.final,
                    },
                });
            } catch (e) {
                return voucherRefusal(e, 'payout account');
            }
            const standing = await payoutKeyStanding(ctx);
            if (!standing.settles) {
                return `the account's TEE key ${formatHash(ctx.parties.teeKey)} is ${standing.text}: the proxy's Provider would refuse the payout (${errorName(ERR_NOT_OWN_ACCOUNT)}) and the account would undo it, with seqno ${v.seqno} used up`;
            }
            if (poolBefore.pool < amount + commission) {
                return `the proxy's pool holds ${formatTon(poolBefore.pool)}, less than the ${formatTon(amount + commission)} this voucher releases (worker ${formatTon(amount)} plus commission ${formatTon(commission)}): the Provider would refuse it (${errorName(ERR_POOL_SHORT)}) and the account would undo it, with seqno ${v.seqno} used up; claim once more charges have settled`;
            }
            return undefined;
        },
        value: SUBMIT_VALUE,
        valueNote: "(what the account and the proxy's Provider do not spend comes back to this wallet)",
        send: (via, queryId) =>
            contractProvider(provider, ctx.address, init).internal(via, {
                value: SUBMIT_VALUE,
                bounce: true,
                body: submitPayoutBody(sv, queryId),
            }),
        waitingFor: "the payout account and the proxy's pool to pay",
        effect: async () => {
            const read = ctx.fresh();
            if (!(await read.active())) return undefined;
            const after = await read.state();
            if (after.seqno < v.seqno) return undefined;
            const pool = await ctx.proxy.fresh().poolState();
            if (pool.payouts > poolBefore.payouts) {
                return [
                    `Paid voucher #${v.seqno}: ${formatTon(amount)} to the worker owner ${worker} (paid in total ${formatTon(after.paid)}), commission ${formatTon(commission)} released to the proxy owner (in total ${formatTon(after.commission)}); tokens ${after.tokens}.`,
                    poolChange(poolBefore, pool),
                    ...(after.final ? ['The account is closed: it took its final voucher.'] : []),
                    ...(ctx.deployed ? [] : [`export PAYOUT_ADDRESS=${friendly(ctx.address, network)}`]),
                ];
            }
            if (
                after.paid === before.paid &&
                after.commission === before.commission &&
                after.tokens === before.tokens &&
                (amount > 0n || commission > 0n || v.tokens > before.tokens)
            ) {
                const now = (await chainTime(provider, ctx.address)).now;
                const standing = keyStanding((await ctx.proxy.fresh().state()).role, pool, ctx.parties.teeKey, now);
                const why = !standing.settles
                    ? `the account's key no longer settles there: ${errorName(ERR_NOT_OWN_ACCOUNT)}`
                    : pool.pool < amount + commission
                      ? `its pool was short: ${errorName(ERR_POOL_SHORT)}`
                      : `${errorName(ERR_POOL_SHORT)} or ${errorName(ERR_NOT_OWN_ACCOUNT)}`;
                throw new ScriptError(
                    `the proxy's Provider refused the payout (${why}) and the account undid it; seqno ${v.seqno} is used up: the proxy signs the same totals again with a higher seqno. Run showPayout.`,
                );
            }
            return undefined;
        },
        show: 'showPayout',
    });
}
