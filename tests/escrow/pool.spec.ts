/**
 * The proxy Provider's pool (decision 0004, point 5): settlements are accepted only from the
 * escrow initOf computes for a key that settles there; the protocol fee is set aside on each
 * charge and leaves for the treasury in one message, with the next commission withdrawal or when
 * anyone sends SendProtocolFee; the owner withdraws commission only as payouts release it, never
 * the funds owed to workers (invariant 5). Value only moves between the parties (invariant 1).
 */
import '@ton/test-utils';
import { Address, beginCell, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import {
    COMMISSION_VALUE,
    ERR_ABOVE_COMMISSION,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_OWN_ACCOUNT,
    ERR_NOT_OWNER,
    escrowFor,
    escrowParties,
    MIN_VALUE_COMMISSION,
    payoutAccountFor,
    storeChargeSettled,
    storePayoutRequested,
} from '../../wrappers/Escrow';
import { Actor, Env } from '../fixtures/environment';
import { conserving, excessesFrom, Node, publicKeyInt } from '../helpers/provider';
import { mulberry32, seedFrom } from '../helpers/random';
import { messagesBetween, sharedEnvironment, storageFees } from '../helpers/root';
import {
    activeProxy,
    balanceOf,
    charge,
    client,
    EscrowContract,
    escrowCounters,
    feeOn,
    openEscrow,
    payout,
    payoutAccountOf,
    PayoutContract,
    pool,
    poolRefuses,
    sendFrom,
    valuesBetween,
} from './helpers';

interface Setup {
    proxy: Node; // active; alice's escrow settled 6 TON into its pool, wendy was paid 2 TON with 0.5 TON commission
    alice: Actor;
    escrow: EscrowContract;
    wendy: Actor;
    account: PayoutContract;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await activeProxy(env);
    const alice = await env.blockchain.treasury('alice');
    const wendy = await env.blockchain.treasury('wendy');
    const { escrow } = await openEscrow(env, proxy, alice);
    await charge(env, escrow, proxy, { seqno: 1n, tokens: 6_000n, amount: toNano('6') });
    const account = await payoutAccountOf(env, proxy, wendy.address);
    await payout(env, account, proxy, { seqno: 1n, tokens: 2_000n, amount: toNano('2'), commission: toNano('0.5') });
    return { proxy, alice, escrow, wendy, account };
});

const FEE_BPS = 100n; // the fixture Root's protocolFeeBps
const FEE = feeOn(toNano('6'), FEE_BPS);

describe('The pool after a settlement and a payout', () => {
    it('holds the settled amount less the fee and less what was released; the fee is set aside', async () => {
        const p = await ctx.extra.proxy.provider.getPoolState();
        expect(p.feeBps).toBe(FEE_BPS);
        expect([p.pool, p.commissionReleased, p.feeOwed, p.tokensServed, p.settlements, p.payouts]).toEqual([
            toNano('6') - FEE - toNano('2.5'),
            toNano('0.5'),
            FEE,
            6_000n,
            1n,
            1n,
        ]);
    });

    it('the fee is rounded down on each settlement, and summed', async () => {
        const { env, extra } = ctx;
        const amounts = [199n, 1n, 12_345n];
        let total = toNano('6');
        for (const [i, a] of amounts.entries()) {
            total += a;
            await charge(env, extra.escrow, extra.proxy, { seqno: BigInt(i + 2), tokens: 6_000n, amount: total });
        }
        const p = await extra.proxy.provider.getPoolState();
        expect(p.feeOwed).toBe(FEE + amounts.reduce((s, a) => s + feeOn(a, FEE_BPS), 0n));
        expect(p.feeOwed).toBe(FEE + 1n + 0n + 123n);
    });
});

