/**
 * The Escrow of one client with one proxy key (decision 0004): opening with a deposit and a
 * reserve the Root checks, top-ups, withdrawal of what is above the reserve, and charge vouchers
 * that anyone submits, each settling the difference to the proxy's pool. Every refusal names its
 * exit code and leaves the escrow (and the pool) exactly as they were. Closing: close.spec;
 * bounces and rebinding: bounce.spec; payouts: payout.spec; the pool's own receivers: pool.spec.
 */
import '@ton/test-utils';
import { beginCell, toNano } from '@ton/core';
import {
    ERR_ABOVE_AVAILABLE,
    ERR_ESCROW_STATE,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_CLIENT,
    ERR_NOT_ROOT,
    ERR_VOUCHER_ACCOUNT,
    ERR_VOUCHER_DECREASING,
    ERR_VOUCHER_KIND,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    Escrow,
    ESCROW_CLOSED,
    ESCROW_GAS_ALLOWANCE,
    ESCROW_OPEN,
    ESCROW_OPENING,
    ESCROW_STORAGE_BUFFER,
    escrowParties,
    loadChargeSettled,
    MIN_VALUE_SUBMIT,
    OPEN_OVERHEAD,
    storeOpenEscrow,
    storeRootParams,
    submitChargeBody,
} from '../../wrappers/Escrow';
import { KIND_CHARGE, SignedVoucher } from '../../wrappers/vouchers';
import { Actor, defaultParams, Env } from '../fixtures/environment';
import { conserving, errorName, excessesFrom, Node, publicKeyInt, stepwise, teeKey } from '../helpers/provider';
import { messagesBetween, plain, sharedEnvironment, storageFees } from '../helpers/root';
import {
    activeProxy,
    balanceOf,
    capturePool,
    charge,
    client,
    DEMAND,
    DEPOSIT,
    EscrowContract,
    escrowCounters,
    escrowEvents,
    escrowOf,
    escrowRefuses,
    eventsOfKind,
    expectPoolUnchanged,
    feeOn,
    openEscrow,
    payoutAccountOf,
    rawChargeBody,
    rawVoucherCell,
    RESERVE,
    sendBody,
    sendFrom,
    sendOpen,
    settlementExcess,
    signCharge,
    signPayout,
    submitCharge,
    tampered,
} from './helpers';

interface Setup {
    proxy: Node;
    alice: Actor; // her escrow is open: DEPOSIT held, RESERVE reserved, nothing charged
    bob: Actor; // his escrow is open the same way
    carol: Actor; // no escrow yet
    escrow: EscrowContract; // alice's
    bobs: EscrowContract;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await activeProxy(env);
    const alice = await env.blockchain.treasury('alice');
    const bob = await env.blockchain.treasury('bob');
    const carol = await env.blockchain.treasury('carol');
    const { escrow } = await openEscrow(env, proxy, alice, { demand: DEMAND });
    const { escrow: bobs } = await openEscrow(env, proxy, bob);
    return { proxy, alice, bob, carol, escrow, bobs };
});

function openBody(reserve: bigint, queryId = 0n) {
    return beginCell()
        .store(storeOpenEscrow({ $$type: 'OpenEscrow', queryId, reserve, demand: DEMAND }))
        .endCell();
}

