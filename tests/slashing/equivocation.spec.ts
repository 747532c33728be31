/**
 * Equivocation evidence (slashing issue, part 1): two vouchers signed by a proxy's TEE key that
 * conflict, submitted by anyone to the proxy's Provider, which checks them itself against the key
 * it has bound (or the one a rebind replaced), slashes the Root's equivocation fraction of stake
 * and unbonding stake, jails and delists itself, stops settling for that key, pays the reporter
 * its capped share and the treasury the rest. docs/contracts/slashing.md.
 */
import '@ton/test-utils';
import { Address, beginCell, toNano } from '@ton/core';
import { KeyPair } from '@ton/crypto';
import {
    ERR_ALREADY_JAILED,
    ERR_EVIDENCE_SIGNATURE,
    ERR_EVIDENCE_UNRELATED,
    ERR_INSUFFICIENT_VALUE,
    ERR_KEY_CONVICTED,
    ERR_NO_CONFLICT,
    ERR_NOT_OWN_ACCOUNT,
    ERR_NOT_PROXY,
    ERR_NOTHING_TO_SLASH,
    ERR_PROVIDER_CLOSED,
    CHECK_VALUE,
    evidenceBody,
    EVIDENCE_VALUE,
    loadExcesses,
    Provider,
    ProviderState,
    REFUSED_SLASHED,
    signBindingClaim,
    STATUS_EXITING,
    STATUS_JAILED,
    storeBindAttestation,
} from '../../wrappers/Provider';
import { Escrow } from '../../wrappers/Escrow';
import { findConflicts, SignedVoucher } from '../../wrappers/vouchers';
import { Actor, deployEnvironment, Env, HASHES } from '../fixtures/environment';
import {
    activeProxy,
    escrowCounters,
    EscrowContract,
    openEscrow,
    payoutAccountOf,
    signCharge,
    signPayout,
    submitCharge,
    tampered,
} from '../escrow/helpers';
import {
    activate,
    balanceChange,
    bind,
    createNode,
    eventsOf,
    Node,
    publicKeyInt,
    refuses,
    sendBind,
    stepwise,
    teeKey,
} from '../helpers/provider';
import { messagesBetween, storageFees } from '../helpers/root';

interface Setup {
    env: Env;
    proxy: Node;
    escrow: EscrowContract;
    reporter: Actor;
}

async function setup(params: Parameters<typeof deployEnvironment>[0] = {}): Promise<Setup> {
    const env = await deployEnvironment(params);
    const proxy = await activeProxy(env);
    const alice = await env.blockchain.treasury('alice');
    const { escrow } = await openEscrow(env, proxy, alice);
    const reporter = await env.blockchain.treasury('reporter');
    return { env, proxy, escrow, reporter };
}

/** The usual conflicting pair: seqno 5 on the set-up's escrow, signed twice with different amounts. */
function samePair(s: Setup): [SignedVoucher, SignedVoucher] {
    const v = { seqno: 5n, tokens: 100n };
    return [
        signCharge(s.proxy.key, s.escrow.address, { ...v, amount: toNano('1') }),
        signCharge(s.proxy.key, s.escrow.address, { ...v, amount: toNano('2') }),
    ];
}

function submitEvidence(s: Setup, a: SignedVoucher, b: SignedVoucher, value = EVIDENCE_VALUE, via: Actor = s.reporter) {
    return via.send({ to: s.proxy.provider.address, value, body: evidenceBody(a, b, 7n) });
}

/** What the Provider must take and pay for evidence, from its state and the Root's parameters. */
async function expected(s: Setup, before: ProviderState) {
    const p = await s.env.root.getParams();
    const fromStake = (before.stake * p.equivocationSlashBps) / 10_000n;
    const fromUnbonding = (before.unbonding * p.equivocationSlashBps) / 10_000n;
    const amount = fromStake + fromUnbonding;
    const share = (amount * p.reporterShareBps) / 10_000n;
    const reward = share < p.reporterRewardCap ? share : p.reporterRewardCap;
    return { stake: before.stake - fromStake, unbonding: before.unbonding - fromUnbonding, amount, reward, toTreasury: amount - reward };
}

