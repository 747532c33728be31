/**
 * PayoutAccount (decision 0004): a payout voucher, submitted by anyone, releases the differences
 * of the worker's cumulative amount and the proxy's cumulative commission from the proxy's pool.
 * The worker owner receives its amount, the commission becomes withdrawable, the account's and
 * the pool's counters say so (no event per payout: dropped for gas, docs/contracts/escrow.md). Every refusal changes nothing; a pool that cannot pay, or a Provider that
 * does not recognise the account, bounces the request and the account puts its counters back.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_OWN_ACCOUNT,
    ERR_POOL_SHORT,
    ERR_VOUCHER_ACCOUNT,
    ERR_VOUCHER_DECREASING,
    ERR_VOUCHER_KIND,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    Escrow,
    loadPayoutRequested,
    MIN_VALUE_SUBMIT,
    submitPayoutBody,
} from '../../wrappers/Escrow';
import { SignedVoucher } from '../../wrappers/vouchers';
import { Actor, Env } from '../fixtures/environment';
import { errorName, feesPaid, Node, publicKeyInt, teeKey } from '../helpers/provider';
import { messagesBetween, plain, sharedEnvironment, storageFees } from '../helpers/root';
import {
    activeProxy,
    balanceOf,
    capturePayout,
    capturePool,
    charge,
    EscrowContract,
    expectPoolUnchanged,
    expectRefusedWith,
    openEscrow,
    payout,
    payoutAccountOf,
    payoutCounters,
    PayoutContract,
    payoutRefuses,
    sendBody,
    settlementExcess,
    escrowEvents,
    signCharge,
    signPayout,
    submitPayout,
    tampered,
    valuesBetween,
} from './helpers';

interface Setup {
    proxy: Node; // active; its pool holds 6 TON charged from alice, less the protocol fee
    alice: Actor;
    escrow: EscrowContract;
    wendy: Actor; // a worker's owner
    account: PayoutContract; // wendy's node 0 with the proxy, not deployed yet
    node1: PayoutContract; // wendy's node 1, deployed by a first payout of 0.1 TON
}

const CHARGED = toNano('6');

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await activeProxy(env);
    const alice = await env.blockchain.treasury('alice');
    const wendy = await env.blockchain.treasury('wendy');
    const { escrow } = await openEscrow(env, proxy, alice);
    await charge(env, escrow, proxy, { seqno: 1n, tokens: 6_000n, amount: CHARGED });
    const account = await payoutAccountOf(env, proxy, wendy.address, 0n);
    const node1 = await payoutAccountOf(env, proxy, wendy.address, 1n);
    await payout(env, node1, proxy, { seqno: 1n, tokens: 100n, amount: toNano('0.1'), commission: 0n });
    return { proxy, alice, escrow, wendy, account, node1 };
});

async function poolNow(s: Setup) {
    return s.proxy.provider.getPoolState();
}

describe('A fresh payout account', () => {
    it("the first payout voucher, sent with the account's state init by anyone, deploys it and pays the worker owner", async () => {
        const { env, extra } = ctx;
        const { account, proxy, wendy } = extra;
        expect((await env.blockchain.getContract(account.address)).accountState?.type).not.toBe('active');
        const r = await submitPayout(
            env,
            account,
            signPayout(proxy.key, account.address, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: toNano('0.1') }),
        );
        expect(r.transactions).toHaveTransaction({ from: env.stranger.address, to: account.address, deploy: true, success: true });
        expect(valuesBetween(r, proxy.provider.address, wendy.address)).toEqual([toNano('1')]);
        expect(await payoutCounters(account)).toEqual([1n, 10n, toNano('1'), toNano('0.1')]);
    });

    it('states its parties', async () => {
        const { env, extra } = ctx;
        expect(plain(await extra.node1.getParties())).toEqual(
            plain({
                $$type: 'PayoutParties',
                root: env.root.address,
                proxy: extra.proxy.provider.address,
                teeKey: publicKeyInt(extra.proxy.key),
                workerOwner: extra.wendy.address,
                workerNode: 1n,
            }),
        );
    });
});

describe('Payout vouchers', () => {
    it('the worker owner receives the difference, the commission is released, the counters say so', async () => {
        const { env, extra } = ctx;
        const { proxy, account, wendy } = extra;
        const p0 = await poolNow(extra);
        const provider0 = await balanceOf(env, proxy.provider.address);
        const wendy0 = await balanceOf(env, wendy.address);

        const r1 = await submitPayout(
            env,
            account,
            signPayout(proxy.key, account.address, { seqno: 1n, tokens: 300n, amount: toNano('1'), commission: toNano('0.2') }),
            {
                queryId: 21n,
            },
        );
        const request = messagesBetween(r1, account.address, proxy.provider.address);
        expect(request).toHaveLength(1);
        expect(request[0].bounce).toBe(true);
        expect(plain(loadPayoutRequested(request[0].body.beginParse()))).toEqual(
            plain({
                $$type: 'PayoutRequested',
                amount: toNano('1'),
                commission: toNano('0.2'),
                tokens: 300n,
                queryId: 21n,
                workerOwner: wendy.address,
                workerNode: 0n,
                teeKey: publicKeyInt(proxy.key),
                excessTo: env.stranger.address,
            }),
        );
        expect(valuesBetween(r1, proxy.provider.address, wendy.address)).toEqual([toNano('1')]);
        expect(await balanceOf(env, wendy.address)).toBe(wendy0 + toNano('1') - feesPaid(r1, wendy.address));
        expect(settlementExcess(r1, proxy.provider.address, env.stranger.address)).toBeGreaterThan(0n);
        // no event per payout (dropped for gas): the getters and the PayoutRequested body say it all
        expect(escrowEvents(r1, account.address)).toEqual([]);
        expect(await payoutCounters(account)).toEqual([1n, 300n, toNano('1'), toNano('0.2')]);
        const p1 = await poolNow(extra);
        expect([p1.pool, p1.commissionReleased, p1.payouts, p1.feeOwed, p1.tokensServed, p1.settlements]).toEqual([
            p0.pool - toNano('1.2'),
            p0.commissionReleased + toNano('0.2'),
            p0.payouts + 1n,
            p0.feeOwed,
            p0.tokensServed,
            p0.settlements,
        ]);
        // the worker's amount left the Provider; the commission stays in it, now the owner's
        expect(await balanceOf(env, proxy.provider.address)).toBe(provider0 - toNano('1') - storageFees(r1, proxy.provider.address));

        // the next voucher releases only the differences
        const r2 = await payout(env, account, proxy, { seqno: 2n, tokens: 500n, amount: toNano('1.5'), commission: toNano('0.3') });
        expect(valuesBetween(r2, proxy.provider.address, wendy.address)).toEqual([toNano('0.5')]);
        const req2 = loadPayoutRequested(messagesBetween(r2, account.address, proxy.provider.address)[0].body.beginParse());
        expect([req2.amount, req2.commission, req2.tokens]).toEqual([toNano('0.5'), toNano('0.1'), 200n]);
        const p2 = await poolNow(extra);
        expect([p2.pool, p2.commissionReleased, p2.payouts]).toEqual([
            p1.pool - toNano('0.6'),
            p1.commissionReleased + toNano('0.1'),
            p1.payouts + 1n,
        ]);
    });

    it('a commission-only voucher sends nothing to the worker owner', async () => {
        const { env, extra } = ctx;
        const p0 = await poolNow(extra);
        const r = await payout(env, extra.account, extra.proxy, { seqno: 1n, tokens: 0n, amount: 0n, commission: toNano('0.4') });
        expect(messagesBetween(r, extra.proxy.provider.address, extra.wendy.address)).toEqual([]);
        const p1 = await poolNow(extra);
        expect([p1.pool, p1.commissionReleased]).toEqual([p0.pool - toNano('0.4'), p0.commissionReleased + toNano('0.4')]);
    });

    it('anyone may submit: the worker owner, the proxy owner', async () => {
        const { env, extra } = ctx;
        for (const [i, via] of [extra.wendy, extra.proxy.owner].entries()) {
            const seqno = BigInt(i + 1);
            const r = await submitPayout(
                env,
                extra.account,
                signPayout(extra.proxy.key, extra.account.address, { seqno, tokens: seqno, amount: seqno * toNano('0.1'), commission: 0n }),
                { via },
            );
            expect(r.transactions).toHaveTransaction({ from: extra.account.address, to: extra.proxy.provider.address, success: true });
            // the worker owner gets its payment and the excess, the proxy owner the excess
            expect(valuesBetween(r, extra.proxy.provider.address, via.address)).toHaveLength(via === extra.wendy ? 2 : 1);
        }
        expect(await payoutCounters(extra.account)).toEqual([2n, 2n, toNano('0.2'), 0n]);
    });

    it('a voucher taking exactly what the pool holds is paid, and the pool is empty', async () => {
        const { env, extra } = ctx;
        const { pool } = await poolNow(extra);
        await payout(env, extra.account, extra.proxy, { seqno: 1n, tokens: 1n, amount: pool - toNano('1'), commission: toNano('1') });
        expect((await poolNow(extra)).pool).toBe(0n);
    });

    it('the same payout voucher on another worker node’s account is refused there (ERR_VOUCHER_ACCOUNT), once paid here', async () => {
        const { env, extra } = ctx;
        const sv = signPayout(extra.proxy.key, extra.account.address, { seqno: 1n, tokens: 5n, amount: toNano('0.5'), commission: 0n });
        await submitPayout(env, extra.account, sv);
        const pool = await capturePool(env, extra.proxy);
        const r = await payoutRefuses(env, extra.node1, env.stranger.address, ERR_VOUCHER_ACCOUNT, () =>
            submitPayout(env, extra.node1, sv),
        );
        await expectPoolUnchanged(env, extra.proxy, pool, r);
    });
});

type Case = [string, bigint, (env: Env, s: Setup) => Promise<{ sv: SignedVoucher; value?: bigint }>];

/** The voucher wendy's account accepted in the refusal table's setup. */
function accepted(s: Setup): SignedVoucher {
    return signPayout(s.proxy.key, s.account.address, { seqno: 5n, tokens: 500n, amount: toNano('1'), commission: toNano('0.2') });
}

