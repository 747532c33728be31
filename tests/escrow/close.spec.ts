/**
 * Closing an escrow, both ways, with the chain clock moved (decision 0004, point 3):
 * - unilaterally: the client's RequestClose starts the Root's client close delay; until closeAt
 *   the proxy (or anyone) can still submit its latest voucher (invariant 4); from closeAt vouchers
 *   are refused and the client's FinalizeClose refunds the balance (invariant 3, even if the
 *   proxy never answers);
 * - cooperatively: the proxy's final voucher settles and refunds the rest at once.
 * Bounces after a close are in bounce.spec.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    CLIENT_ACTION_VALUE,
    ERR_CLOSE_TOO_EARLY,
    ERR_ESCROW_STATE,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_CLIENT,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_GAS_ALLOWANCE,
    ESCROW_STORAGE_BUFFER,
    loadChargeSettled,
    OPEN_OVERHEAD,
} from '../../wrappers/Escrow';
import { Actor } from '../fixtures/environment';
import { excessesFrom, Node } from '../helpers/provider';
import { messagesBetween, setNow, sharedEnvironment } from '../helpers/root';
import {
    activeProxy,
    balanceOf,
    capturePool,
    charge,
    client,
    closedEvents,
    DEPOSIT,
    EscrowContract,
    escrowCounters,
    escrowEvents,
    escrowRefuses,
    expectPoolUnchanged,
    feeOn,
    openEscrow,
    RESERVE,
    signCharge,
    submitCharge,
    valuesBetween,
} from './helpers';

interface Setup {
    proxy: Node;
    alice: Actor;
    escrow: EscrowContract; // alice's: DEPOSIT held, RESERVE reserved, 2 TON charged at seqno 1
    closeDelay: number;
}

const CHARGED = toNano('2');

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await activeProxy(env);
    const alice = await env.blockchain.treasury('alice');
    const { escrow } = await openEscrow(env, proxy, alice);
    await charge(env, escrow, proxy, { seqno: 1n, tokens: 200n, amount: CHARGED });
    const closeDelay = Number((await escrow.getState()).closeDelay);
    expect(closeDelay).toBe(Number((await env.root.getParams()).clientCloseDelay));
    return { proxy, alice, escrow, closeDelay };
});

const HELD = DEPOSIT - CHARGED;

/** Requests the close and returns closeAt. */
async function requestClose(s: Setup): Promise<number> {
    const r = await client.requestClose(s.escrow, s.alice);
    expect(r.transactions).toHaveTransaction({ from: s.alice.address, to: s.escrow.address, success: true });
    return Number((await s.escrow.getState()).closeAt);
}