describe('Opening', () => {
    it('the deposit is the value minus OPEN_OVERHEAD; the escrow is opening until the Root answers, then open with its close delay', async () => {
        const { env, extra } = ctx;
        const { proxy, carol } = extra;
        const escrow = await escrowOf(env, proxy, carol.address);
        const deposit = toNano('7.5');
        const flight = await stepwise(
            env,
            carol.address,
            escrow.address,
            openBody(toNano('2'), 11n),
            deposit + OPEN_OVERHEAD,
            escrow.init!,
        );
        await flight.step(); // the escrow's transaction
        const opening = await escrow.getState();
        expect([opening.status, opening.reserve, opening.balanceHeld, opening.closeDelay]).toEqual([
            ESCROW_OPENING,
            toNano('2'),
            deposit,
            0n,
        ]);
        const rest = await flight.rest();
        expect(rest.transactions).toHaveTransaction({
            from: escrow.address,
            to: env.root.address,
            op: Escrow.opcodes.QueryParams,
            success: true,
        });
        expect(rest.transactions).toHaveTransaction({
            from: env.root.address,
            to: escrow.address,
            op: Escrow.opcodes.RootParams,
            success: true,
        });
        const s = await escrow.getState();
        const params = await env.root.getParams();
        expect(plain(s)).toEqual(
            plain({
                $$type: 'EscrowState',
                status: ESCROW_OPEN,
                reserve: toNano('2'),
                balanceHeld: deposit,
                charged: 0n,
                tokens: 0n,
                seqno: 0n,
                closeAt: 0n,
                closeDelay: params.clientCloseDelay,
            }),
        );
        // the storage buffer stays on top of the deposit
        expect(await balanceOf(env, escrow.address)).toBeGreaterThanOrEqual(deposit + ESCROW_STORAGE_BUFFER);
        const parties = await escrow.getParties();
        expect(plain(parties)).toEqual(
            plain({
                $$type: 'EscrowParties',
                root: env.root.address,
                proxy: proxy.provider.address,
                teeKey: publicKeyInt(proxy.key),
                client: carol.address,
            }),
        );
    });

    it('EscrowOpened states the client, proxy, key, reserve, deposit and the demand profile', async () => {
        const { env, extra } = ctx;
        const { proxy, carol } = extra;
        const escrow = await escrowOf(env, proxy, carol.address);
        const r = await sendOpen(env, escrow, carol, { deposit: toNano('4'), reserve: toNano('3'), demand: DEMAND });
        const opened = eventsOfKind(r, escrow.address, 'EscrowOpened');
        expect(opened).toHaveLength(1);
        expect(plain(opened[0])).toEqual(
            plain({
                $$type: 'EscrowOpened',
                client: carol.address,
                proxy: proxy.provider.address,
                teeKey: publicKeyInt(proxy.key),
                reserve: toNano('3'),
                deposit: toNano('4'),
                demand: DEMAND,
            }),
        );
        expect(escrowEvents(r, escrow.address).map((e) => e.$$type)).toEqual(['EscrowOpened']);
    });

    it('without a demand profile, EscrowOpened carries none', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        const r = await sendOpen(env, escrow, extra.carol, { demand: null });
        const opened = eventsOfKind(r, escrow.address, 'EscrowOpened');
        expect(opened).toHaveLength(1);
        expect(opened[0].demand).toBeNull();
        expect(opened[0].deposit).toBe(DEPOSIT);
    });

    it('a deposit of exactly the reserve, and a reserve of exactly the Root minimum, are accepted', async () => {
        const { env, extra } = ctx;
        const min = (await env.root.getParams()).minEscrowReserve;
        const { escrow } = await openEscrow(env, extra.proxy, extra.carol, { deposit: min, reserve: min, value: min + OPEN_OVERHEAD });
        const s = await escrow.getState();
        expect([s.status, s.reserve, s.balanceHeld]).toEqual([ESCROW_OPEN, min, min]);
    });

    it.each([
        ['a reserve one nanoton below the Root minimum', async (env: Env) => (await env.root.getParams()).minEscrowReserve - 1n, false],
        ['a paused Root (reserve at the minimum)', async (env: Env) => (await env.root.getParams()).minEscrowReserve, true],
    ])(
        '%s: the Root answer refuses the opening, everything returns to the client and the account is destroyed',
        async (_t, reserveOf, pause) => {
            const { env, extra } = ctx;
            const { proxy, carol } = extra;
            if (pause) await env.root.sendPause(env.guardian.getSender());
            const reserve = await reserveOf(env);
            const escrow = await escrowOf(env, proxy, carol.address);
            const deposit = toNano('5');
            const { result, delta } = await conserving(env, [carol.address, escrow.address, env.root.address], () =>
                sendOpen(env, escrow, carol, { deposit, reserve }),
            );
            expect(result.transactions).toHaveTransaction({ from: carol.address, to: escrow.address, success: true });
            expect(result.transactions).toHaveTransaction({
                from: env.root.address,
                to: escrow.address,
                op: Escrow.opcodes.RootParams,
                success: true,
            });
            expect(result.transactions).toHaveTransaction({ from: escrow.address, to: carol.address, value: (v) => v! > deposit });
            expect(escrowEvents(result, escrow.address).map((e) => plain(e))).toEqual([
                plain({
                    $$type: 'EscrowOpened',
                    client: carol.address,
                    proxy: proxy.provider.address,
                    teeKey: publicKeyInt(proxy.key),
                    reserve,
                    deposit,
                    demand: null,
                }),
                plain({ $$type: 'EscrowClosed', charged: 0n, tokens: 0n, refunded: deposit, cooperative: false }),
            ]);
            // destroyed: nothing left in it, and the Root kept nothing of its query value either, so the
            // client lost only the fees of the round trip
            const account = await env.blockchain.getContract(escrow.address);
            expect(account.balance).toBe(0n);
            expect(account.accountState?.type).not.toBe('active');
            expect(delta(env.root.address)).toBe(-storageFees(result, env.root.address));
            expect(delta(escrow.address)).toBe(0n);
        },
    );

    it('too little value: a deposit one nanoton below the reserve is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        await escrowRefuses(env, escrow, extra.carol.address, ERR_INSUFFICIENT_VALUE, () =>
            sendOpen(env, escrow, extra.carol, { reserve: toNano('2'), value: toNano('2') + OPEN_OVERHEAD - 1n }),
        );
    });

    it('too little value: less than OPEN_OVERHEAD is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        await escrowRefuses(env, escrow, extra.carol.address, ERR_INSUFFICIENT_VALUE, () =>
            sendOpen(env, escrow, extra.carol, { reserve: 0n, value: OPEN_OVERHEAD - toNano('0.01') }),
        );
    });

    it('not the client: OpenEscrow from anyone else is refused with ERR_NOT_CLIENT', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        await escrowRefuses(env, escrow, env.stranger.address, ERR_NOT_CLIENT, () =>
            sendOpen(env, escrow, extra.carol, { via: env.stranger }),
        );
        // and the client can still open it afterwards
        await openEscrow(env, extra.proxy, extra.carol);
    });

    it('a second open is refused with ERR_ESCROW_STATE (open, and while still opening)', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ESCROW_STATE, () => sendOpen(env, extra.escrow, extra.alice));

        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        const flight = await stepwise(env, extra.carol.address, escrow.address, openBody(RESERVE), DEPOSIT + OPEN_OVERHEAD, escrow.init!);
        await flight.step();
        expect((await escrow.getState()).status).toBe(ESCROW_OPENING);
        await escrowRefuses(env, escrow, extra.carol.address, ERR_ESCROW_STATE, () => sendOpen(env, escrow, extra.carol));
        await flight.rest();
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT, 0n, 0n, 0n]);
    });

    it('a voucher for an escrow still waiting for the Root is refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        const flight = await stepwise(env, extra.carol.address, escrow.address, openBody(RESERVE), DEPOSIT + OPEN_OVERHEAD, escrow.init!);
        await flight.step();
        await escrowRefuses(env, escrow, env.stranger.address, ERR_ESCROW_STATE, () =>
            submitCharge(env, escrow, signCharge(extra.proxy.key, escrow.address, { seqno: 1n, tokens: 1n, amount: toNano('1') })),
        );
        await flight.rest();
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT, 0n, 0n, 0n]);
    });

    it('RootParams from anyone but the Root is refused with ERR_NOT_ROOT', async () => {
        const { env, extra } = ctx;
        const params = defaultParams(env.treasury.address, { minEscrowReserve: toNano('0.1') });
        const body = beginCell()
            .store(storeRootParams({ $$type: 'RootParams', queryId: 0n, configVersion: 9n, paused: false, params }))
            .endCell();
        await escrowRefuses(env, extra.escrow, env.stranger.address, ERR_NOT_ROOT, () =>
            sendFrom(env, env.stranger.address, extra.escrow.address, body),
        );
    });
});