/**
 * Submits the evidence one transaction at a time and checks the slash exactly: the Provider's
 * balance right after its transaction is its balance before less the slash (and storage fees),
 * the treasury gets its part, the reporter its reward plus what is left of the value, the stake
 * and unbonding stake drop by the fraction, and the Provider is jailed, delisted and counted.
 */
async function expectSlashed(s: Setup, a: SignedVoucher, b: SignedVoucher, key: KeyPair = s.proxy.key) {
    const { env, proxy, reporter } = s;
    const before = await proxy.provider.getState();
    const want = await expected(s, before);
    const balanceBefore = (await env.blockchain.getContract(proxy.provider.address)).balance;
    const flight = await stepwise(env, reporter.address, proxy.provider.address, evidenceBody(a, b, 7n), EVIDENCE_VALUE);
    const tx = await flight.step();
    const result = await flight.rest();
    expect(result.transactions).toHaveTransaction({ from: reporter.address, to: proxy.provider.address, success: true });
    const first = { transactions: [tx], events: tx.events, externals: tx.externals };
    // The balance this transaction left: before - slash - storage fees; the value all went out.
    const balanceAfterTx = balanceBefore + balanceChange(first, proxy.provider.address);
    expect(balanceAfterTx).toBe(balanceBefore - want.amount - storageFees(first, proxy.provider.address));

    const toTreasury = messagesBetween(result, proxy.provider.address, env.treasury.address);
    expect(toTreasury.map((m) => m.value)).toEqual(want.toTreasury > 0n ? [want.toTreasury] : []);
    const toReporter = messagesBetween(result, proxy.provider.address, reporter.address);
    expect(toReporter).toHaveLength(1);
    expect(loadExcesses(toReporter[0].body.beginParse()).queryId).toBe(7n);
    expect(toReporter[0].value).toBeGreaterThan(want.reward);
    expect(toReporter[0].value).toBeLessThan(want.reward + EVIDENCE_VALUE);

    const after = await proxy.provider.getState();
    expect([after.stake, after.unbonding, after.status, after.slashes, after.listed]).toEqual([
        want.stake,
        want.unbonding,
        STATUS_JAILED,
        before.slashes + 1n,
        false,
    ]);
    expect(await env.root.getProxy(proxy.provider.address)).toBeNull();
    const slashed = eventsOf(first, proxy.provider.address, 'Slashed');
    expect(slashed).toHaveLength(1);
    expect(slashed[0]).toMatchObject({
        kind: 1n,
        evidence: publicKeyInt(key),
        amount: want.amount,
        reporterReward: want.reward,
        toTreasury: want.toTreasury,
        stake: want.stake,
        unbonding: want.unbonding,
    });
    return { result, want };
}

/** A set-up proxy slashed and jailed on samePair, the slash checked exactly (expectSlashed). */
async function slashedProxy() {
    const s = await setup();
    const [a, b] = samePair(s);
    await expectSlashed(s, a, b);
    return { s, a, b };
}