describe('Unilateral close', () => {
    it('RequestClose: closing, closeAt one client close delay from now, nothing emitted, nothing moved', async () => {
        const { env, extra } = ctx;
        const now = env.blockchain.now!;
        const before = await balanceOf(env, extra.escrow.address);
        const r = await client.requestClose(extra.escrow, extra.alice);
        const s = await extra.escrow.getState();
        expect([s.status, s.closeAt, s.balanceHeld, s.charged]).toEqual([ESCROW_CLOSING, BigInt(now + extra.closeDelay), HELD, CHARGED]);
        expect(escrowEvents(r, extra.escrow.address)).toEqual([]);
        // the message's value stays, less gas, as the client's gas allowance (returned at close)
        expect(await balanceOf(env, extra.escrow.address)).toBeGreaterThan(before);
    });

    it('FinalizeClose before closeAt is refused with ERR_CLOSE_TOO_EARLY; at closeAt it refunds the balance', async () => {
        const { env, extra } = ctx;
        const { escrow, alice } = extra;
        const closeAt = await requestClose(extra);
        await escrowRefuses(env, escrow, alice.address, ERR_CLOSE_TOO_EARLY, () => client.finalizeClose(escrow, alice));
        setNow(env, closeAt - 1);
        await escrowRefuses(env, escrow, alice.address, ERR_CLOSE_TOO_EARLY, () => client.finalizeClose(escrow, alice));

        setNow(env, closeAt);
        const r = await client.finalizeClose(escrow, alice, CLIENT_ACTION_VALUE, 71n);
        expect(closedEvents(r, escrow.address)).toEqual([[CHARGED, 200n, HELD, false]]);
        const refund = excessesFrom(r, escrow.address, alice.address);
        expect(refund.value).toBeGreaterThanOrEqual(HELD);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_CLOSED, 0n, CHARGED, 200n, 1n]);
        // everything but the storage buffer went back
        expect(await balanceOf(env, escrow.address)).toBe(ESCROW_STORAGE_BUFFER);
    });

    it('invariant 4: the proxy still submits its latest voucher during the delay (up to closeAt - 1); from closeAt vouchers are refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        const closeAt = await requestClose(extra);
        setNow(env, closeAt - 1);
        const p0 = await proxy.provider.getPoolState();
        const r = await charge(env, escrow, proxy, { seqno: 2n, tokens: 500n, amount: toNano('5') });
        expect(loadChargeSettled(messagesBetween(r, escrow.address, proxy.provider.address)[0].body.beginParse()).amount).toBe(toNano('3'));
        expect(await escrowCounters(escrow)).toEqual([ESCROW_CLOSING, DEPOSIT - toNano('5'), toNano('5'), 500n, 2n]);
        expect((await proxy.provider.getPoolState()).pool).toBe(p0.pool + toNano('3') - feeOn(toNano('3'), p0.feeBps));

        setNow(env, closeAt);
        const pool = await capturePool(env, proxy);
        const late = await escrowRefuses(env, escrow, env.stranger.address, ERR_ESCROW_STATE, () =>
            submitCharge(env, escrow, signCharge(proxy.key, escrow.address, { seqno: 3n, tokens: 600n, amount: toNano('6') })),
        );
        await expectPoolUnchanged(env, proxy, pool, late);

        const fin = await client.finalizeClose(escrow, alice);
        expect(closedEvents(fin, escrow.address)).toEqual([[toNano('5'), 500n, DEPOSIT - toNano('5'), false]]);
    });

    it('invariant 4: a client that withdraws all it can and asks to close still pays what the proxy signed within the reserve', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        // the proxy extended credit up to the reserve beyond what it settled, then the client tries to leave
        const owed = CHARGED + RESERVE;
        const latest = signCharge(proxy.key, escrow.address, { seqno: 7n, tokens: 900n, amount: owed });
        await client.withdraw(escrow, alice, HELD - RESERVE);
        const closeAt = await requestClose(extra);
        setNow(env, closeAt - 1);
        const p0 = await proxy.provider.getPoolState();
        await submitCharge(env, escrow, latest, { via: proxy.owner });
        expect(await escrowCounters(escrow)).toEqual([ESCROW_CLOSING, 0n, owed, 900n, 7n]);
        const p1 = await proxy.provider.getPoolState();
        expect(p1.pool - p0.pool).toBe(RESERVE - feeOn(RESERVE, p0.feeBps));
        expect(p1.tokensServed - p0.tokensServed).toBe(700n);
        setNow(env, closeAt);
        const fin = await client.finalizeClose(escrow, alice);
        expect(closedEvents(fin, escrow.address)).toEqual([[owed, 900n, 0n, false]]);
    });

    it('invariant 3: the client recovers deposit and top-ups minus the charges signed, when the proxy never answers', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const carol = await env.blockchain.treasury('carol');
        const start = await balanceOf(env, carol.address);
        const sent: bigint[] = [];
        const { escrow } = await openEscrow(env, proxy, carol, { deposit: toNano('5') });
        sent.push(toNano('5') + OPEN_OVERHEAD);
        await client.topUp(escrow, carol, toNano('1') + ESCROW_GAS_ALLOWANCE);
        sent.push(toNano('1') + ESCROW_GAS_ALLOWANCE);
        // the proxy signed two charges; it submitted the first, then went silent
        await charge(env, escrow, proxy, { seqno: 1n, tokens: 100n, amount: toNano('1.5') });
        const unsubmitted = signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 300n, amount: toNano('2.5') });

        await client.requestClose(escrow, carol);
        sent.push(CLIENT_ACTION_VALUE);
        env.advance(extra.closeDelay);
        const fin = await client.finalizeClose(escrow, carol);
        sent.push(CLIENT_ACTION_VALUE);
        const deposited = toNano('6');
        expect(closedEvents(fin, escrow.address)).toEqual([[toNano('1.5'), 100n, deposited - toNano('1.5'), false]]);
        const refund = valuesBetween(fin, escrow.address, carol.address);
        expect(refund).toHaveLength(1);
        expect(refund[0]).toBeGreaterThanOrEqual(deposited - toNano('1.5'));
        // all the client lost is the charge, the escrow's storage buffer, and fees
        const lost = start - (await balanceOf(env, carol.address));
        expect(lost).toBeGreaterThan(toNano('1.5') + ESCROW_STORAGE_BUFFER);
        expect(lost).toBeLessThan(toNano('1.5') + ESCROW_STORAGE_BUFFER + toNano('0.05'));
        // what went in, less what came back, is the charge, the buffer and the escrow's and Root's fees
        const net = sent.reduce((a, b) => a + b, 0n) - refund[0];
        expect(net).toBeGreaterThan(toNano('1.5') + ESCROW_STORAGE_BUFFER);
        expect(net).toBeLessThan(lost);
        // and the voucher the proxy never submitted is refused now (and was always at most its signed total)
        await escrowRefuses(env, escrow, env.stranger.address, ERR_ESCROW_STATE, () => submitCharge(env, escrow, unsubmitted));
    });

    it('RequestClose: not the client (ERR_NOT_CLIENT), too little value (ERR_INSUFFICIENT_VALUE), twice (ERR_ESCROW_STATE)', async () => {
        const { env, extra } = ctx;
        const { escrow, alice } = extra;
        await escrowRefuses(env, escrow, env.stranger.address, ERR_NOT_CLIENT, () => client.requestClose(escrow, env.stranger));
        await escrowRefuses(env, escrow, alice.address, ERR_INSUFFICIENT_VALUE, () =>
            client.requestClose(escrow, alice, ESCROW_GAS_ALLOWANCE - 1n),
        );
        await requestClose(extra);
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.requestClose(escrow, alice));
    });

    it('FinalizeClose: on an open escrow (ERR_ESCROW_STATE), not the client (ERR_NOT_CLIENT), too little value (ERR_INSUFFICIENT_VALUE)', async () => {
        const { env, extra } = ctx;
        const { escrow, alice } = extra;
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.finalizeClose(escrow, alice));
        const closeAt = await requestClose(extra);
        setNow(env, closeAt);
        await escrowRefuses(env, escrow, env.stranger.address, ERR_NOT_CLIENT, () => client.finalizeClose(escrow, env.stranger));
        await escrowRefuses(env, escrow, alice.address, ERR_INSUFFICIENT_VALUE, () =>
            client.finalizeClose(escrow, alice, ESCROW_GAS_ALLOWANCE - 1n),
        );
        await client.finalizeClose(escrow, alice, ESCROW_GAS_ALLOWANCE);
        expect((await escrow.getState()).status).toBe(ESCROW_CLOSED);
    });

    it('after the close: top-up, withdrawal and RequestClose are refused with ERR_ESCROW_STATE; another FinalizeClose refunds nothing more', async () => {
        const { env, extra } = ctx;
        const { escrow, alice } = extra;
        const closeAt = await requestClose(extra);
        setNow(env, closeAt);
        await client.finalizeClose(escrow, alice);
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.topUp(escrow, alice, toNano('1')));
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.withdraw(escrow, alice, 1n));
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.requestClose(escrow, alice));
        const again = await client.finalizeClose(escrow, alice);
        expect(closedEvents(again, escrow.address)).toEqual([[CHARGED, 200n, 0n, false]]);
        expect(excessesFrom(again, escrow.address, alice.address).value).toBeLessThan(CLIENT_ACTION_VALUE);
        expect(await balanceOf(env, escrow.address)).toBe(ESCROW_STORAGE_BUFFER);
    });
});