describe('Top-up', () => {
    it('adds the value less ESCROW_GAS_ALLOWANCE to the balance held', async () => {
        const { extra } = ctx;
        const r = await client.topUp(extra.escrow, extra.alice, toNano('3'));
        expect(r.transactions).toHaveTransaction({ from: extra.alice.address, to: extra.escrow.address, success: true });
        expect(await escrowCounters(extra.escrow)).toEqual([ESCROW_OPEN, DEPOSIT + toNano('3') - ESCROW_GAS_ALLOWANCE, 0n, 0n, 0n]);
        expect(escrowEvents(r, extra.escrow.address)).toEqual([]);
    });

    it('is accepted while the escrow waits for the Root', async () => {
        const { env, extra } = ctx;
        const escrow = await escrowOf(env, extra.proxy, extra.carol.address);
        const flight = await stepwise(env, extra.carol.address, escrow.address, openBody(RESERVE), DEPOSIT + OPEN_OVERHEAD, escrow.init!);
        await flight.step();
        await client.topUp(escrow, extra.carol, toNano('1'));
        await flight.rest();
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT + toNano('1') - ESCROW_GAS_ALLOWANCE, 0n, 0n, 0n]);
    });

    it('too little value: no more than ESCROW_GAS_ALLOWANCE is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_INSUFFICIENT_VALUE, () =>
            client.topUp(extra.escrow, extra.alice, ESCROW_GAS_ALLOWANCE),
        );
    });

    it('not the client: refused with ERR_NOT_CLIENT', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.bob.address, ERR_NOT_CLIENT, () => client.topUp(extra.escrow, extra.bob, toNano('1')));
    });

    it('while closing: refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        await client.requestClose(extra.escrow, extra.alice);
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ESCROW_STATE, () =>
            client.topUp(extra.escrow, extra.alice, toNano('1')),
        );
    });
});