describe('Commission withdrawal', () => {
    it('the owner withdraws what was released; the fee owed leaves for the treasury in one message with it', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const p0 = await proxy.provider.getPoolState();
        const r = await pool.withdrawCommission(proxy, proxy.owner, toNano('0.5'), COMMISSION_VALUE, 41n);
        expect(r.transactions).toHaveTransaction({ from: proxy.owner.address, to: proxy.provider.address, success: true });
        const back = excessesFrom(r, proxy.provider.address, proxy.owner.address);
        expect(back.queryId).toBe(41n);
        expect(back.value).toBeGreaterThan(toNano('0.5'));
        expect(valuesBetween(r, proxy.provider.address, env.treasury.address)).toEqual([FEE]);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool, p1.commissionReleased, p1.feeOwed, p1.payouts, p1.settlements]).toEqual([
            p0.pool,
            0n,
            0n,
            p0.payouts,
            p0.settlements,
        ]);
    });

    it('with no fee owed, only the owner is paid', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await pool.withdrawCommission(proxy, proxy.owner, toNano('0.1'));
        const r = await pool.withdrawCommission(proxy, proxy.owner, toNano('0.4'));
        expect(messagesBetween(r, proxy.provider.address, env.treasury.address)).toEqual([]);
        expect(excessesFrom(r, proxy.provider.address, proxy.owner.address).value).toBeGreaterThan(toNano('0.4'));
        expect((await proxy.provider.getPoolState()).commissionReleased).toBe(0n);
    });

    it('exactly MIN_VALUE_COMMISSION is enough', async () => {
        const { extra } = ctx;
        const r = await pool.withdrawCommission(extra.proxy, extra.proxy.owner, toNano('0.5'), MIN_VALUE_COMMISSION);
        expect(r.transactions).toHaveTransaction({ from: extra.proxy.owner.address, to: extra.proxy.provider.address, success: true });
    });

    it('above what was released: refused with ERR_ABOVE_COMMISSION', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await poolRefuses(env, proxy, proxy.owner.address, ERR_ABOVE_COMMISSION, () =>
            pool.withdrawCommission(proxy, proxy.owner, toNano('0.5') + 1n),
        );
    });

    it('nothing: a zero amount is refused with ERR_ABOVE_COMMISSION', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await poolRefuses(env, proxy, proxy.owner.address, ERR_ABOVE_COMMISSION, () => pool.withdrawCommission(proxy, proxy.owner, 0n));
    });

    it('invariant 5: the funds owed to workers are not withdrawable, even with a large pool and nothing released', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await pool.withdrawCommission(proxy, proxy.owner, toNano('0.5'));
        const { pool: held } = await proxy.provider.getPoolState();
        expect(held).toBeGreaterThan(toNano('3'));
        await poolRefuses(env, proxy, proxy.owner.address, ERR_ABOVE_COMMISSION, () => pool.withdrawCommission(proxy, proxy.owner, 1n));
        await poolRefuses(env, proxy, proxy.owner.address, ERR_ABOVE_COMMISSION, () => pool.withdrawCommission(proxy, proxy.owner, held));
    });

    it.each([
        ['a stranger', (e: Env) => e.stranger],
        ['the worker owner', (_e: Env, s: Setup) => s.wendy],
        ['a client', (_e: Env, s: Setup) => s.alice],
        ['the treasury', (e: Env) => e.treasury],
    ])('from %s: refused with ERR_NOT_OWNER', async (_who, who) => {
        const { env, extra } = ctx;
        const via = who(env, extra);
        await poolRefuses(env, extra.proxy, via.address, ERR_NOT_OWNER, () => pool.withdrawCommission(extra.proxy, via, toNano('0.5')));
    });

    it('too little value: MIN_VALUE_COMMISSION less one nanoton is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await poolRefuses(env, proxy, proxy.owner.address, ERR_INSUFFICIENT_VALUE, () =>
            pool.withdrawCommission(proxy, proxy.owner, toNano('0.5'), MIN_VALUE_COMMISSION - 1n),
        );
    });
});

