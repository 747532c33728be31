/**
 * Bounces restore the escrow's and the payout account's state and lose no value (invariant 7):
 * a settlement the proxy's Provider refuses (an escrow of a key it never bound, a worker's
 * Provider, no contract at all, the previous key after its grace) puts balanceHeld, charged and
 * tokens back, the seqno staying used; a refused payout puts its counters back; a settlement that
 * bounces after a cooperative close goes straight back to the client; a Root that cannot answer
 * an opening refunds the client. Decision 0004's rebind: the previous key's accounts settle for
 * one client close delay, then are refused and keep their money, and their clients still close.
 */
import '@ton/test-utils';
import { Address, toNano } from '@ton/core';
import {
    ERR_NOT_OWN_ACCOUNT,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    Escrow,
    ESCROW_CLOSED,
    ESCROW_OPEN,
    ESCROW_STORAGE_BUFFER,
    escrowFor,
    OPEN_OVERHEAD,
    payoutAccountFor,
    submitChargeBody,
} from '../../wrappers/Escrow';
import { Actor, Env } from '../fixtures/environment';
import { activate, bind, conserving, createNode, excessesFrom, Node, publicKeyInt, stepwise, teeKey } from '../helpers/provider';
import { messagesBetween, setNow, sharedEnvironment, storageFees } from '../helpers/root';
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
    escrowOf,
    escrowRefuses,
    expectPoolUnchanged,
    expectRefusedWith,
    feeOn,
    openEscrow,
    payout,
    payoutAccountOf,
    payoutCounters,
    RESERVE,
    signCharge,
    signPayout,
    submitCharge,
    submitPayout,
    valuesBetween,
} from './helpers';

/** Basechain addresses at which no contract exists. */
const NO_ROOT = new Address(0, Buffer.alloc(32, 0x71));
const NO_PROXY = new Address(0, Buffer.alloc(32, 0x72));

const NOT_BOUND = teeKey('never-bound');

interface Setup {
    proxy: Node; // active, bound to its own key
    worker: Node; // an active worker node
    alice: Actor;
    foreign: EscrowContract; // alice's escrow with the proxy under a key it never bound, open
    atWorker: EscrowContract; // alice's escrow naming the worker's Provider as its proxy, open
    nowhere: EscrowContract; // alice's escrow naming an address with no contract as its proxy, open
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await activeProxy(env);
    const worker = await createNode(env, 'worker');
    await activate(env, worker);
    const alice = await env.blockchain.treasury('alice');
    const foreign = (await openEscrow(env, proxy, alice, { key: NOT_BOUND })).escrow;
    const atWorker = await escrowOf(env, worker.provider.address, alice.address, worker.key);
    const nowhere = await escrowOf(env, NO_PROXY, alice.address, NOT_BOUND);
    for (const e of [atWorker, nowhere]) {
        const r = await e.send(
            alice.getSender(),
            { value: DEPOSIT + OPEN_OVERHEAD },
            { $$type: 'OpenEscrow', queryId: 0n, reserve: RESERVE, demand: null },
        );
        expect(r.transactions).toHaveTransaction({ from: alice.address, to: e.address, success: true });
        expect((await e.getState()).status).toBe(ESCROW_OPEN);
    }
    return { proxy, worker, alice, foreign, atWorker, nowhere };
});

/** Submits a charge signed by `key` that the escrow accepts and its proxy address bounces; checks it was all undone. */
async function refusedSettlement(env: Env, escrow: EscrowContract, proxyAddress: Address, key: ReturnType<typeof teeKey>, proxy?: Node) {
    const before = await escrowCounters(escrow);
    const balance = await balanceOf(env, escrow.address);
    const pool = proxy ? await capturePool(env, proxy) : undefined;
    const [status, held, charged, tokens] = before;
    const r = await submitCharge(
        env,
        escrow,
        signCharge(key, escrow.address, { seqno: before[4] + 1n, tokens: tokens + 100n, amount: charged + toNano('3') }),
    );
    expect(r.transactions).toHaveTransaction({ from: env.stranger.address, to: escrow.address, success: true });
    expect(r.transactions).toHaveTransaction({ from: escrow.address, to: proxyAddress, op: Escrow.opcodes.ChargeSettled, aborted: true });
    expect(r.transactions).toHaveTransaction({ from: proxyAddress, to: escrow.address, inMessageBounced: true, success: true });
    // the counters came back; the seqno stays used
    expect(await escrowCounters(escrow)).toEqual([status, held, charged, tokens, before[4] + 1n]);
    expect(escrowEvents(r, escrow.address)).toEqual([]);
    // the settled value came back with the bounce (with what was left of the submitter's value)
    expect(await balanceOf(env, escrow.address)).toBeGreaterThanOrEqual(balance - storageFees(r, escrow.address));
    if (proxy) await expectPoolUnchanged(env, proxy, pool!, r);
    return r;
}