describe('Withdrawing what is above the reserve', () => {
    it('all of it: the amount leaves the escrow exactly, with the rest of the value, in Excesses', async () => {
        const { env, extra } = ctx;
        const { escrow, alice } = extra;
        const available = DEPOSIT - RESERVE;
        const before = await balanceOf(env, escrow.address);
        const r = await client.withdraw(escrow, alice, available, undefined, 31n);
        const back = excessesFrom(r, escrow.address, alice.address);
        expect(back.queryId).toBe(31n);
        expect(back.value).toBeGreaterThan(available);
        expect(await balanceOf(env, escrow.address)).toBe(before - available - storageFees(r, escrow.address));
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, RESERVE, 0n, 0n, 0n]);
    });

    it('after a charge: what is available is the balance held less the reserve', async () => {
        const { env, extra } = ctx;
        const { escrow, alice, proxy } = extra;
        await charge(env, escrow, proxy, { seqno: 1n, tokens: 10n, amount: toNano('4') });
        await escrowRefuses(env, escrow, alice.address, ERR_ABOVE_AVAILABLE, () =>
            client.withdraw(escrow, alice, DEPOSIT - toNano('4') - RESERVE + 1n),
        );
        await client.withdraw(escrow, alice, DEPOSIT - toNano('4') - RESERVE);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, RESERVE, toNano('4'), 10n, 1n]);
    });

    it('above the available part: refused with ERR_ABOVE_AVAILABLE', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ABOVE_AVAILABLE, () =>
            client.withdraw(extra.escrow, extra.alice, DEPOSIT - RESERVE + 1n),
        );
    });

    it('nothing: a zero amount is refused with ERR_ABOVE_AVAILABLE', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ABOVE_AVAILABLE, () =>
            client.withdraw(extra.escrow, extra.alice, 0n),
        );
    });

    it('charged below the reserve: nothing is available, one nanoton is refused with ERR_ABOVE_AVAILABLE', async () => {
        const { env, extra } = ctx;
        await charge(env, extra.escrow, extra.proxy, { seqno: 1n, tokens: 10n, amount: DEPOSIT - RESERVE / 2n });
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ABOVE_AVAILABLE, () =>
            client.withdraw(extra.escrow, extra.alice, 1n),
        );
    });

    it('too little value: less than ESCROW_GAS_ALLOWANCE attached is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_INSUFFICIENT_VALUE, () =>
            client.withdraw(extra.escrow, extra.alice, toNano('1'), ESCROW_GAS_ALLOWANCE - 1n),
        );
        // exactly the allowance is enough
        await client.withdraw(extra.escrow, extra.alice, toNano('1'), ESCROW_GAS_ALLOWANCE);
        expect((await extra.escrow.getState()).balanceHeld).toBe(DEPOSIT - toNano('1'));
    });

    it('not the client: refused with ERR_NOT_CLIENT', async () => {
        const { env, extra } = ctx;
        await escrowRefuses(env, extra.escrow, env.stranger.address, ERR_NOT_CLIENT, () =>
            client.withdraw(extra.escrow, env.stranger, toNano('1')),
        );
    });

    it('while closing: refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        await client.requestClose(extra.escrow, extra.alice);
        await escrowRefuses(env, extra.escrow, extra.alice.address, ERR_ESCROW_STATE, () =>
            client.withdraw(extra.escrow, extra.alice, toNano('1')),
        );
    });
});