describe('equivocation evidence', () => {
    describe('each conflict shape slashes exactly and pays the reporter and the treasury', () => {
        it('same seqno, different content (two charges)', async () => {
            await slashedProxy();
        });

        it('later seqno, lower cumulative amount (in either order)', async () => {
            const s = await setup();
            const a = signCharge(s.proxy.key, s.escrow.address, { seqno: 3n, tokens: 100n, amount: toNano('2') });
            const b = signCharge(s.proxy.key, s.escrow.address, { seqno: 4n, tokens: 150n, amount: toNano('1') });
            await expectSlashed(s, b, a);
        });

        it('later seqno, lower cumulative tokens', async () => {
            const s = await setup();
            const a = signCharge(s.proxy.key, s.escrow.address, { seqno: 3n, tokens: 500n, amount: toNano('1') });
            const b = signCharge(s.proxy.key, s.escrow.address, { seqno: 9n, tokens: 499n, amount: toNano('1') });
            await expectSlashed(s, a, b);
        });

        it('later seqno, lower cumulative commission (two payouts)', async () => {
            const s = await setup();
            const worker = await s.env.blockchain.treasury('worker');
            const account = await payoutAccountOf(s.env, s.proxy, worker.address);
            const a = signPayout(s.proxy.key, account.address, { seqno: 1n, tokens: 10n, amount: toNano('1'), commission: toNano('0.3') });
            const b = signPayout(s.proxy.key, account.address, { seqno: 2n, tokens: 20n, amount: toNano('2'), commission: toNano('0.2') });
            await expectSlashed(s, b, a); // the later one first
        });

        it('caps the reporter reward at the Root reporterRewardCap', async () => {
            const s = await setup({ params: { reporterRewardCap: toNano('7') } });
            const a = signCharge(s.proxy.key, s.escrow.address, { seqno: 1n, tokens: 1n, amount: 1n });
            const b = signCharge(s.proxy.key, s.escrow.address, { seqno: 1n, tokens: 2n, amount: 1n });
            const { want } = await expectSlashed(s, a, b);
            expect(want.reward).toBe(toNano('7'));
            expect(want.toTreasury).toBe(want.amount - toNano('7'));
        });

        it('slashes unbonding stake too', async () => {
            const s = await setup();
            await s.proxy.provider.send(
                s.proxy.owner.getSender(),
                { value: toNano('0.2') },
                { $$type: 'RequestUnstake', queryId: 0n, amount: toNano('400') },
            );
            const before = await s.proxy.provider.getState();
            expect(before.unbonding).toBe(toNano('400'));
            const a = signCharge(s.proxy.key, s.escrow.address, { seqno: 2n, tokens: 1n, amount: 5n });
            const b = signCharge(s.proxy.key, s.escrow.address, { seqno: 1n, tokens: 1n, amount: 6n });
            const { want } = await expectSlashed(s, a, b);
            expect(want.unbonding).toBe(toNano('200'));
            expect(want.stake).toBe((before.stake * 5_000n) / 10_000n);
        });

        it("counts the replaced key's vouchers while the Provider remembers it", async () => {
            const s = await setup();
            const oldKey = s.proxy.key;
            const a = signCharge(oldKey, s.escrow.address, { seqno: 1n, tokens: 1n, amount: 5n });
            const b = signCharge(oldKey, s.escrow.address, { seqno: 1n, tokens: 1n, amount: 6n });
            await bind(s.env, s.proxy, { key: teeKey('proxy-next') });
            s.env.advance(2 * 86_400); // past the old key's settlement grace: evidence still counts
            await expectSlashed(s, a, b, oldKey);
        });
    });

    describe('after a slash', () => {
        it('the key settles no more: a charge bounces and the escrow is restored', async () => {
            const { s } = await slashedProxy();
            const before = await escrowCounters(s.escrow);
            const r = await submitCharge(
                s.env,
                s.escrow,
                signCharge(s.proxy.key, s.escrow.address, { seqno: 6n, tokens: 200n, amount: toNano('3') }),
            );
            expect(r.transactions).toHaveTransaction({
                from: s.escrow.address,
                to: s.proxy.provider.address,
                op: Escrow.opcodes.ChargeSettled,
                success: false,
                exitCode: Number(ERR_NOT_OWN_ACCOUNT),
            });
            const after = await escrowCounters(s.escrow);
            // status, balance held, charged and tokens restored; the seqno is used up
            expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
            expect(after[4]).toBe(6n);
        });

        it('a second submission, the same evidence or other, pays nothing', async () => {
            const s = await setup();
            const [a, b] = samePair(s);
            const c = signCharge(s.proxy.key, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('3') });
            await expectSlashed(s, a, b);
            await refuses(s.env, s.proxy.provider, s.reporter.address, ERR_ALREADY_JAILED, () => submitEvidence(s, a, b));
            await refuses(s.env, s.proxy.provider, s.reporter.address, ERR_ALREADY_JAILED, () => submitEvidence(s, a, c));
        });

        it('the convicted key cannot be bound again', async () => {
            const { s } = await slashedProxy();
            await refuses(
                s.env,
                s.proxy.provider,
                s.proxy.owner.address,
                ERR_KEY_CONVICTED,
                async () => (await sendBind(s.env, s.proxy)).result,
            );
        });
    });

    describe('slashing while the Provider is busy or leaving', () => {
        it('a bind of the key in flight when it is convicted is refused at the verdict', async () => {
            const s = await setup();
            const { env, proxy } = s;
            // The owner re-binds its key (a routine renewal); evidence lands before the Root answers.
            const expiresAt = BigInt(env.blockchain.now!) + 5n * 86_400n;
            const body = beginCell()
                .store(
                    storeBindAttestation({
                        $$type: 'BindAttestation',
                        queryId: 9n,
                        imageHash: proxy.image,
                        attestationRoot: HASHES.root,
                        teeKey: publicKeyInt(proxy.key),
                        expiresAt,
                        signature: signBindingClaim(proxy.key, proxy.provider.address, proxy.image, HASHES.root, expiresAt),
                    }),
                )
                .endCell();
            const flight = await stepwise(env, proxy.owner.address, proxy.provider.address, body, CHECK_VALUE);
            await flight.step(); // BindAttestation: the query to the Root is on its way
            const [a, b] = samePair(s);
            expect((await submitEvidence(s, a, b)).transactions).toHaveTransaction({ to: proxy.provider.address, success: true });
            const verdict = await flight.rest();
            const refused = eventsOf(verdict, proxy.provider.address, 'BindingRefused');
            expect(refused.map((e) => e.reasons)).toEqual([REFUSED_SLASHED]);
            const pool = await proxy.provider.getPoolState();
            expect(pool.teeKey).toBe(0n);
            // Still jailed, the key still settles nothing.
            expect((await proxy.provider.getState()).status).toBe(STATUS_JAILED);
            const r = await submitCharge(
                env,
                s.escrow,
                signCharge(proxy.key, s.escrow.address, { seqno: 6n, tokens: 200n, amount: toNano('3') }),
            );
            expect(r.transactions).toHaveTransaction({
                to: proxy.provider.address,
                op: Escrow.opcodes.ChargeSettled,
                exitCode: Number(ERR_NOT_OWN_ACCOUNT),
            });
        });

        it('a jailed proxy binds no new key', async () => {
            const { s } = await slashedProxy();
            await refuses(
                s.env,
                s.proxy.provider,
                s.proxy.owner.address,
                ERR_ALREADY_JAILED,
                async () => (await sendBind(s.env, s.proxy, { key: teeKey('proxy-fresh') })).result,
            );
        });

        it('an exiting Provider is slashed on its unbonding stake and stays exiting (no way back to staking)', async () => {
            const s = await setup();
            const p = s.proxy.provider;
            await p.send(s.proxy.owner.getSender(), { value: toNano('0.2') }, { $$type: 'RequestExit', queryId: 0n });
            const before = await p.getState();
            expect([before.status, before.stake, before.unbonding]).toEqual([STATUS_EXITING, 0n, toNano('1000')]);
            const [a, b] = samePair(s);
            const r = await submitEvidence(s, a, b);
            expect(r.transactions).toHaveTransaction({ to: p.address, success: true });
            const after = await p.getState();
            expect([after.status, after.stake, after.unbonding, after.slashes]).toEqual([STATUS_EXITING, 0n, toNano('500'), 1n]);
            // The same pair again: the key is cleared, so its signatures no longer verify.
            await refuses(s.env, p, s.reporter.address, ERR_EVIDENCE_SIGNATURE, () => submitEvidence(s, a, b));
            // Exiting stays for good.
            await refuses(s.env, p, s.proxy.owner.address, ERR_PROVIDER_CLOSED, () =>
                p.send(s.proxy.owner.getSender(), { value: toNano('1.2') }, { $$type: 'Stake', queryId: 0n, amount: toNano('1') }),
            );
        });
    });

    describe('refused evidence changes nothing', () => {
        let s: Setup;
        let a: SignedVoucher;
        let b: SignedVoucher;
        beforeEach(async () => {
            s = await setup();
            [a, b] = samePair(s);
        });
        const refused = (code: bigint, x: () => [SignedVoucher, SignedVoucher], value?: bigint) => () =>
            refuses(s.env, s.proxy.provider, s.reporter.address, code, () => submitEvidence(s, ...x(), value));

        it('a forged signature', () => refused(ERR_EVIDENCE_SIGNATURE, () => [a, tampered(b, { amount: toNano('9') })])());
        it('a forged first signature', () => refused(ERR_EVIDENCE_SIGNATURE, () => [tampered(a, { amount: toNano('9') }), b])());
        it('vouchers of another key (both)', () => {
            const other = teeKey('someone-else');
            const x = signCharge(other, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('1') });
            const y = signCharge(other, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            return refused(ERR_EVIDENCE_SIGNATURE, () => [x, y])();
        });
        it('one voucher of another key', () => {
            const y = signCharge(teeKey('someone-else'), s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            return refused(ERR_EVIDENCE_SIGNATURE, () => [a, y])();
        });
        it('vouchers for two different accounts', async () => {
            const bob = await s.env.blockchain.treasury('bob');
            const { escrow: other } = await openEscrow(s.env, s.proxy, bob);
            const y = signCharge(s.proxy.key, other.address, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            return refused(ERR_EVIDENCE_UNRELATED, () => [a, y])();
        });
        it('vouchers of two kinds for one account', () => {
            const y = signPayout(s.proxy.key, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            return refused(ERR_EVIDENCE_UNRELATED, () => [a, y])();
        });
        it('identical vouchers', () => refused(ERR_NO_CONFLICT, () => [a, a])());
        it('a consistent pair (later seqno, totals not lower)', () => {
            const y = signCharge(s.proxy.key, s.escrow.address, { seqno: 6n, tokens: 100n, amount: toNano('1') });
            return refused(ERR_NO_CONFLICT, () => [a, y])();
        });
        it('too little value', () => refused(ERR_INSUFFICIENT_VALUE, () => [a, b], toNano('0.1'))());
        it('nothing left to slash', async () => {
            // Exit, wait out the unbonding delay, withdraw everything: nothing staked or unbonding.
            const p = s.proxy.provider;
            await p.send(s.proxy.owner.getSender(), { value: toNano('0.2') }, { $$type: 'RequestExit', queryId: 0n });
            s.env.advance(8 * 86_400);
            await p.send(s.proxy.owner.getSender(), { value: toNano('0.1') }, { $$type: 'WithdrawStake', queryId: 0n });
            const st = await p.getState();
            expect([st.stake, st.unbonding]).toEqual([0n, 0n]);
            return refused(ERR_NOTHING_TO_SLASH, () => [a, b])();
        });
        it("a worker's Provider (no proxy key to convict)", async () => {
            const worker = await createNode(s.env, 'worker', { seed: 'w' });
            await activate(s.env, worker);
            const x = signCharge(worker.key, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('1') });
            const y = signCharge(worker.key, s.escrow.address, { seqno: 5n, tokens: 100n, amount: toNano('2') });
            return refuses(s.env, worker.provider, s.reporter.address, ERR_NOT_PROXY, () =>
                s.reporter.send({ to: worker.provider.address, value: EVIDENCE_VALUE, body: evidenceBody(x, y) }),
            );
        });
    });
});

describe('findConflicts (wrappers/vouchers.ts)', () => {
    it('finds each conflicting pair among kept vouchers, per account and kind, and nothing else', () => {
        const key = teeKey('finder');
        const e1 = new Address(0, Buffer.alloc(32, 1));
        const e2 = new Address(0, Buffer.alloc(32, 2));
        const v1 = signCharge(key, e1, { seqno: 1n, tokens: 10n, amount: 100n });
        const v2 = signCharge(key, e1, { seqno: 2n, tokens: 20n, amount: 200n });
        const v3 = signCharge(key, e1, { seqno: 3n, tokens: 30n, amount: 150n }); // lower amount than v2
        const v4 = signCharge(key, e2, { seqno: 1n, tokens: 10n, amount: 100n }); // other account
        const v5 = signPayout(key, e1, { seqno: 1n, tokens: 5n, amount: 1n }); // other kind
        const found = findConflicts([v1, v2, v3, v4, v5, v1]);
        expect(found.map((c) => [c.a.voucher.seqno, c.b.voucher.seqno, c.shape, c.field])).toEqual([
            [2n, 3n, 'later seqno, lower cumulative value', 'amount'],
        ]);
        expect(findConflicts([v1, v2, v4, v5])).toEqual([]);
    });
});

// The generated wrapper's opcode, so a renumbering shows here.
it('SubmitEvidence keeps its opcode', () => {
    expect(Provider.opcodes.SubmitEvidence).toBe(0x52700001);
});