const NEXT = { seqno: 6n, tokens: 600n, amount: toNano('1.5'), commission: toNano('0.3') };

const REFUSED: Case[] = [
    ['signed by another key', ERR_VOUCHER_SIGNATURE, async (_e, s) => ({ sv: signPayout(teeKey('intruder'), s.account.address, NEXT) })],
    [
        'amount raised after signing',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({ sv: tampered(signPayout(s.proxy.key, s.account.address, NEXT), { amount: toNano('5') }) }),
    ],
    [
        'commission raised after signing',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({ sv: tampered(signPayout(s.proxy.key, s.account.address, NEXT), { commission: toNano('5') }) }),
    ],
    ["for the worker's other node", ERR_VOUCHER_ACCOUNT, async (_e, s) => ({ sv: signPayout(s.proxy.key, s.node1.address, NEXT) })],
    ["for a client's escrow", ERR_VOUCHER_ACCOUNT, async (_e, s) => ({ sv: signPayout(s.proxy.key, s.escrow.address, NEXT) })],
    [
        'a charge voucher (wrong kind)',
        ERR_VOUCHER_KIND,
        async (_e, s) => ({ sv: signCharge(s.proxy.key, s.account.address, { ...NEXT, commission: 0n }) }),
    ],
    ['the accepted voucher again', ERR_VOUCHER_NOT_NEWER, async (_e, s) => ({ sv: accepted(s) })],
    ['a lower seqno', ERR_VOUCHER_NOT_NEWER, async (_e, s) => ({ sv: signPayout(s.proxy.key, s.account.address, { ...NEXT, seqno: 4n }) })],
    [
        'a lower cumulative amount',
        ERR_VOUCHER_DECREASING,
        async (_e, s) => ({ sv: signPayout(s.proxy.key, s.account.address, { ...NEXT, amount: toNano('1') - 1n }) }),
    ],
    [
        'a lower cumulative commission',
        ERR_VOUCHER_DECREASING,
        async (_e, s) => ({ sv: signPayout(s.proxy.key, s.account.address, { ...NEXT, commission: toNano('0.2') - 1n }) }),
    ],
    [
        'lower cumulative tokens',
        ERR_VOUCHER_DECREASING,
        async (_e, s) => ({ sv: signPayout(s.proxy.key, s.account.address, { ...NEXT, tokens: 499n }) }),
    ],
    [
        'less than MIN_VALUE_SUBMIT attached',
        ERR_INSUFFICIENT_VALUE,
        async (_e, s) => ({ sv: signPayout(s.proxy.key, s.account.address, NEXT), value: MIN_VALUE_SUBMIT - 1n }),
    ],
];