describe('Charge vouchers', () => {
    it('anyone submits; the difference moves to the pool, the fee is set aside, tokens are counted on the escrow and the Provider', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        const p0 = await proxy.provider.getPoolState();
        expect(p0.feeBps).toBeGreaterThan(0n); // the fixture Root takes a protocol fee
        const provider0 = await balanceOf(env, proxy.provider.address);

        const r1 = await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 1n, tokens: 1_000n, amount: toNano('2') }),
            { queryId: 7n },
        );
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('2'), toNano('2'), 1_000n, 1n]);
        // no event per charge (dropped for gas): the getters and the ChargeSettled body say it all
        expect(escrowEvents(r1, escrow.address)).toEqual([]);
        const settled = messagesBetween(r1, escrow.address, proxy.provider.address);
        expect(settled).toHaveLength(1);
        expect(settled[0].bounce).toBe(true);
        expect(settled[0].value).toBeGreaterThanOrEqual(toNano('2'));
        expect(plain(loadChargeSettled(settled[0].body.beginParse()))).toEqual(
            plain({
                $$type: 'ChargeSettled',
                amount: toNano('2'),
                tokens: 1_000n,
                excessTo: env.stranger.address,
                // the escrow's own parties cell, which its address is computed from
                parties: escrowParties(proxy.provider.address, publicKeyInt(proxy.key), alice.address),
            }),
        );
        // the submitter's excess comes back from the Provider
        expect(settlementExcess(r1, proxy.provider.address, env.stranger.address)).toBeGreaterThan(0n);
        const fee1 = feeOn(toNano('2'), p0.feeBps);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool, p1.feeOwed, p1.tokensServed, p1.settlements, p1.commissionReleased, p1.payouts]).toEqual([
            p0.pool + toNano('2') - fee1,
            p0.feeOwed + fee1,
            p0.tokensServed + 1_000n,
            p0.settlements + 1n,
            p0.commissionReleased,
            p0.payouts,
        ]);
        expect((await proxy.provider.getState()).tokensServed).toBe(p1.tokensServed);
        // the Provider keeps exactly what was settled
        expect(await balanceOf(env, proxy.provider.address)).toBe(provider0 + toNano('2') - storageFees(r1, proxy.provider.address));

        // the next voucher settles only what it adds
        const r2 = await submitCharge(
            env,
            escrow,
            signCharge(proxy.key, escrow.address, { seqno: 2n, tokens: 1_500n, amount: toNano('3.5') }),
        );
        expect(loadChargeSettled(messagesBetween(r2, escrow.address, proxy.provider.address)[0].body.beginParse()).amount).toBe(
            toNano('1.5'),
        );
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3.5'), toNano('3.5'), 1_500n, 2n]);
        expect(escrowEvents(r2, escrow.address)).toEqual([]);
        const fee2 = feeOn(toNano('1.5'), p0.feeBps);
        const p2 = await proxy.provider.getPoolState();
        expect([p2.pool, p2.feeOwed, p2.tokensServed, p2.settlements]).toEqual([
            p1.pool + toNano('1.5') - fee2,
            p1.feeOwed + fee2,
            p1.tokensServed + 500n,
            p1.settlements + 1n,
        ]);
    });

    it.each([
        ['a stranger', (e: Env) => e.stranger],
        ['the client', (_e: Env, s: Setup) => s.alice],
        ["the proxy's owner", (_e: Env, s: Setup) => s.proxy.owner],
        ['another client', (_e: Env, s: Setup) => s.bob],
    ])('submitted by %s, the voucher settles the same way', async (_who, who) => {
        const { env, extra } = ctx;
        const via = who(env, extra);
        const r = await submitCharge(
            env,
            extra.escrow,
            signCharge(extra.proxy.key, extra.escrow.address, { seqno: 1n, tokens: 9n, amount: toNano('1') }),
            { via },
        );
        expect(r.transactions).toHaveTransaction({ from: extra.escrow.address, to: extra.proxy.provider.address, success: true });
        expect(settlementExcess(r, extra.proxy.provider.address, via.address)).toBeGreaterThan(0n);
        expect(await escrowCounters(extra.escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('1'), toNano('1'), 9n, 1n]);
    });

    it('exactly MIN_VALUE_SUBMIT is enough', async () => {
        const { env, extra } = ctx;
        const r = await submitCharge(
            env,
            extra.escrow,
            signCharge(extra.proxy.key, extra.escrow.address, { seqno: 1n, tokens: 9n, amount: toNano('1') }),
            {
                value: MIN_VALUE_SUBMIT,
            },
        );
        expect(r.transactions).toHaveTransaction({ from: extra.escrow.address, to: extra.proxy.provider.address, success: true });
        expect(await escrowCounters(extra.escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('1'), toNano('1'), 9n, 1n]);
    });

    it('seqnos may skip; a voucher adding only tokens moves no value but counts them', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy } = extra;
        await charge(env, escrow, proxy, { seqno: 3n, tokens: 100n, amount: toNano('1') });
        const p0 = await proxy.provider.getPoolState();
        const r = await charge(env, escrow, proxy, { seqno: 10n, tokens: 250n, amount: toNano('1') });
        const settled = loadChargeSettled(messagesBetween(r, escrow.address, proxy.provider.address)[0].body.beginParse());
        expect([settled.amount, settled.tokens]).toEqual([0n, 150n]);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool, p1.feeOwed, p1.tokensServed, p1.settlements]).toEqual([
            p0.pool,
            p0.feeOwed,
            p0.tokensServed + 150n,
            p0.settlements + 1n,
        ]);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('1'), toNano('1'), 250n, 10n]);
    });

    it('a charge above the balance settles only the balance; a later voucher with the same totals collects the rest after a top-up', async () => {
        const { env, extra } = ctx;
        const { escrow, proxy, alice } = extra;
        const p0 = await proxy.provider.getPoolState();
        const owed = DEPOSIT + toNano('2');
        const r1 = await charge(env, escrow, proxy, { seqno: 1n, tokens: 700n, amount: owed });
        expect(loadChargeSettled(messagesBetween(r1, escrow.address, proxy.provider.address)[0].body.beginParse()).amount).toBe(DEPOSIT);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, 0n, DEPOSIT, 700n, 1n]);
        // the escrow still holds its storage buffer
        expect(await balanceOf(env, escrow.address)).toBeGreaterThanOrEqual(ESCROW_STORAGE_BUFFER);

        await client.topUp(escrow, alice, toNano('5') + ESCROW_GAS_ALLOWANCE);
        // the same voucher again is no newer
        await escrowRefuses(env, escrow, env.stranger.address, ERR_VOUCHER_NOT_NEWER, () =>
            submitCharge(env, escrow, signCharge(proxy.key, escrow.address, { seqno: 1n, tokens: 700n, amount: owed })),
        );
        const r2 = await charge(env, escrow, proxy, { seqno: 2n, tokens: 700n, amount: owed });
        const settled = loadChargeSettled(messagesBetween(r2, escrow.address, proxy.provider.address)[0].body.beginParse());
        expect([settled.amount, settled.tokens]).toEqual([toNano('2'), 0n]);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, toNano('3'), owed, 700n, 2n]);
        const p1 = await proxy.provider.getPoolState();
        expect(p1.pool - p0.pool).toBe(owed - feeOn(DEPOSIT, p0.feeBps) - feeOn(toNano('2'), p0.feeBps));
        expect(p1.tokensServed - p0.tokensServed).toBe(700n);
    });

    it('invariant 2: a voucher accepted on one escrow does nothing on another (ERR_VOUCHER_ACCOUNT)', async () => {
        const { env, extra } = ctx;
        const { escrow, bobs, proxy } = extra;
        const forBob = signCharge(proxy.key, bobs.address, { seqno: 1n, tokens: 50n, amount: toNano('1') });
        await submitCharge(env, bobs, forBob);
        expect(await escrowCounters(bobs)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('1'), toNano('1'), 50n, 1n]);
        const pool = await capturePool(env, proxy);
        const r = await escrowRefuses(env, escrow, env.stranger.address, ERR_VOUCHER_ACCOUNT, () => submitCharge(env, escrow, forBob));
        await expectPoolUnchanged(env, proxy, pool, r);
    });
});