describe('Cooperative close', () => {
    it("the proxy's final voucher, submitted by anyone, settles and refunds the rest at once", async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        const p0 = await proxy.provider.getPoolState();
        const r = await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 450n, amount: toNano('3'), final: true }),
        );
        expect(loadChargeSettled(messagesBetween(r, escrow.address, proxy.provider.address)[0].body.beginParse()).amount).toBe(toNano('1'));
        expect(r.transactions).toHaveTransaction({ from: escrow.address, to: proxy.provider.address, success: true });
        const refunded = DEPOSIT - toNano('3');
        expect(closedEvents(r, escrow.address)).toEqual([[toNano('3'), 450n, refunded, true]]);
        expect(excessesFrom(r, escrow.address, alice.address).value).toBeGreaterThanOrEqual(refunded);
        const s = await escrow.getState();
        expect([s.status, s.balanceHeld, s.charged, s.tokens, s.seqno, s.closeAt]).toEqual([ESCROW_CLOSED, 0n, toNano('3'), 450n, 2n, 0n]);
        expect(await balanceOf(env, escrow.address)).toBe(ESCROW_STORAGE_BUFFER);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool - p0.pool, p1.tokensServed - p0.tokensServed]).toEqual([toNano('1') - feeOn(toNano('1'), p0.feeBps), 250n]);
    });

    it('nothing is accepted after it: vouchers, top-ups, withdrawals, RequestClose are refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 450n, amount: toNano('3'), final: true }),
        );
        await escrowRefuses(env, escrow, env.stranger.address, ERR_ESCROW_STATE, () =>
            submitCharge(env, escrow, signCharge(proxy.key, escrow.address, { seqno: 3n, tokens: 500n, amount: toNano('4') })),
        );
        await escrowRefuses(env, escrow, env.stranger.address, ERR_ESCROW_STATE, () =>
            submitCharge(env, escrow, signCharge(proxy.key, escrow.address, { seqno: 3n, tokens: 500n, amount: toNano('4'), final: true })),
        );
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.topUp(escrow, alice, toNano('1')));
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.withdraw(escrow, alice, 1n));
        await escrowRefuses(env, escrow, alice.address, ERR_ESCROW_STATE, () => client.requestClose(escrow, alice));
    });

    it('a final voucher during the close delay closes at once', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy } = extra;
        const closeAt = await requestClose(extra);
        setNow(env, closeAt - 10);
        const r = await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 200n, amount: CHARGED, final: true }),
        );
        expect(closedEvents(r, escrow.address)).toEqual([[CHARGED, 200n, HELD, true]]);
        expect((await escrow.getState()).status).toBe(ESCROW_CLOSED);
    });

    it('a final voucher above the balance settles the balance and closes: what it adds beyond is not collected', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy } = extra;
        const r = await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 999n, amount: DEPOSIT + toNano('1'), final: true }),
        );
        expect(loadChargeSettled(messagesBetween(r, escrow.address, proxy.provider.address)[0].body.beginParse()).amount).toBe(HELD);
        expect(closedEvents(r, escrow.address)).toEqual([[DEPOSIT, 999n, 0n, true]]);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_CLOSED, 0n, DEPOSIT, 999n, 2n]);
    });
});