describe('SendProtocolFee', () => {
    it('anyone sends the fee set aside to the treasury in one message; feeOwed is reset, nothing else moves', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const p0 = await proxy.provider.getPoolState();
        // a value well above the fee owed (see the failing tests below for why)
        const r = await pool.sendProtocolFee(proxy, env.stranger, toNano('1'), 51n);
        expect(valuesBetween(r, proxy.provider.address, env.treasury.address)).toEqual([FEE]);
        expect(excessesFrom(r, proxy.provider.address, env.stranger.address).queryId).toBe(51n);
        const p1 = await proxy.provider.getPoolState();
        expect([p1.pool, p1.commissionReleased, p1.feeOwed]).toEqual([p0.pool, p0.commissionReleased, 0n]);
    });

    it('with no fee owed nothing goes to the treasury and the value returns', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        await pool.sendProtocolFee(proxy, env.stranger, toNano('1'));
        const r = await pool.sendProtocolFee(proxy, env.stranger);
        expect(messagesBetween(r, proxy.provider.address, env.treasury.address)).toEqual([]);
        expect(excessesFrom(r, proxy.provider.address, env.stranger.address).value).toBeGreaterThan(COMMISSION_VALUE - toNano('0.02'));
    });

    it('too little value: refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        await poolRefuses(env, extra.proxy, env.stranger.address, ERR_INSUFFICIENT_VALUE, () =>
            pool.sendProtocolFee(extra.proxy, env.stranger, MIN_VALUE_COMMISSION - 1n),
        );
    });

    // The fee leaves from the Provider's balance, not from the sender's value (a bug fixed here:
    // the refund used to reserve the balance from before the message, fee included, so a fee
    // above the attached value failed the action phase and a smaller one was taken from the sender).
    it('with the documented COMMISSION_VALUE, it succeeds whatever the fee owed (here above the value attached)', async () => {
        const { env, extra } = ctx;
        expect(FEE).toBeGreaterThan(COMMISSION_VALUE);
        const r = await pool.sendProtocolFee(extra.proxy, env.stranger);
        expect(r.transactions).toHaveTransaction({ from: env.stranger.address, to: extra.proxy.provider.address, success: true });
        expect(valuesBetween(r, extra.proxy.provider.address, env.treasury.address)).toEqual([FEE]);
    });

    it("the fee comes out of the Provider's balance, not out of the sender's value", async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const before = await balanceOf(env, proxy.provider.address);
        const r = await pool.sendProtocolFee(proxy, env.stranger, toNano('1'));
        expect(excessesFrom(r, proxy.provider.address, env.stranger.address).value).toBeGreaterThan(toNano('1') - toNano('0.02'));
        expect(await balanceOf(env, proxy.provider.address)).toBeLessThanOrEqual(before - FEE - storageFees(r, proxy.provider.address));
    });
});

describe('Settlements only from genuine escrows', () => {
    /** The ChargeSettled body a genuine settlement of alice's escrow carries. */
    async function genuineBody(env: Env, s: Setup) {
        const r = await charge(env, s.escrow, s.proxy, { seqno: 2n, tokens: 6_100n, amount: toNano('7') });
        return messagesBetween(r, s.escrow.address, s.proxy.provider.address)[0].body;
    }

    it('the same ChargeSettled from a stranger is refused with ERR_NOT_OWN_ACCOUNT', async () => {
        const { env, extra } = ctx;
        const body = await genuineBody(env, extra);
        await poolRefuses(env, extra.proxy, env.stranger.address, ERR_NOT_OWN_ACCOUNT, () =>
            sendFrom(env, env.stranger.address, extra.proxy.provider.address, body, toNano('5')),
        );
    });

    it("from another client's escrow (naming alice): refused with ERR_NOT_OWN_ACCOUNT", async () => {
        const { env, extra } = ctx;
        const body = await genuineBody(env, extra);
        const bob = await env.blockchain.treasury('bob');
        const { escrow: bobs } = await openEscrow(env, extra.proxy, bob);
        await poolRefuses(env, extra.proxy, bobs.address, ERR_NOT_OWN_ACCOUNT, () =>
            sendFrom(env, bobs.address, extra.proxy.provider.address, body, toNano('5')),
        );
    });

    it("a genuine escrow's ChargeSettled sent to another proxy's Provider: refused with ERR_NOT_OWN_ACCOUNT", async () => {
        const { env, extra } = ctx;
        const body = await genuineBody(env, extra);
        const other = await activeProxy(env, 'other-proxy');
        await poolRefuses(env, other, extra.escrow.address, ERR_NOT_OWN_ACCOUNT, () =>
            sendFrom(env, extra.escrow.address, other.provider.address, body, toNano('5')),
        );
    });
});