type Case = [string, bigint, (env: Env, s: Setup) => Promise<{ body: ReturnType<typeof submitChargeBody>; value?: bigint }>];

/** Each refused submission, against alice's escrow after it accepted seqno 5 (500 tokens, 2 TON). */
const REFUSED: Case[] = [
    [
        'signed by another key',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({ body: submitChargeBody(signCharge(teeKey('intruder'), s.escrow.address, next(5n))) }),
    ],
    [
        'amount raised after signing',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({
            body: submitChargeBody(tampered(signCharge(s.proxy.key, s.escrow.address, next(5n)), { amount: toNano('9') })),
        }),
    ],
    [
        'seqno raised after signing (the accepted voucher replayed as newer)',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({ body: submitChargeBody(tampered(accepted(s), { seqno: 6n })) }),
    ],
    [
        'account changed after signing (bob’s voucher pointed at alice)',
        ERR_VOUCHER_SIGNATURE,
        async (_e, s) => ({
            body: submitChargeBody(tampered(signCharge(s.proxy.key, s.bobs.address, next(5n)), { account: s.escrow.address })),
        }),
    ],
    [
        'for another escrow',
        ERR_VOUCHER_ACCOUNT,
        async (_e, s) => ({ body: submitChargeBody(signCharge(s.proxy.key, s.bobs.address, next(5n))) }),
    ],
    [
        'for a payout account of the same proxy',
        ERR_VOUCHER_ACCOUNT,
        async (e, s) => {
            const account = await payoutAccountOf(e, s.proxy, s.alice.address);
            return { body: submitChargeBody(signCharge(s.proxy.key, account.address, next(5n))) };
        },
    ],
    [
        'with another tag',
        ERR_VOUCHER_ACCOUNT,
        async (_e, s) => ({
            body: rawChargeBody(
                s.proxy.key,
                rawVoucherCell({ tag: 0x564f5544, kind: KIND_CHARGE, account: s.escrow.address, ...full(next(5n)) }),
            ),
        }),
    ],
    [
        'a payout voucher (wrong kind)',
        ERR_VOUCHER_KIND,
        async (_e, s) => ({ body: submitChargeBody(signPayout(s.proxy.key, s.escrow.address, next(5n))) }),
    ],
    [
        'a charge carrying a commission',
        ERR_VOUCHER_KIND,
        async (_e, s) => ({
            body: rawChargeBody(
                s.proxy.key,
                rawVoucherCell({ kind: KIND_CHARGE, account: s.escrow.address, ...full(next(5n)), commission: 1n }),
            ),
        }),
    ],
    ['the accepted voucher again', ERR_VOUCHER_NOT_NEWER, async (_e, s) => ({ body: submitChargeBody(accepted(s)) })],
    [
        'the same seqno with higher totals',
        ERR_VOUCHER_NOT_NEWER,
        async (_e, s) => ({
            body: submitChargeBody(signCharge(s.proxy.key, s.escrow.address, { seqno: 5n, tokens: 600n, amount: toNano('3') })),
        }),
    ],
    [
        'a lower seqno',
        ERR_VOUCHER_NOT_NEWER,
        async (_e, s) => ({
            body: submitChargeBody(signCharge(s.proxy.key, s.escrow.address, { seqno: 4n, tokens: 600n, amount: toNano('3') })),
        }),
    ],
    [
        'a lower cumulative amount',
        ERR_VOUCHER_DECREASING,
        async (_e, s) => ({
            body: submitChargeBody(signCharge(s.proxy.key, s.escrow.address, { seqno: 6n, tokens: 600n, amount: toNano('2') - 1n })),
        }),
    ],
    [
        'lower cumulative tokens',
        ERR_VOUCHER_DECREASING,
        async (_e, s) => ({
            body: submitChargeBody(signCharge(s.proxy.key, s.escrow.address, { seqno: 6n, tokens: 499n, amount: toNano('3') })),
        }),
    ],
    [
        'less than MIN_VALUE_SUBMIT attached',
        ERR_INSUFFICIENT_VALUE,
        async (_e, s) => ({ body: submitChargeBody(signCharge(s.proxy.key, s.escrow.address, next(5n))), value: MIN_VALUE_SUBMIT - 1n }),
    ],
];

