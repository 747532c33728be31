/**
 * Governance slashes and release from jail (slashing issue, part 2; docs/contracts/slashing.md).
 * The Root proposes a slash of a Provider with an amount and a reason hash; the target's
 * withdrawals freeze at once; the slash executes only after the veto window, and governance or the
 * guardian may cancel it before (which unfreezes, unless another slash of the target is pending).
 * Execution takes up to the amount, from stake then unbonding stake, for the treasury, and jails
 * and delists. A jailed Provider is released by a proposal executed after the governance delay,
 * or exits and withdraws what remains after the unbonding delay.
 */
import '@ton/test-utils';
import { Address, beginCell, toNano } from '@ton/core';
import { KeyPair } from '@ton/crypto';
import { internal, SendMessageResult } from '@ton/sandbox';
import {
    ENFORCE_VALUE,
    ERR_INSUFFICIENT_VALUE,
    ERR_INVALID_SLASH,
    ERR_NOT_GOVERNANCE,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_PAUSED,
    ERR_PROPOSAL_EXPIRED,
    ERR_PROPOSAL_NOT_FOUND,
    ERR_PROPOSAL_TOO_EARLY,
    GOVERNANCE_VALUE,
    MIN_VALUE_ENFORCE,
    ProposalCancelled,
    ProposalExecuted,
    Root,
} from '../../wrappers/Root';
import {
    ERR_ALREADY_JAILED,
    ERR_EVIDENCE_SIGNATURE,
    ERR_KEY_CONVICTED,
    ERR_WITHDRAWALS_FROZEN,
    loadExcesses,
    Provider,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_JAILED,
    STATUS_REGISTERED,
    WITHDRAW_VALUE,
} from '../../wrappers/Provider';
import { DAY, deployEnvironment, Env } from '../fixtures/environment';
import { activeProxy, openEscrow, signCharge } from '../escrow/helpers';
import { evidenceBody, EVIDENCE_VALUE } from '../../wrappers/Provider';
import {
    activate,
    balanceChange,
    bind,
    captureProvider,
    createNode,
    eventsOf,
    expectAllSucceeded,
    expectProviderRefused,
    Node,
    providerEvents,
    publicKeyInt,
    sendBind,
    teeKey,
} from '../helpers/provider';
import {
    captureRoot,
    createdProposal,
    expectAccepted,
    expectUnchanged,
    messagesBetween,
    plain,
    refuses,
    rootEvents,
    setNow,
    sharedEnvironment,
    storageFees,
} from '../helpers/root';

const REASON = 0x5eedn;

function target(n: Node) {
    return { owner: n.owner.address, nodeIndex: n.nodeIndex };
}

// One deployment with an active, listed proxy (1,000 TON staked), restored before each test.
const ctx = sharedEnvironment({}, async (env) => ({ proxy: await activeProxy(env) }));

async function setup() {
    return { env: ctx.env, proxy: ctx.extra.proxy };
}

/** Governance proposes slashing `amount` of `n`; accepted, the freeze delivered. */
async function proposeSlash(env: Env, n: Node, amount: bigint, reasonHash = REASON) {
    const result = await env.root.sendProposeSlash(env.governance.getSender(), { ...target(n), amount, reasonHash });
    expectAccepted(result, env.governance.address, env.root.address);
    expectAllSucceeded(result);
    const created = createdProposal(result, env.root.address);
    return { result, id: created.proposalId, executeAfter: created.executeAfter, expiresAt: created.expiresAt };
}

function execute(env: Env, id: bigint, value = ENFORCE_VALUE, via = env.stranger) {
    return env.root.sendExecuteProposal(via.getSender(), id, 0n, value);
}

function cancel(env: Env, id: bigint, via = env.governance, value = ENFORCE_VALUE) {
    return env.root.sendCancelProposal(via.getSender(), id, 0n, value);
}

function rootEventOf<T extends { $$type: string }>(result: SendMessageResult, env: Env, kind: T['$$type']): T[] {
    return rootEvents(result, env.root.address).filter((e) => e.$$type === kind) as unknown as T[];
}