describe('A settlement the proxy address refuses is undone', () => {
    it('an escrow of a key the proxy never bound: ERR_NOT_OWN_ACCOUNT, balanceHeld, charged and tokens restored, the seqno used', async () => {
        const { env, extra } = ctx;
        const { foreign, proxy, alice } = extra;
        const r = await refusedSettlement(env, foreign, proxy.provider.address, NOT_BOUND, proxy);
        expectRefusedWith(r, foreign.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        // the same voucher again is no newer: the proxy re-signs the totals under a higher seqno
        await escrowRefuses(env, foreign, env.stranger.address, ERR_VOUCHER_NOT_NEWER, () =>
            submitCharge(env, foreign, signCharge(NOT_BOUND, foreign.address, { seqno: 1n, tokens: 100n, amount: toNano('3') })),
        );
        // the client's money is all there: everything above the reserve can be withdrawn
        await client.withdraw(foreign, alice, DEPOSIT - RESERVE);
        expect(await escrowCounters(foreign)).toEqual([ESCROW_OPEN, RESERVE, 0n, 0n, 1n]);
    });

    it('the counters advance when the escrow sends and come back when the bounce arrives', async () => {
        const { env, extra } = ctx;
        const { foreign } = extra;
        const body = submitChargeBody(signCharge(NOT_BOUND, foreign.address, { seqno: 1n, tokens: 100n, amount: toNano('3') }));
        const flight = await stepwise(env, env.stranger.address, foreign.address, body, toNano('0.05'));
        await flight.step(); // the escrow accepts and sends ChargeSettled
        expect(await escrowCounters(foreign)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3'), toNano('3'), 100n, 1n]);
        await flight.step(); // the Provider refuses
        await flight.step(); // the bounce
        expect(await escrowCounters(foreign)).toEqual([ESCROW_OPEN, DEPOSIT, 0n, 0n, 1n]);
    });

    it("an escrow naming a worker's Provider as its proxy: ERR_NOT_OWN_ACCOUNT (only a proxy settles), undone", async () => {
        const { env, extra } = ctx;
        const r = await refusedSettlement(env, extra.atWorker, extra.worker.provider.address, extra.worker.key);
        expectRefusedWith(r, extra.atWorker.address, extra.worker.provider.address, ERR_NOT_OWN_ACCOUNT);
        const ps = await extra.worker.provider.getPoolState();
        expect([ps.pool, ps.settlements, ps.tokensServed]).toEqual([0n, 0n, 0n]);
    });

    it('an escrow naming an address with no contract as its proxy: the message bounces, undone', async () => {
        const { env, extra } = ctx;
        await refusedSettlement(env, extra.nowhere, NO_PROXY, NOT_BOUND);
        expect(await balanceOf(env, NO_PROXY)).toBe(0n);
    });

    it('two settlements in flight, both refused: each bounce gives back its own part', async () => {
        const { env, extra } = ctx;
        const { foreign } = extra;
        const first = submitChargeBody(signCharge(NOT_BOUND, foreign.address, { seqno: 1n, tokens: 100n, amount: toNano('3') }));
        const flight = await stepwise(env, env.stranger.address, foreign.address, first, toNano('0.05'));
        await flight.step(); // the first is accepted; its settlement is in flight
        // the second is accepted, refused and bounced before the first's settlement arrives
        await submitCharge(env, foreign, signCharge(NOT_BOUND, foreign.address, { seqno: 2n, tokens: 250n, amount: toNano('5') }));
        expect(await escrowCounters(foreign)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3'), toNano('3'), 100n, 2n]);
        await flight.rest();
        expect(await escrowCounters(foreign)).toEqual([ESCROW_OPEN, DEPOSIT, 0n, 0n, 2n]);
    });

    it('a settlement that bounces after a cooperative close goes straight back to the client', async () => {
        const { env, extra } = ctx;
        const { foreign, alice, proxy } = extra;
        const r = await submitCharge(
            env,
            foreign,
            signCharge(NOT_BOUND, foreign.address, { seqno: 1n, tokens: 100n, amount: toNano('3'), final: true }),
        );
        // closed at once: the rest refunded; the settlement refused, bounced, and the 3 TON that
        // came back returned to the client in the bounce's own transaction
        expect(closedEvents(r, foreign.address)).toEqual([
            [toNano('3'), 100n, DEPOSIT - toNano('3'), true],
            [0n, 0n, toNano('3'), false],
        ]);
        expectRefusedWith(r, foreign.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        const refunds = messagesBetween(r, foreign.address, alice.address).map((m) => m.value);
        expect(refunds.length).toBe(2);
        expect(refunds[0]).toBeGreaterThanOrEqual(DEPOSIT - toNano('3'));
        expect(refunds[1]).toBeGreaterThanOrEqual(toNano('3'));
        expect(await escrowCounters(foreign)).toEqual([ESCROW_CLOSED, 0n, 0n, 0n, 1n]);
        expect(await balanceOf(env, foreign.address)).toBe(ESCROW_STORAGE_BUFFER);

        // A FinalizeClose on the closed escrow finds nothing more to return.
        const again = await client.finalizeClose(foreign, alice);
        expect(closedEvents(again, foreign.address)).toEqual([[0n, 0n, 0n, false]]);
        expect(await balanceOf(env, foreign.address)).toBe(ESCROW_STORAGE_BUFFER);
    });
});

describe('A payout the proxy address refuses is undone', () => {
    it('a payout account naming an address with no contract as its proxy: the request bounces, the counters come back', async () => {
        const { env, extra } = ctx;
        const account = env.blockchain.openContract(
            await payoutAccountFor(env.root.address, NO_PROXY, publicKeyInt(NOT_BOUND), extra.alice.address, 0n),
        );
        const r = await submitPayout(
            env,
            account,
            signPayout(NOT_BOUND, account.address, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: toNano('0.1') }),
        );
        expect(r.transactions).toHaveTransaction({ from: account.address, to: NO_PROXY, aborted: true });
        expect(r.transactions).toHaveTransaction({ from: NO_PROXY, to: account.address, inMessageBounced: true, success: true });
        expect(await payoutCounters(account)).toEqual([1n, 0n, 0n, 0n]);
    });
});

describe('An opening the Root cannot answer', () => {
    it('QueryParams bounces: everything goes back to the client and the account is destroyed', async () => {
        const { env, extra } = ctx;
        const { alice, proxy } = extra;
        const escrow = env.blockchain.openContract(await escrowFor(NO_ROOT, proxy.provider.address, proxy.key.publicKey, alice.address));
        const { result, delta } = await conserving(env, [alice.address, escrow.address, NO_ROOT], () =>
            escrow.send(
                alice.getSender(),
                { value: DEPOSIT + OPEN_OVERHEAD },
                { $$type: 'OpenEscrow', queryId: 0n, reserve: RESERVE, demand: null },
            ),
        );
        expect(result.transactions).toHaveTransaction({ from: escrow.address, to: NO_ROOT, op: Escrow.opcodes.QueryParams, aborted: true });
        expect(result.transactions).toHaveTransaction({ from: NO_ROOT, to: escrow.address, inMessageBounced: true, success: true });
        expect(closedEvents(result, escrow.address)).toEqual([[0n, 0n, DEPOSIT, false]]);
        expect(valuesBetween(result, escrow.address, alice.address)[0]).toBeGreaterThan(DEPOSIT);
        const account = await env.blockchain.getContract(escrow.address);
        expect(account.balance).toBe(0n);
        expect(account.accountState?.type).not.toBe('active');
        expect(delta(NO_ROOT)).toBe(0n);
        expect(delta(escrow.address)).toBe(0n);
    });
});

describe('Decision 0004: a rebind to a new TEE key', () => {
    /** Rebinds the proxy to `key`; returns the end of the previous key's grace. */
    async function rebind(env: Env, proxy: Node, key: ReturnType<typeof teeKey>): Promise<number> {
        const previous = (await proxy.provider.getPoolState()).teeKey;
        await bind(env, proxy, { key });
        const p = await proxy.provider.getPoolState();
        expect([p.teeKey, p.prevTeeKey]).toEqual([publicKeyInt(key), previous]);
        expect(p.prevKeyUntil).toBe(BigInt(env.blockchain.now!) + (await env.root.getParams()).clientCloseDelay);
        return Number(p.prevKeyUntil);
    }

    it("the previous key's escrows settle for one client close delay, then are refused and keep their money; the client still closes", async () => {
        const { env, extra } = ctx;
        const { proxy, alice } = extra;
        const { escrow } = await openEscrow(env, proxy, alice);
        await charge(env, escrow, proxy, { seqno: 1n, tokens: 100n, amount: toNano('1') });
        const until = await rebind(env, proxy, teeKey('rebound'));

        setNow(env, until - 1);
        const p0 = await proxy.provider.getPoolState();
        await charge(env, escrow, proxy, { seqno: 2n, tokens: 300n, amount: toNano('3') });
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3'), toNano('3'), 300n, 2n]);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool - p0.pool, p1.tokensServed - p0.tokensServed]).toEqual([toNano('2') - feeOn(toNano('2'), p0.feeBps), 200n]);

        setNow(env, until);
        const r = await refusedSettlement(env, escrow, proxy.provider.address, proxy.key, proxy);
        expectRefusedWith(r, escrow.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        expect(await escrowCounters(escrow)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('3'), toNano('3'), 300n, 3n]);

        // invariant 3 under a rebind: the client leaves with everything not charged in the grace
        await client.requestClose(escrow, alice);
        env.advance(Number((await escrow.getState()).closeDelay));
        const fin = await client.finalizeClose(escrow, alice);
        expect(closedEvents(fin, escrow.address)).toEqual([[toNano('3'), 300n, DEPOSIT - toNano('3'), false]]);
        expect(excessesFrom(fin, escrow.address, alice.address).value).toBeGreaterThanOrEqual(DEPOSIT - toNano('3'));
    });

    it("escrows of the new key settle at once; the new key's vouchers do not work on the old key's escrows", async () => {
        const { env, extra } = ctx;
        const { proxy, alice } = extra;
        const { escrow: old } = await openEscrow(env, proxy, alice);
        const fresh = teeKey('rebound');
        await rebind(env, proxy, fresh);
        const bob = await env.blockchain.treasury('bob');
        const { escrow: renewed } = await openEscrow(env, proxy, bob, { key: fresh });
        await charge(env, renewed, proxy, { seqno: 1n, tokens: 10n, amount: toNano('1') }, fresh);
        expect(await escrowCounters(renewed)).toEqual([ESCROW_OPEN, DEPOSIT - toNano('1'), toNano('1'), 10n, 1n]);
        await escrowRefuses(env, old, env.stranger.address, ERR_VOUCHER_SIGNATURE, () =>
            submitCharge(env, old, signCharge(fresh, old.address, { seqno: 1n, tokens: 10n, amount: toNano('1') })),
        );
    });

    it("a second rebind within the grace ends the first key's grace at once", async () => {
        const { env, extra } = ctx;
        const { proxy, alice } = extra;
        const { escrow: first } = await openEscrow(env, proxy, alice);
        const second = teeKey('second');
        await rebind(env, proxy, second);
        const bob = await env.blockchain.treasury('bob');
        const { escrow: ofSecond } = await openEscrow(env, proxy, bob, { key: second });
        env.advance(60);
        await rebind(env, proxy, teeKey('third'));
        const r = await refusedSettlement(env, first, proxy.provider.address, proxy.key, proxy);
        expectRefusedWith(r, first.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        // the key replaced last is in its grace
        await charge(env, ofSecond, proxy, { seqno: 1n, tokens: 10n, amount: toNano('1') }, second);
    });

    it('binding the same key again starts no grace', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await bind(env, proxy, { key: proxy.key });
        const p = await proxy.provider.getPoolState();
        expect([p.teeKey, p.prevTeeKey, p.prevKeyUntil]).toEqual([publicKeyInt(proxy.key), 0n, 0n]);
    });

    it("the previous key's payout accounts are paid during the grace, then refused and undone", async () => {
        const { env, extra } = ctx;
        const { proxy, alice } = extra;
        const { escrow } = await openEscrow(env, proxy, alice);
        await charge(env, escrow, proxy, { seqno: 1n, tokens: 100n, amount: toNano('5') });
        const wendy = await env.blockchain.treasury('wendy');
        const account = await payoutAccountOf(env, proxy, wendy.address);
        const until = await rebind(env, proxy, teeKey('rebound'));
        setNow(env, until - 1);
        const paid = await payout(env, account, proxy, { seqno: 1n, tokens: 50n, amount: toNano('1'), commission: toNano('0.1') });
        expect(valuesBetween(paid, proxy.provider.address, wendy.address)).toEqual([toNano('1')]);

        setNow(env, until);
        const pool = await capturePool(env, proxy);
        const r = await submitPayout(
            env,
            account,
            signPayout(proxy.key, account.address, { seqno: 2n, tokens: 80n, amount: toNano('2'), commission: toNano('0.2') }),
        );
        expectRefusedWith(r, account.address, proxy.provider.address, ERR_NOT_OWN_ACCOUNT);
        expect(await payoutCounters(account)).toEqual([2n, 50n, toNano('1'), toNano('0.1')]);
        expect(messagesBetween(r, proxy.provider.address, wendy.address)).toEqual([]);
        await expectPoolUnchanged(env, proxy, pool, r);
    });
});