describe('Refused payout vouchers change nothing, on the account or in the pool', () => {
    beforeEach(async () => {
        const { env, extra } = ctx;
        await submitPayout(env, extra.account, accepted(extra));
        expect(await payoutCounters(extra.account)).toEqual([5n, 500n, toNano('1'), toNano('0.2')]);
    });

    it.each(REFUSED.map(([what, code, make]) => [what, errorName(code), code, make] as const))(
        '%s: refused with %s',
        async (_what, _name, code, make) => {
            const { env, extra } = ctx;
            const { sv, value } = await make(env, extra);
            const pool = await capturePool(env, extra.proxy);
            const r = await payoutRefuses(env, extra.account, env.stranger.address, code, () =>
                sendBody(env, extra.account.address, submitPayoutBody(sv), { value }),
            );
            expect(messagesBetween(r, extra.account.address, extra.proxy.provider.address)).toEqual([]);
            await expectPoolUnchanged(env, extra.proxy, pool, r);
        },
    );

    it('the well-formed next voucher is accepted (the refusals were about the voucher alone)', async () => {
        const { env, extra } = ctx;
        await payout(env, extra.account, extra.proxy, NEXT);
        expect(await payoutCounters(extra.account)).toEqual([6n, 600n, toNano('1.5'), toNano('0.3')]);
    });
});