/** The usual conflicting pair of `key` for `account`: seqno 5 signed twice, for 1 and for 2 TON. */
function conflictingPair(key: KeyPair, account: Address) {
    const v = { seqno: 5n, tokens: 100n };
    return [signCharge(key, account, { ...v, amount: toNano('1') }), signCharge(key, account, { ...v, amount: toNano('2') })] as const;
}

/** The reporter submits `pair` as equivocation evidence against `proxy`. */
async function submitEvidence(env: Env, proxy: Node, pair: ReturnType<typeof conflictingPair>, queryId = 1n) {
    const reporter = await env.blockchain.treasury('reporter');
    return reporter.send({ to: proxy.provider.address, value: EVIDENCE_VALUE, body: evidenceBody(pair[0], pair[1], queryId) });
}

/** The Provider's transaction on the Root's ExecuteSlash in `result`, as a result of its own. */
function slashTransaction(result: SendMessageResult, address: Address): SendMessageResult {
    const txs = result.transactions.filter(
        (tx) =>
            tx.inMessage?.info.type === 'internal' &&
            tx.inMessage.info.dest.equals(address) &&
            tx.inMessage.body.beginParse().preloadUint(32) === Provider.opcodes.ExecuteSlash,
    );
    expect(txs).toHaveLength(1);
    return { transactions: txs, events: txs[0].events, externals: txs[0].externals };
}