describe("The Provider's recomputed addresses agree with initOf (contracts/escrow/address.tact)", () => {
    /** A random address on the basechain or the masterchain. */
    function randomAddress(random: () => number): Address {
        const hash = Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256)));
        return new Address(random() < 0.25 ? -1 : 0, hash);
    }

    function chargeSettled(proxy: Address, client: Address, teeKey: bigint, amount: bigint) {
        const parties = escrowParties(proxy, teeKey, client);
        return beginCell()
            .store(storeChargeSettled({ $$type: 'ChargeSettled', amount, tokens: 1n, excessTo: client, parties }))
            .endCell();
    }

    function payoutRequested(workerOwner: Address, workerNode: bigint, teeKey: bigint, commission: bigint) {
        return beginCell()
            .store(
                storePayoutRequested({
                    $$type: 'PayoutRequested',
                    amount: 0n,
                    commission,
                    tokens: 0n,
                    queryId: 0n,
                    workerOwner,
                    workerNode,
                    teeKey,
                    excessTo: workerOwner,
                }),
            )
            .endCell();
    }

    it('escrows of random clients are credited; a settlement naming another client is refused with ERR_NOT_OWN_ACCOUNT', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const random = mulberry32(seedFrom('ESCROW_ADDRESS_SEED', 'escrow address'));
        const key = publicKeyInt(proxy.key);
        for (let i = 0; i < 8; i++) {
            const client = randomAddress(random);
            const escrow = await escrowFor(env.root.address, proxy.provider.address, key, client);
            const before = (await proxy.provider.getPoolState()).settlements;
            const ok = await sendFrom(
                env,
                escrow.address,
                proxy.provider.address,
                chargeSettled(proxy.provider.address, client, key, 1_000n),
            );
            expect(ok.transactions).toHaveTransaction({ from: escrow.address, to: proxy.provider.address, success: true });
            expect((await proxy.provider.getPoolState()).settlements).toBe(before + 1n);
            const other = new Address(client.workChain, Buffer.from(client.hash.map((b, j) => (j === 31 ? b ^ 1 : b))));
            await poolRefuses(env, proxy, escrow.address, ERR_NOT_OWN_ACCOUNT, () =>
                sendFrom(env, escrow.address, proxy.provider.address, chargeSettled(proxy.provider.address, other, key, 1_000n)),
            );
        }
    });

    it('payout accounts of random worker owners and node indexes are paid; another node index is refused with ERR_NOT_OWN_ACCOUNT', async () => {
        const { env, extra } = ctx;
        const { proxy } = extra;
        const random = mulberry32(seedFrom('PAYOUT_ADDRESS_SEED', 'payout address'));
        const key = publicKeyInt(proxy.key);
        const nodes = [0n, 0xffff_ffffn, ...Array.from({ length: 6 }, () => BigInt(Math.floor(random() * 2 ** 32)))];
        for (const node of nodes) {
            const owner = randomAddress(random);
            const account = await payoutAccountFor(env.root.address, proxy.provider.address, key, owner, node);
            const before = (await proxy.provider.getPoolState()).payouts;
            const ok = await sendFrom(env, account.address, proxy.provider.address, payoutRequested(owner, node, key, 1n));
            expect(ok.transactions).toHaveTransaction({ from: account.address, to: proxy.provider.address, success: true });
            expect((await proxy.provider.getPoolState()).payouts).toBe(before + 1n);
            const otherNode = node === 0xffff_ffffn ? 0n : node + 1n;
            await poolRefuses(env, proxy, account.address, ERR_NOT_OWN_ACCOUNT, () =>
                sendFrom(env, account.address, proxy.provider.address, payoutRequested(owner, otherNode, key, 1n)),
            );
        }
    });
});

describe('Invariant 1: value only moves between the parties, less fees', () => {
    /** Runs the steps and returns one result holding all their transactions. */
    async function all(steps: (() => Promise<SendMessageResult>)[]): Promise<SendMessageResult> {
        const results: SendMessageResult[] = [];
        for (const step of steps) results.push(await step());
        return {
            transactions: results.flatMap((r) => r.transactions),
            events: results.flatMap((r) => r.events),
            externals: results.flatMap((r) => r.externals),
        };
    }

    it('charge, payout, commission withdrawal with the fee, close: every account together loses exactly the fees', async () => {
        const { env, extra } = ctx;
        const { proxy, alice, escrow, wendy, account } = extra;
        const watched = [alice, wendy, proxy.owner, env.stranger, env.treasury].map((a) => a.address);
        watched.push(escrow.address, account.address, proxy.provider.address, env.root.address);
        const { result, delta } = await conserving(env, watched, () =>
            all([
                () => charge(env, escrow, proxy, { seqno: 2n, tokens: 7_000n, amount: toNano('8') }),
                () => payout(env, account, proxy, { seqno: 2n, tokens: 3_000n, amount: toNano('3'), commission: toNano('0.7') }),
                () => pool.withdrawCommission(proxy, proxy.owner, toNano('0.7')),
                () => client.requestClose(escrow, alice),
                async () => {
                    env.advance(Number((await escrow.getState()).closeDelay));
                    return client.finalizeClose(escrow, alice);
                },
            ]),
        );
        expect(await escrowCounters(escrow)).toEqual([4n, 0n, toNano('8'), 7_000n, 2n]);
        // who received what
        expect(valuesBetween(result, proxy.provider.address, wendy.address)).toEqual([toNano('1')]);
        expect(valuesBetween(result, proxy.provider.address, env.treasury.address)).toEqual([FEE + feeOn(toNano('2'), FEE_BPS)]);
        expect(delta(env.treasury.address)).toBeGreaterThan(FEE);
        expect(delta(proxy.owner.address)).toBeGreaterThan(toNano('0.7') - toNano('0.05'));
    });
});