describe('A payout the Provider refuses is undone whole', () => {
    it('pool shortfall: ERR_POOL_SHORT on the Provider, the request bounces, the counters come back (the seqno stays used), nothing is skipped', async () => {
        const { env, extra } = ctx;
        const { proxy, account, wendy, escrow } = extra;
        await payout(env, account, proxy, { seqno: 1n, tokens: 100n, amount: toNano('1'), commission: toNano('0.1') });
        const before = await capturePayout(env, account);
        const pool = await capturePool(env, proxy);
        const { pool: held } = await poolNow(extra);
        const short = { seqno: 2n, tokens: 900n, amount: toNano('1') + held, commission: toNano('0.1') + 1n };

        const r = await submitPayout(env, account, signPayout(proxy.key, account.address, short));
        expectRefusedWith(r, account.address, proxy.provider.address, ERR_POOL_SHORT);
        expect(r.transactions).toHaveTransaction({
            from: proxy.provider.address,
            to: account.address,
            inMessageBounced: true,
            success: true,
        });
        expect(messagesBetween(r, proxy.provider.address, wendy.address)).toEqual([]);
        expect(escrowEvents(r, account.address)).toEqual([]);
        expect(await payoutCounters(account)).toEqual([2n, 100n, toNano('1'), toNano('0.1')]);
        expect((await capturePayout(env, account)).state).toEqual({ ...(before.state as object), seqno: 2n });
        await expectPoolUnchanged(env, proxy, pool);
        expect(await balanceOf(env, proxy.provider.address)).toBe(pool.balance - storageFees(r, proxy.provider.address));

        // once the pool has enough, the same totals under a higher seqno are paid in full
        await charge(env, escrow, proxy, { seqno: 2n, tokens: 6_500n, amount: CHARGED + toNano('1') });
        const again = await payout(env, account, proxy, { ...short, seqno: 3n });
        expect(valuesBetween(again, proxy.provider.address, wendy.address)).toEqual([held]);
        expect(await payoutCounters(account)).toEqual([3n, 900n, short.amount, short.commission]);
    });

    it("an account of another TEE key: the Provider refuses it with ERR_NOT_OWN_ACCOUNT and the account's counters come back", async () => {
        const { env, extra } = ctx;
        const { proxy, wendy } = extra;
        const otherKey = teeKey('not-bound');
        const foreign = await payoutAccountOf(env, proxy, wendy.address, 0n, otherKey);
        const pool = await capturePool(env, proxy);
        const r = await submitPayout(
            env,
            foreign,
            signPayout(otherKey, foreign.address, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: toNano('0.1') }),
        );
        expectRefusedWith(r, foreign.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        expect(r.transactions).toHaveTransaction({
            from: proxy.provider.address,
            to: foreign.address,
            inMessageBounced: true,
            success: true,
        });
        expect(await payoutCounters(foreign)).toEqual([1n, 0n, 0n, 0n]);
        expect(messagesBetween(r, proxy.provider.address, wendy.address)).toEqual([]);
        await expectPoolUnchanged(env, proxy, pool, r);
    });

    it("an account of another proxy's key: refused by this proxy with ERR_NOT_OWN_ACCOUNT, its pool untouched", async () => {
        const { env, extra } = ctx;
        const other = await activeProxy(env, 'other-proxy');
        // an account naming this proxy's Provider but the other proxy's (bound, valid) key
        const crossed = await payoutAccountOf(env, extra.proxy, extra.wendy.address, 0n, other.key);
        const pool = await capturePool(env, extra.proxy);
        const r = await submitPayout(
            env,
            crossed,
            signPayout(other.key, crossed.address, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: 0n }),
        );
        expectRefusedWith(r, crossed.address, extra.proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        expect(await payoutCounters(crossed)).toEqual([1n, 0n, 0n, 0n]);
        await expectPoolUnchanged(env, extra.proxy, pool, r);
    });

    it('a PayoutRequested that does not come from the account initOf computes is refused with ERR_NOT_OWN_ACCOUNT', async () => {
        const { env, extra } = ctx;
        const r0 = await submitPayout(
            env,
            extra.account,
            signPayout(extra.proxy.key, extra.account.address, { seqno: 1n, tokens: 1n, amount: 1n, commission: 0n }),
        );
        const body = messagesBetween(r0, extra.account.address, extra.proxy.provider.address)[0].body;
        const pool = await capturePool(env, extra.proxy);
        // the very body a genuine account sent, replayed by a stranger
        const r = await env.stranger.send({ to: extra.proxy.provider.address, value: toNano('0.1'), body });
        expectRefusedWith(r, env.stranger.address, extra.proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        await expectPoolUnchanged(env, extra.proxy, pool, r);
        expect(Escrow.opcodes.PayoutRequested).toBe(body.beginParse().preloadUint(32));
    });
});
