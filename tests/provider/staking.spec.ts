/**
 * Stake: top up, request an unstake (it unlocks after the Root's unbonding delay, one batch whose
 * delay restarts with every request), withdraw once unlocked, and the Root's freeze of
 * withdrawals. Unbonding stake stays in the contract's balance until withdrawn.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ACTION_VALUE,
    ERR_INSUFFICIENT_STAKE,
    ERR_INVALID_AMOUNT,
    ERR_NOT_ROOT,
    ERR_NOTHING_TO_WITHDRAW,
    ERR_UNBONDING_NOT_FINISHED,
    ERR_WITHDRAWALS_FROZEN,
    Provider,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_REGISTERED,
    WITHDRAW_VALUE,
} from '../../wrappers/Provider';
import { DAY, defaultParams, Env } from '../fixtures/environment';
import {
    activate,
    balanceOf,
    bind,
    conserving,
    createNode,
    eventsOf,
    excessesFrom,
    expectAllSucceeded,
    feesPaid,
    freeze,
    Node,
    opsBetween,
    ProviderContract,
    refuses,
    register,
    rootMessageBodies,
    sendAs,
    stake,
    statusChanges,
    unfreeze,
    valueFlow,
    withdrawalTo,
} from '../helpers/provider';
import { plain, proposeAndExecute, setNow, sharedEnvironment, storageFees } from '../helpers/root';

interface Setup {
    worker: Node; // active, staked exactly the minimum
    bound: Node; // registered and bound, nothing staked
    proxy: Node; // active and listed
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        worker: await createNode(env, 'worker'),
        bound: await createNode(env, 'worker', { nodeIndex: 1n }),
        proxy: await createNode(env, 'proxy'),
    };
    await activate(env, s.worker);
    await register(s.bound);
    await bind(env, s.bound);
    await activate(env, s.proxy);
    return s;
});

const now = (env: Env) => BigInt(env.blockchain.now!);

function stakeChanged(stake: bigint, unbonding: bigint, unlockAt: bigint, frozen = false) {
    return plain([{ $$type: 'StakeChanged', stake, unbonding, unlockAt, frozen }]);
}

async function unstake(n: Node, amount: bigint, queryId = 0n) {
    const r = await n.provider.sendRequestUnstake(n.owner.getSender(), amount, queryId);
    expect(r.transactions).toHaveTransaction({ from: n.owner.address, to: n.provider.address, success: true });
    return r;
}

async function stateOf(p: ProviderContract) {
    const s = await p.getState();
    return { stake: s.stake, unbonding: s.unbonding, unlockAt: s.unlockAt, frozen: s.withdrawalsFrozen, status: s.status };
}

describe('Staking', () => {
    it('a top-up: StakeChanged, stake and balance up by exactly the amount, the rest of the value back', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const amount = toNano('5');
        const balance = await balanceOf(env, p.address);
        const { result, delta } = await conserving(env, [n.owner.address, p.address], () => p.sendStake(n.owner.getSender(), amount, 21n));
        expect(plain(eventsOf(result, p.address, 'StakeChanged'))).toEqual(stakeChanged(n.minStake + amount, 0n, 0n));
        expect((await p.getState()).stake).toBe(n.minStake + amount);
        expect(await balanceOf(env, p.address)).toBe(balance + amount - storageFees(result, p.address));
        const back = excessesFrom(result, p.address, n.owner.address);
        expect(back.queryId).toBe(21n);
        expect(back.value).toBeLessThan(ACTION_VALUE);
        expect(back.value).toBeGreaterThan(0n);
        // the owner paid the amount, the message fees and the Provider's gas; nothing else
        expect(delta(n.owner.address)).toBe(-(amount + ACTION_VALUE) + back.value - feesPaid(result, n.owner.address));
        // an active worker stays active and nothing goes to the Root
        expect(statusChanges(result, p.address)).toEqual([]);
        expect(opsBetween(result, p.address, env.root.address)).toEqual([]);
    });

    it('top-ups accumulate: below the minimum a bound worker stays registered, reaching it activates', async () => {
        const { extra } = ctx;
        const n = extra.bound;
        const r1 = await stake(n, n.minStake - 1n);
        expect(statusChanges(r1, n.provider.address)).toEqual([]);
        expect((await n.provider.getState()).status).toBe(STATUS_REGISTERED);
        const r2 = await stake(n, 1n);
        expect(statusChanges(r2, n.provider.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect(plain(eventsOf(r2, n.provider.address, 'StakeChanged'))).toEqual(stakeChanged(n.minStake, 0n, 0n));
    });

    it('a listed proxy topping up sends nothing to the Root', async () => {
        const { env, extra } = ctx;
        const r = await stake(extra.proxy, toNano('1'));
        expect(opsBetween(r, extra.proxy.provider.address, env.root.address)).toEqual([]);
        expect((await extra.proxy.provider.getState()).listed).toBe(true);
    });

    it('staking or unstaking zero is refused with ERR_INVALID_AMOUNT', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        await refuses(env, n.provider, n.owner.address, ERR_INVALID_AMOUNT, () => n.provider.sendStake(n.owner.getSender(), 0n));
        await refuses(env, n.provider, n.owner.address, ERR_INVALID_AMOUNT, () => n.provider.sendRequestUnstake(n.owner.getSender(), 0n));
    });

    it('unstaking more than the stake is refused with ERR_INSUFFICIENT_STAKE; all of it is allowed', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        await refuses(env, n.provider, n.owner.address, ERR_INSUFFICIENT_STAKE, () =>
            n.provider.sendRequestUnstake(n.owner.getSender(), n.minStake + 1n),
        );
        await unstake(n, n.minStake);
        expect(await stateOf(n.provider)).toMatchObject({ stake: 0n, unbonding: n.minStake });
        // with the stake unbonding there is nothing left to unstake
        await refuses(env, n.provider, n.owner.address, ERR_INSUFFICIENT_STAKE, () =>
            n.provider.sendRequestUnstake(n.owner.getSender(), 1n),
        );
    });

    it('an unstake moves stake to unbonding until now + the unbonding delay; the TON stays in the contract', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const amount = toNano('30');
        const balance = await balanceOf(env, p.address);
        const r = await unstake(n, amount, 22n);
        const delay = (await env.root.getParams()).unbondingDelay;
        expect((await p.getRootView()).unbondingDelay).toBe(delay);
        expect(plain(eventsOf(r, p.address, 'StakeChanged'))).toEqual(stakeChanged(n.minStake - amount, amount, now(env) + delay));
        expect(await stateOf(p)).toMatchObject({ stake: n.minStake - amount, unbonding: amount, unlockAt: now(env) + delay });
        expect(excessesFrom(r, p.address, n.owner.address).queryId).toBe(22n);
        expect(await balanceOf(env, p.address)).toBe(balance - storageFees(r, p.address));
        expect(await balanceOf(env, p.address)).toBeGreaterThan(n.minStake);
        // no StakeWithdrawal left the contract
        expect(valueFlow(r, p.address).sent).toBeLessThan(ACTION_VALUE);
    });

    it('a withdrawal one second early fails with ERR_UNBONDING_NOT_FINISHED; at unlockAt it pays the owner exactly the unbonding amount', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const amount = toNano('40');
        await unstake(n, amount);
        const { unlockAt } = await stateOf(p);
        setNow(env, unlockAt - 1n);
        await refuses(env, p, n.owner.address, ERR_UNBONDING_NOT_FINISHED, () => p.sendWithdrawStake(n.owner.getSender()));
        setNow(env, unlockAt);
        const before = await balanceOf(env, p.address);
        const { result, delta } = await conserving(env, [n.owner.address, p.address], () => p.sendWithdrawStake(n.owner.getSender(), 23n));
        const paid = withdrawalTo(result, p.address, n.owner.address);
        expect([paid.queryId, paid.amount]).toEqual([23n, amount]);
        // the message carries the amount plus what is left of the attached value
        expect(paid.value).toBeGreaterThanOrEqual(amount);
        expect(paid.value).toBeLessThan(amount + WITHDRAW_VALUE);
        // the Provider's balance drops by exactly the amount (and its storage fee); its gas came out of the attached value
        expect(await balanceOf(env, p.address)).toBe(before - amount - storageFees(result, p.address));
        // the owner's balance: amount + returned excess - what it attached - its fees
        const excess = paid.value - amount;
        expect(delta(n.owner.address)).toBe(amount + excess - WITHDRAW_VALUE - feesPaid(result, n.owner.address));
        expect(plain(eventsOf(result, p.address, 'StakeChanged'))).toEqual(stakeChanged(n.minStake - amount, 0n, unlockAt));
        expect(await stateOf(p)).toMatchObject({ stake: n.minStake - amount, unbonding: 0n });
        // nothing more to withdraw
        await refuses(env, p, n.owner.address, ERR_NOTHING_TO_WITHDRAW, () => p.sendWithdrawStake(n.owner.getSender()));
    });

    it('a withdrawal with nothing unbonding is refused with ERR_NOTHING_TO_WITHDRAW', async () => {
        const { env, extra } = ctx;
        for (const n of [extra.worker, extra.bound]) {
            await refuses(env, n.provider, n.owner.address, ERR_NOTHING_TO_WITHDRAW, () =>
                n.provider.sendWithdrawStake(n.owner.getSender()),
            );
        }
    });

    it('a second unstake request restarts the delay for everything unbonding', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const delay = (await p.getRootView()).unbondingDelay;
        await unstake(n, toNano('10'));
        const first = (await stateOf(p)).unlockAt;
        env.blockchain.now! += 3 * DAY;
        await unstake(n, toNano('15'));
        const second = (await stateOf(p)).unlockAt;
        expect(second).toBe(now(env) + delay);
        expect(second).toBeGreaterThan(first);
        setNow(env, first);
        await refuses(env, p, n.owner.address, ERR_UNBONDING_NOT_FINISHED, () => p.sendWithdrawStake(n.owner.getSender()));
        setNow(env, second - 1n);
        await refuses(env, p, n.owner.address, ERR_UNBONDING_NOT_FINISHED, () => p.sendWithdrawStake(n.owner.getSender()));
        setNow(env, second);
        const r = await p.sendWithdrawStake(n.owner.getSender());
        expect(withdrawalTo(r, p.address, n.owner.address).amount).toBe(toNano('25'));
    });

    it("the Root's FreezeWithdrawals stops withdrawal with ERR_WITHDRAWALS_FROZEN until UnfreezeWithdrawals", async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        await unstake(n, toNano('20'));
        const { unlockAt } = await stateOf(p);
        const f = await freeze(env, p);
        expect(f.transactions).toHaveTransaction({ from: env.root.address, to: p.address, success: true });
        expect(plain(eventsOf(f, p.address, 'StakeChanged'))).toEqual(
            stakeChanged(n.minStake - toNano('20'), toNano('20'), unlockAt, true),
        );
        expect((await stateOf(p)).frozen).toBe(true);
        setNow(env, unlockAt + 30n * BigInt(DAY));
        await refuses(env, p, n.owner.address, ERR_WITHDRAWALS_FROZEN, () => p.sendWithdrawStake(n.owner.getSender()));
        // staking and requesting unstakes go on while frozen (the unbonding stays slashable)
        await stake(n, toNano('1'));
        await unstake(n, toNano('1'));
        const restarted = (await stateOf(p)).unlockAt;
        const u = await unfreeze(env, p);
        expect(u.transactions).toHaveTransaction({ from: env.root.address, to: p.address, success: true });
        expect(eventsOf(u, p.address, 'StakeChanged').map((e) => e.frozen)).toEqual([false]);
        expect((await stateOf(p)).frozen).toBe(false);
        setNow(env, restarted);
        const r = await p.sendWithdrawStake(n.owner.getSender());
        expect(withdrawalTo(r, p.address, n.owner.address).amount).toBe(toNano('21'));
    });

    it('FreezeWithdrawals and UnfreezeWithdrawals from anyone but the Root are refused with ERR_NOT_ROOT', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const bodies = rootMessageBodies(env);
        for (const who of [
            env.stranger.address,
            n.owner.address,
            env.governance.address,
            env.guardian.address,
            extra.proxy.provider.address,
        ]) {
            await refuses(env, p, who, ERR_NOT_ROOT, () => sendAs(env, who, p.address, bodies.FreezeWithdrawals));
        }
        await freeze(env, p);
        for (const who of [env.stranger.address, n.owner.address, env.governance.address]) {
            await refuses(env, p, who, ERR_NOT_ROOT, () => sendAs(env, who, p.address, bodies.UnfreezeWithdrawals));
        }
        expect((await stateOf(p)).frozen).toBe(true);
    });

    it('a plain transfer tops up the storage buffer, never the stake', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const before = await stateOf(p);
        const balance = await balanceOf(env, p.address);
        const r = await env.stranger.send({ to: p.address, value: toNano('1'), bounce: true });
        expect(r.transactions).toHaveTransaction({ from: env.stranger.address, to: p.address, success: true });
        expect(await stateOf(p)).toEqual(before);
        // all of it but the gas of the transaction stays
        expect(await balanceOf(env, p.address)).toBe(balance + toNano('1') - feesPaid(r, p.address));
        expect(eventsOf(r, p.address, 'StakeChanged')).toEqual([]);
    });

    it('if storage fees had eaten into the stake, the last withdrawal pays out all that is left instead of failing', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        await p.sendRequestExit(n.owner.getSender());
        setNow(env, (await stateOf(p)).unlockAt);
        // simulate years of storage fees: 40 TON of the 100 TON stake gone
        const left = n.minStake - toNano('40');
        (await env.blockchain.getContract(p.address)).balance = left;
        const r = await p.sendWithdrawStake(n.owner.getSender(), 0n, WITHDRAW_VALUE);
        expectAllSucceeded(r);
        const paid = withdrawalTo(r, p.address, n.owner.address);
        expect(paid.value).toBeGreaterThan(left - storageFees(r, p.address));
        expect(paid.value).toBeLessThan(left + WITHDRAW_VALUE);
        // the message names what it really pays (all the Provider had), not the nominal 100 TON,
        // so a bounce could restore no more than came back
        expect(paid.amount).toBe(left - storageFees(r, p.address));
        expect(await balanceOf(env, p.address)).toBe(0n);
        expect(await stateOf(p)).toMatchObject({ stake: 0n, unbonding: 0n, status: STATUS_EXITED });
    });

    it("the unbonding delay is the Root's as last heard: a changed delay applies once a re-check learns it", async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const shorter = BigInt(DAY);
        await proposeAndExecute(env, () =>
            env.root.sendProposeParams(env.governance.getSender(), defaultParams(env.treasury.address, { unbondingDelay: shorter })),
        );
        // not heard yet: the old delay
        await unstake(n, toNano('1'));
        expect((await stateOf(p)).unlockAt).toBe(now(env) + BigInt(7 * DAY));
        const r = await p.sendRecheck(env.stranger.getSender());
        expect(opsBetween(r, env.root.address, p.address)).toEqual([Provider.opcodes.ImageVerdict]);
        expect((await p.getRootView()).unbondingDelay).toBe(shorter);
        await unstake(n, toNano('1'));
        expect((await stateOf(p)).unlockAt).toBe(now(env) + shorter);
    });
});