/** The voucher alice's escrow accepted in the refusal table's setup. */
function accepted(s: Setup): SignedVoucher {
    return signCharge(s.proxy.key, s.escrow.address, { seqno: 5n, tokens: 500n, amount: toNano('2') });
}

/** A well-formed next voucher after `seqno`. */
function next(seqno: bigint) {
    return { seqno: seqno + 1n, tokens: 600n, amount: toNano('3') };
}

function full(a: { seqno: bigint; tokens: bigint; amount: bigint }) {
    return { ...a, commission: 0n, final: false };
}

describe('Refused charge vouchers change nothing, on the escrow or in the pool', () => {
    beforeEach(async () => {
        const { env, extra } = ctx;
        await submitCharge(env, extra.escrow, accepted(extra));
        expect(await escrowCounters(extra.escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('2'), toNano('2'), 500n, 5n]);
    });

    it.each(REFUSED.map(([what, code, make]) => [what, errorName(code), code, make] as const))(
        '%s: refused with %s',
        async (_what, _name, code, make) => {
            const { env, extra } = ctx;
            const { body, value } = await make(env, extra);
            const pool = await capturePool(env, extra.proxy);
            const r = await escrowRefuses(env, extra.escrow, env.stranger.address, code, () =>
                sendBody(env, extra.escrow.address, body, { value }),
            );
            expect(messagesBetween(r, extra.escrow.address, extra.proxy.provider.address)).toEqual([]);
            await expectPoolUnchanged(env, extra.proxy, pool, r);
        },
    );

    it('the well-formed next voucher is accepted (the refusals were about the voucher alone)', async () => {
        const { env, extra } = ctx;
        await charge(env, extra.escrow, extra.proxy, next(5n));
        expect(await escrowCounters(extra.escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3'), toNano('3'), 600n, 6n]);
    });

    it('on a closed escrow: refused with ERR_ESCROW_STATE', async () => {
        const { env, extra } = ctx;
        await submitCharge(env, extra.escrow, signCharge(extra.proxy.key, extra.escrow.address, { ...next(5n), final: true }));
        expect((await extra.escrow.getState()).status).toBe(ESCROW_CLOSED);
        const pool = await capturePool(env, extra.proxy);
        const r = await escrowRefuses(env, extra.escrow, env.stranger.address, ERR_ESCROW_STATE, () =>
            submitCharge(
                env,
                extra.escrow,
                signCharge(extra.proxy.key, extra.escrow.address, { seqno: 7n, tokens: 700n, amount: toNano('4') }),
            ),
        );
        await expectPoolUnchanged(env, extra.proxy, pool, r);
    });
});

describe('What a charge costs the escrow', () => {
    it("a settlement takes exactly the settled amount from the escrow's balance (the submitter's value pays the rest)", async () => {
        const { env, extra } = ctx;
        const before = await balanceOf(env, extra.escrow.address);
        const r = await charge(env, extra.escrow, extra.proxy, { seqno: 1n, tokens: 10n, amount: toNano('1') });
        expect(await balanceOf(env, extra.escrow.address)).toBe(before - toNano('1') - storageFees(r, extra.escrow.address));
    });
});