describe('governance slash', () => {
    it('a proposal waits for the veto window and freezes the target at once', async () => {
        const { env, proxy } = await setup();
        const now = BigInt(env.blockchain.now!);
        const params = await env.root.getParams();
        const { result, executeAfter } = await proposeSlash(env, proxy, toNano('300'));
        expect(executeAfter).toBe(now + params.vetoWindow);
        expect(result.transactions).toHaveTransaction({ from: env.root.address, to: proxy.provider.address, success: true });
        const state = await proxy.provider.getState();
        expect([state.withdrawalsFrozen, state.stake, state.status]).toEqual([true, toNano('1000'), STATUS_ACTIVE]);
        const changed = eventsOf(result, proxy.provider.address, 'StakeChanged');
        expect(changed.map((e) => e.frozen)).toEqual([true]);
        // Governance gets its excess back; the Root keeps none of it.
        expect(messagesBetween(result, env.root.address, env.governance.address)).toHaveLength(1);
    });

    it('execution before the veto window is refused with ERR_PROPOSAL_TOO_EARLY and changes nothing', async () => {
        const { env, proxy } = await setup();
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('300'));
        setNow(env, executeAfter - 1n);
        const before = await captureProvider(env, proxy.provider);
        const r = await refuses(env, env.stranger.address, ERR_PROPOSAL_TOO_EARLY, () => execute(env, id));
        expect(r.transactions).not.toHaveTransaction({ to: proxy.provider.address });
        await expectProviderUnchangedAfter(env, proxy, before);
    });

    it('after the veto window anyone executes it: exact slash to the treasury, jailed, delisted, unfrozen', async () => {
        const { env, proxy } = await setup();
        expect(await env.root.getProxy(proxy.provider.address)).not.toBeNull();
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('300'));
        setNow(env, executeAfter);
        const before = await proxy.provider.getState();
        const r = await execute(env, id);
        expectAllSucceeded(r);
        // The Provider gave up exactly the slash (it keeps nothing of the executor's value).
        const own = slashTransaction(r, proxy.provider.address);
        expect(balanceChange(own, proxy.provider.address)).toBe(-toNano('300') - storageFees(own, proxy.provider.address));
        expect(messagesBetween(r, proxy.provider.address, env.treasury.address).map((m) => m.value)).toEqual([toNano('300')]);
        const back = messagesBetween(r, proxy.provider.address, env.stranger.address);
        expect(back).toHaveLength(1);
        expect(loadExcesses(back[0].body.beginParse()).queryId).toBe(id);
        expect(back[0].value).toBeGreaterThan(0n);
        const after = await proxy.provider.getState();
        expect([after.stake, after.unbonding, after.status, after.listed, after.withdrawalsFrozen, after.slashes]).toEqual([
            toNano('700'),
            0n,
            STATUS_JAILED,
            false,
            false,
            before.slashes + 1n,
        ]);
        expect(await env.root.getProxy(proxy.provider.address)).toBeNull();
        expect(eventsOf(r, proxy.provider.address, 'Slashed')).toEqual([
            expect.objectContaining({ kind: 2n, evidence: REASON, amount: toNano('300'), reporterReward: 0n, toTreasury: toNano('300') }),
        ]);
        expect(eventsOf(r, proxy.provider.address, 'ProviderStatusChanged').map((e) => [e.previous, e.status])).toEqual([
            [STATUS_ACTIVE, STATUS_JAILED],
        ]);
        const executed = rootEventOf<ProposalExecuted>(r, env, 'ProposalExecuted');
        expect(executed.map((e) => e.proposalId)).toEqual([id]);
        expect(await env.root.getProposal(id)).toBeNull();
    });

    it('a slash larger than stake and unbonding stake is capped: stake first, then unbonding', async () => {
        const { env, proxy } = await setup();
        await proxy.provider.sendRequestUnstake(proxy.owner.getSender(), toNano('400'));
        const partial = await proposeSlash(env, proxy, toNano('800'));
        setNow(env, partial.executeAfter);
        expectAllSucceeded(await execute(env, partial.id));
        let s = await proxy.provider.getState();
        expect([s.stake, s.unbonding]).toEqual([0n, toNano('200')]);

        const whole = await proposeSlash(env, proxy, toNano('5000'));
        setNow(env, whole.executeAfter);
        const r = await execute(env, whole.id);
        expectAllSucceeded(r);
        s = await proxy.provider.getState();
        expect([s.stake, s.unbonding, s.status, s.slashes]).toEqual([0n, 0n, STATUS_JAILED, 2n]);
        expect(messagesBetween(r, proxy.provider.address, env.treasury.address).map((m) => m.value)).toEqual([toNano('200')]);
        expect(eventsOf(r, proxy.provider.address, 'Slashed')[0]).toMatchObject({ amount: toNano('200'), toTreasury: toNano('200') });
    });

    it('a withdrawal during a pending slash is refused with ERR_WITHDRAWALS_FROZEN; after a cancel it goes through', async () => {
        const { env, proxy } = await setup();
        await proxy.provider.sendRequestUnstake(proxy.owner.getSender(), toNano('400'));
        const { id } = await proposeSlash(env, proxy, toNano('100'));
        env.advance(8 * DAY); // past the unbonding delay (7 days); the slash is due but not executed
        const statusBefore = (await proxy.provider.getState()).status;
        const before = await captureProvider(env, proxy.provider);
        const r = await proxy.provider.sendWithdrawStake(proxy.owner.getSender());
        await expectProviderRefused(env, proxy.provider, before, r, proxy.owner.address, ERR_WITHDRAWALS_FROZEN);

        const cancelled = await cancel(env, id, env.guardian); // the guardian's veto
        expectAllSucceeded(cancelled);
        expect(rootEventOf<ProposalCancelled>(cancelled, env, 'ProposalCancelled').map((e) => e.proposalId)).toEqual([id]);
        expect(eventsOf(cancelled, proxy.provider.address, 'StakeChanged').map((e) => e.frozen)).toEqual([false]);
        const s = await proxy.provider.getState();
        expect([s.withdrawalsFrozen, s.stake, s.unbonding, s.status, s.slashes]).toEqual([
            false,
            toNano('600'),
            toNano('400'),
            statusBefore,
            0n,
        ]);
        const w = await proxy.provider.sendWithdrawStake(proxy.owner.getSender());
        expectAllSucceeded(w);
        expect((await proxy.provider.getState()).unbonding).toBe(0n);
    });

    it('a cancelled slash cannot be executed (ERR_PROPOSAL_NOT_FOUND), and slashes nothing', async () => {
        const { env, proxy } = await setup();
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('100'));
        expectAllSucceeded(await cancel(env, id));
        setNow(env, executeAfter);
        await refuses(env, env.stranger.address, ERR_PROPOSAL_NOT_FOUND, () => execute(env, id));
        expect((await proxy.provider.getState()).stake).toBe(toNano('1000'));
    });

    it('only governance or the guardian may cancel before expiry; after it anyone clears it, which unfreezes', async () => {
        const { env, proxy } = await setup();
        const { id, expiresAt } = await proposeSlash(env, proxy, toNano('100'));
        await refuses(env, env.stranger.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => cancel(env, id, env.stranger));
        setNow(env, expiresAt + 1n);
        await refuses(env, env.stranger.address, ERR_PROPOSAL_EXPIRED, () => execute(env, id));
        const r = await cancel(env, id, env.stranger);
        expectAllSucceeded(r);
        expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(false);
    });

    it('two pending slashes of one Provider: the freeze stays until neither is pending', async () => {
        const { env, proxy } = await setup();
        const first = await proposeSlash(env, proxy, toNano('100'), 1n);
        const second = await proposeSlash(env, proxy, toNano('50'), 2n);
        // Cancelling one leaves the other pending: no unfreeze is sent.
        const c = await cancel(env, first.id);
        expectAllSucceeded(c);
        expect(c.transactions).not.toHaveTransaction({ from: env.root.address, to: proxy.provider.address });
        expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(true);
        // A third, then the second executed while the third is pending: still frozen.
        const third = await proposeSlash(env, proxy, toNano('10'), 3n);
        setNow(env, second.executeAfter);
        expectAllSucceeded(await execute(env, second.id));
        let s = await proxy.provider.getState();
        expect([s.stake, s.withdrawalsFrozen]).toEqual([toNano('950'), true]);
        // The last one executed: unfrozen.
        setNow(env, third.executeAfter);
        expectAllSucceeded(await execute(env, third.id));
        s = await proxy.provider.getState();
        expect([s.stake, s.withdrawalsFrozen, s.slashes]).toEqual([toNano('940'), false, 2n]);
    });

    it('a slash of another Provider does not keep this one frozen', async () => {
        const { env, proxy } = await setup();
        const other = await activeProxy(env, 'other-proxy');
        const mine = await proposeSlash(env, proxy, toNano('100'));
        await proposeSlash(env, other, toNano('100'));
        expectAllSucceeded(await cancel(env, mine.id));
        expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(false);
        expect((await other.provider.getState()).withdrawalsFrozen).toBe(true);
    });

    it('an exiting Provider is slashed from its unbonding stake and stays exiting; a worker is jailed without delisting', async () => {
        const { env, proxy } = await setup();
        await proxy.provider.sendRequestExit(proxy.owner.getSender());
        const worker = await createNode(env, 'worker');
        await activate(env, worker);
        const a = await proposeSlash(env, proxy, toNano('250'));
        const b = await proposeSlash(env, worker, toNano('30'));
        setNow(env, b.executeAfter);
        expectAllSucceeded(await execute(env, a.id));
        const rw = await execute(env, b.id);
        expectAllSucceeded(rw);
        const p = await proxy.provider.getState();
        expect([p.status, p.stake, p.unbonding]).toEqual([STATUS_EXITING, 0n, toNano('750')]);
        const w = await worker.provider.getState();
        expect([w.status, w.stake]).toEqual([STATUS_JAILED, worker.minStake - toNano('30')]);
        expect(rw.transactions).not.toHaveTransaction({ from: worker.provider.address, to: env.root.address });
    });

    it('an exiting Provider slashed of everything it holds is exited: nothing is left to withdraw', async () => {
        const { env, proxy } = await setup();
        expectAllSucceeded(await proxy.provider.sendRequestExit(proxy.owner.getSender()));
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('5000'));
        setNow(env, executeAfter);
        const r = await execute(env, id);
        expectAllSucceeded(r);
        const s = await proxy.provider.getState();
        expect([s.status, s.stake, s.unbonding, s.withdrawalsFrozen]).toEqual([STATUS_EXITED, 0n, 0n, false]);
        expect(eventsOf(r, proxy.provider.address, 'ProviderStatusChanged').map((e) => [e.previous, e.status])).toEqual([
            [STATUS_EXITING, STATUS_EXITED],
        ]);
    });

    it('when storage fees have eaten into the stake, the slash pays what there is rather than failing (and unfreezes)', async () => {
        const { env, proxy } = await setup();
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('1000'));
        setNow(env, executeAfter);
        // The Provider's balance just below its stake: its storage buffer is gone, and some stake.
        const account = await env.blockchain.getContract(proxy.provider.address);
        account.balance = toNano('999.5');
        const r = await execute(env, id);
        expectAllSucceeded(r);
        const paid = messagesBetween(r, proxy.provider.address, env.treasury.address).map((m) => m.value);
        expect(paid).toHaveLength(1);
        expect(paid[0]).toBeLessThan(toNano('999.5'));
        expect(paid[0]).toBeGreaterThan(toNano('999.4'));
        expect(eventsOf(r, proxy.provider.address, 'Slashed')[0]).toMatchObject({ amount: toNano('1000'), toTreasury: paid[0] });
        const s = await proxy.provider.getState();
        expect([s.stake, s.status, s.withdrawalsFrozen]).toEqual([0n, STATUS_JAILED, false]);
        expect(await env.root.getSlashesPending(proxy.provider.address)).toBe(0n);
    });

    it('a proxy jailed by governance keeps its key: it may rotate it, and equivocation evidence still convicts it', async () => {
        const { env, proxy } = await setup();
        const alice = await env.blockchain.treasury('alice');
        const { escrow } = await openEscrow(env, proxy, alice);
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('100'));
        setNow(env, executeAfter);
        expectAllSucceeded(await execute(env, id));
        // Rotation while jailed by governance (a leaked key, say): accepted, still jailed.
        const fresh = teeKey('rotated');
        await bind(env, proxy, { key: fresh });
        expect((await proxy.provider.getState()).status).toBe(STATUS_JAILED);
        // The old key, now the replaced one, equivocated: convicted, slashed, reporter paid.
        const r = await submitEvidence(env, proxy, conflictingPair(proxy.key, escrow.address));
        expectAllSucceeded(r);
        expect(eventsOf(r, proxy.provider.address, 'Slashed')).toEqual([expect.objectContaining({ kind: 1n })]);
        const pool = await proxy.provider.getPoolState();
        expect([pool.teeKey, pool.prevTeeKey]).toEqual([publicKeyInt(fresh), 0n]);
        // Jailed for equivocation now: no more keys until released.
        const again = await sendBind(env, proxy, { key: teeKey('third') });
        expect(again.result.transactions).toHaveTransaction({ to: proxy.provider.address, exitCode: Number(ERR_ALREADY_JAILED) });
    });

    it('every key convicted here stays convicted across releases: the same evidence cannot pay twice', async () => {
        const env = await deployEnvironment({ params: { equivocationSlashBps: 1000n } });
        const proxy = await activeProxy(env);
        const alice = await env.blockchain.treasury('alice');
        const reporter = await env.blockchain.treasury('reporter');
        const convict = async (key: KeyPair) => {
            const { escrow } = await openEscrow(env, proxy, alice, { key });
            const pair = conflictingPair(key, escrow.address);
            expectAllSucceeded(await submitEvidence(env, proxy, pair));
            return pair;
        };
        const release = async () => {
            const created = createdProposal(await env.root.sendProposeRelease(env.governance.getSender(), target(proxy)), env.root.address);
            setNow(env, created.executeAfter);
            expectAllSucceeded(await execute(env, created.proposalId));
        };
        const first = await convict(proxy.key); // key A
        await release();
        const keyB = teeKey('second');
        await proxy.provider.sendStake(proxy.owner.getSender(), toNano('200'));
        await bind(env, proxy, { key: keyB });
        await convict(keyB);
        await release();
        // A again: refused, and A's old evidence is no longer one of this Provider's keys.
        const rebind = await sendBind(env, proxy, { key: proxy.key });
        expect(rebind.result.transactions).toHaveTransaction({ to: proxy.provider.address, exitCode: Number(ERR_KEY_CONVICTED) });
        const before = await captureProvider(env, proxy.provider);
        const r = await submitEvidence(env, proxy, first, 2n);
        await expectProviderRefused(env, proxy.provider, before, r, reporter.address, ERR_EVIDENCE_SIGNATURE);
        const payees = (await proxy.provider.getPayees())!;
        expect(payees.convicted.keys().sort()).toEqual([publicKeyInt(proxy.key), publicKeyInt(keyB)].sort());
    });

    it('a slash of a Provider that does not exist drops the proposal when the freeze bounces', async () => {
        const { env } = await setup();
        const ghost = await createNode(env, 'proxy', { seed: 'ghost' });
        const r = await env.root.sendProposeSlash(env.governance.getSender(), {
            ...target(ghost),
            amount: toNano('1'),
            reasonHash: REASON,
        });
        expectAccepted(r, env.governance.address, env.root.address);
        const { proposalId } = createdProposal(r, env.root.address);
        const dropped = rootEventOf<ProposalCancelled>(r, env, 'ProposalCancelled');
        expect(dropped.map((e) => [e.proposalId, e.by.toString()])).toEqual([[proposalId, ghost.provider.address.toString()]]);
        expect(await env.root.getProposal(proposalId)).toBeNull();
        expect((await env.root.getState()).proposalCount).toBe(0n);
    });

    it('a forged bounce of the freeze does not drop a slash: only the target itself could bounce it', async () => {
        const { env, proxy } = await setup();
        const { id } = await proposeSlash(env, proxy, toNano('100'));
        const body = beginCell().storeUint(0xffffffff, 32).storeUint(Root.opcodes.FreezeWithdrawals, 32).storeUint(id, 64).endCell();
        const before = await captureRoot(env);
        const r = await env.blockchain.sendMessage(
            internal({ from: env.stranger.address, to: env.root.address, value: toNano('0.1'), body, bounced: true }),
        );
        expectAccepted(r, env.stranger.address, env.root.address);
        await expectUnchanged(env, before, r);
        expect(await env.root.getProposal(id)).not.toBeNull();
    });

    it('while the Root is paused only governance executes a slash', async () => {
        const { env, proxy } = await setup();
        const { id, executeAfter } = await proposeSlash(env, proxy, toNano('100'));
        await env.root.sendPause(env.guardian.getSender());
        setNow(env, executeAfter);
        await refuses(env, env.stranger.address, ERR_PAUSED, () => execute(env, id));
        expectAllSucceeded(await execute(env, id, ENFORCE_VALUE, env.governance));
        expect((await proxy.provider.getState()).stake).toBe(toNano('900'));
    });

    describe('refusals change nothing', () => {
        it('ProposeSlash from anyone but governance: ERR_NOT_GOVERNANCE', async () => {
            const { env, proxy } = await setup();
            for (const who of [env.stranger, env.guardian, proxy.owner]) {
                const r = await refuses(env, who.address, ERR_NOT_GOVERNANCE, () =>
                    env.root.send(
                        who.getSender(),
                        { value: ENFORCE_VALUE },
                        { $$type: 'ProposeSlash', queryId: 0n, ...target(proxy), amount: toNano('1'), reasonHash: REASON },
                    ),
                );
                expect(r.transactions).not.toHaveTransaction({ to: proxy.provider.address });
            }
            expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(false);
        });

        it('ProposeSlash of 0: ERR_INVALID_SLASH; with too little value: ERR_INSUFFICIENT_VALUE', async () => {
            const { env, proxy } = await setup();
            await refuses(env, env.governance.address, ERR_INVALID_SLASH, () =>
                env.root.sendProposeSlash(env.governance.getSender(), { ...target(proxy), amount: 0n, reasonHash: REASON }),
            );
            await refuses(env, env.governance.address, ERR_INSUFFICIENT_VALUE, () =>
                env.root.sendProposeSlash(
                    env.governance.getSender(),
                    { ...target(proxy), amount: 1n, reasonHash: REASON },
                    0n,
                    toNano('0.14'),
                ),
            );
            expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(false);
        });

        it('proposing or cancelling a slash with less than MIN_VALUE_ENFORCE: ERR_INSUFFICIENT_VALUE', async () => {
            const { env, proxy } = await setup();
            await refuses(env, env.governance.address, ERR_INSUFFICIENT_VALUE, () =>
                env.root.sendProposeSlash(
                    env.governance.getSender(),
                    { ...target(proxy), amount: 1n, reasonHash: REASON },
                    0n,
                    MIN_VALUE_ENFORCE - 1n,
                ),
            );
            const { id } = await proposeSlash(env, proxy, toNano('100'));
            // Enough for any other proposal's cancellation, not for a slash's (it sends the unfreeze).
            await refuses(env, env.guardian.address, ERR_INSUFFICIENT_VALUE, () => cancel(env, id, env.guardian, MIN_VALUE_ENFORCE - 1n));
            expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(true);
            expectAllSucceeded(await cancel(env, id, env.guardian, MIN_VALUE_ENFORCE));
            expect((await proxy.provider.getState()).withdrawalsFrozen).toBe(false);
        });

        it('executing a slash with less than MIN_VALUE_ENFORCE: ERR_INSUFFICIENT_VALUE', async () => {
            const { env, proxy } = await setup();
            const { id, executeAfter } = await proposeSlash(env, proxy, toNano('100'));
            setNow(env, executeAfter);
            await refuses(env, env.stranger.address, ERR_INSUFFICIENT_VALUE, () => execute(env, id, MIN_VALUE_ENFORCE - 1n));
            expect((await proxy.provider.getState()).stake).toBe(toNano('1000'));
        });
    });
});

describe('release from jail', () => {
    /** A proxy with 1,200 TON staked (the minimum is 1,000), slashed `amount` and jailed. */
    async function jailed(amount = toNano('100')) {
        const { env, proxy } = await setup();
        expectAllSucceeded(await proxy.provider.sendStake(proxy.owner.getSender(), toNano('200')));
        const { id, executeAfter } = await proposeSlash(env, proxy, amount);
        setNow(env, executeAfter);
        expectAllSucceeded(await execute(env, id));
        expect((await proxy.provider.getState()).status).toBe(STATUS_JAILED);
        return { env, proxy };
    }

    async function proposeRelease(env: Env, n: Node) {
        const result = await env.root.sendProposeRelease(env.governance.getSender(), target(n));
        expectAccepted(result, env.governance.address, env.root.address);
        return createdProposal(result, env.root.address);
    }

    it('waits for the governance delay, then restores the status binding and stake give, and lists the proxy again', async () => {
        const { env, proxy } = await jailed();
        const params = await env.root.getParams();
        const now = BigInt(env.blockchain.now!);
        const { proposalId, executeAfter } = await proposeRelease(env, proxy);
        expect(executeAfter).toBe(now + params.governanceDelay);
        setNow(env, executeAfter - 1n);
        await refuses(env, env.stranger.address, ERR_PROPOSAL_TOO_EARLY, () => execute(env, proposalId));
        setNow(env, executeAfter);
        const r = await execute(env, proposalId);
        expectAllSucceeded(r);
        const s = await proxy.provider.getState();
        expect([s.status, s.listed, s.stake, s.slashes]).toEqual([STATUS_ACTIVE, true, toNano('1100'), 1n]);
        expect(await env.root.getProxy(proxy.provider.address)).not.toBeNull();
        expect(eventsOf(r, proxy.provider.address, 'Released')).toEqual([expect.objectContaining({ proposalId, status: STATUS_ACTIVE })]);
        expect(eventsOf(r, proxy.provider.address, 'ProviderStatusChanged').map((e) => [e.previous, e.status])).toEqual([
            [STATUS_JAILED, STATUS_ACTIVE],
        ]);
        const back = messagesBetween(r, proxy.provider.address, env.stranger.address);
        expect(back).toHaveLength(1);
        expect(loadExcesses(back[0].body.beginParse()).queryId).toBe(proposalId);
    });

    it('a released Provider below the minimum stake is registered, and active again once it stakes', async () => {
        const { env, proxy } = await jailed(toNano('300'));
        const { proposalId, executeAfter } = await proposeRelease(env, proxy);
        setNow(env, executeAfter);
        expectAllSucceeded(await execute(env, proposalId));
        expect((await proxy.provider.getState()).status).toBe(STATUS_REGISTERED);
        expectAllSucceeded(await proxy.provider.sendStake(proxy.owner.getSender(), toNano('100')));
        const s = await proxy.provider.getState();
        expect([s.status, s.listed]).toEqual([STATUS_ACTIVE, true]);
    });

    it('a proxy convicted of equivocation is released without a key: registered until it binds a new one', async () => {
        const env = await deployEnvironment({ params: { equivocationSlashBps: 1000n } });
        const proxy = await activeProxy(env);
        const alice = await env.blockchain.treasury('alice');
        const { escrow } = await openEscrow(env, proxy, alice);
        const convicted = await submitEvidence(env, proxy, conflictingPair(proxy.key, escrow.address));
        expectAllSucceeded(convicted);
        expect(await proxy.provider.getBinding()).toBeNull();
        expect(eventsOf(convicted, proxy.provider.address, 'BindingChanged')).toEqual([expect.objectContaining({ revoked: true })]);
        // A jailed proxy binds no key.
        const rebind = await proxy.provider.sendBind(proxy.owner.getSender(), {
            teeKey: teeKey('fresh'),
            imageHash: proxy.image,
            attestationRoot: 0xaaaan,
            expiresAt: BigInt(env.blockchain.now!) + BigInt(DAY),
        });
        expect(rebind.transactions).toHaveTransaction({ to: proxy.provider.address, exitCode: Number(ERR_ALREADY_JAILED) });

        const { proposalId, executeAfter } = await proposeRelease(env, proxy);
        setNow(env, executeAfter);
        const r = await execute(env, proposalId);
        expectAllSucceeded(r);
        let s = await proxy.provider.getState();
        expect([s.status, s.listed, s.stake]).toEqual([STATUS_REGISTERED, false, toNano('900')]);
        // Still short of the 1,000 TON minimum after the 10% slash: stake and bind a new key.
        await proxy.provider.sendStake(proxy.owner.getSender(), toNano('100'));
        await bind(env, proxy, { key: teeKey('fresh') });
        s = await proxy.provider.getState();
        expect([s.status, s.listed]).toEqual([STATUS_ACTIVE, true]);
    });

    it('releasing a Provider that is not jailed changes nothing but returns the value', async () => {
        const { env, proxy } = await setup();
        const { proposalId, executeAfter } = await proposeRelease(env, proxy);
        setNow(env, executeAfter);
        const before = await proxy.provider.getState();
        const r = await execute(env, proposalId);
        expectAllSucceeded(r);
        expect(plain(await proxy.provider.getState())).toEqual(plain(before));
        expect(providerEvents(r, proxy.provider.address)).toEqual([]);
        expect(messagesBetween(r, proxy.provider.address, env.stranger.address)).toHaveLength(1);
    });

    it('ProposeRelease from anyone but governance is refused with ERR_NOT_GOVERNANCE', async () => {
        const { env, proxy } = await jailed();
        await refuses(env, env.guardian.address, ERR_NOT_GOVERNANCE, () =>
            env.root.send(
                env.guardian.getSender(),
                { value: GOVERNANCE_VALUE },
                { $$type: 'ProposeRelease', queryId: 0n, ...target(proxy) },
            ),
        );
    });

    it('a jailed Provider may instead exit and withdraw what remains after the unbonding delay', async () => {
        const { env, proxy } = await jailed();
        expectAllSucceeded(await proxy.provider.sendRequestExit(proxy.owner.getSender()));
        expect((await proxy.provider.getState()).status).toBe(STATUS_EXITING);
        env.advance(7 * DAY);
        const w = await proxy.provider.sendWithdrawStake(proxy.owner.getSender());
        expectAllSucceeded(w);
        const paid = messagesBetween(w, proxy.provider.address, proxy.owner.address);
        expect(paid).toHaveLength(1);
        expect(paid[0].value).toBeGreaterThan(toNano('1100'));
        expect(paid[0].value).toBeLessThan(toNano('1100') + WITHDRAW_VALUE);
        const s = await proxy.provider.getState();
        expect([s.status, s.stake, s.unbonding]).toEqual([STATUS_EXITED, 0n, 0n]);
    });
});

async function expectProviderUnchangedAfter(env: Env, n: Node, before: Awaited<ReturnType<typeof captureProvider>>) {
    const after = await captureProvider(env, n.provider);
    expect(after.data.hash().toString('hex')).toBe(before.data.hash().toString('hex'));
}
