/**
 * The whole life of a node, for each role, through the Provider's own messages: register with a
 * profile, learn the Root's parameters, bind a TEE key, stake, serve while active, unstake part,
 * withdraw after the unbonding delay, exit, withdraw the rest, exited. A proxy is also listed in
 * the Root's directory while active and leaves it on exit.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ExtendedProvider,
    PROVIDER_STORAGE_BUFFER,
    Provider,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_REGISTERED,
    WITHDRAW_VALUE,
} from '../../wrappers/Provider';
import { HASHES } from '../fixtures/environment';
import {
    activate,
    balanceOf,
    bind,
    conserving,
    createNode,
    eventsOf,
    excessesFrom,
    Node,
    opsBetween,
    PROXY_ENDPOINT,
    publicKeyInt,
    register,
    stake,
    statusChanges,
    withdrawalTo,
} from '../helpers/provider';
import { plain, setNow, sharedEnvironment, storageFees } from '../helpers/root';

const ctx = sharedEnvironment<{ worker: Node; proxy: Node }>({}, async (env) => ({
    worker: await createNode(env, 'worker'),
    proxy: await createNode(env, 'proxy'),
}));

/** Unstakes `amount`, waits out the delay, withdraws; checks the payout and the balances. */
async function unbondAndWithdraw(node: Node, amount: bigint, expectedAfter: bigint) {
    const { env } = ctx;
    const p = node.provider;
    const un = await p.sendRequestUnstake(node.owner.getSender(), amount, 11n);
    expect(un.transactions).toHaveTransaction({ from: node.owner.address, to: p.address, success: true });
    const s = await p.getState();
    expect(s.unbonding).toBe(amount);
    expect(s.unlockAt).toBe(BigInt(env.blockchain.now!) + (await p.getRootView()).unbondingDelay);
    setNow(env, s.unlockAt);
    const before = await balanceOf(env, p.address);
    const w = await conserving(env, [node.owner.address, p.address], () => p.sendWithdrawStake(node.owner.getSender(), 12n));
    const paid = withdrawalTo(w.result, p.address, node.owner.address);
    expect(paid.amount).toBe(amount);
    expect(paid.queryId).toBe(12n);
    expect(paid.value).toBeGreaterThanOrEqual(amount);
    expect(await balanceOf(env, p.address)).toBe(before - amount - storageFees(w.result, p.address));
    expect((await p.getState()).unbonding).toBe(0n);
    expect((await p.getState()).stake).toBe(expectedAfter);
    return w.result;
}

describe('Provider lifecycle', () => {
    it('worker: register → parameters learned → bind → stake → active → unstake → withdraw → exit → exited', async () => {
        const { env, extra } = ctx;
        const w = extra.worker;
        const p = w.provider;
        const params = await env.root.getParams();

        // register, deploying the Provider; the Root's answer completes it
        const reg = await register(w, { queryId: 1n });
        expect(reg.transactions).toHaveTransaction({ from: w.owner.address, to: p.address, deploy: true, success: true });
        expect(opsBetween(reg, p.address, env.root.address)).toEqual([Provider.opcodes.QueryParams]);
        expect(opsBetween(reg, env.root.address, p.address)).toEqual([Provider.opcodes.RootParams]);
        expect(excessesFrom(reg, p.address, w.owner.address).queryId).toBe(1n);
        expect(statusChanges(reg, p.address)).toEqual([[0n, STATUS_REGISTERED]]);
        expect(plain(await p.getRootView())).toEqual(
            plain({
                $$type: 'RootView',
                configVersion: await env.root.getConfigVersion(),
                minStake: params.minStakeWorker,
                unbondingDelay: params.unbondingDelay,
                attestationLifetime: params.attestationLifetime,
            }),
        );

        // bind: the Root confirms the worker image and the attestation root
        const bound = await bind(env, w, { queryId: 2n });
        expect(plain(await p.getBinding())).toEqual(
            plain({
                $$type: 'Binding',
                imageHash: HASHES.workerImage,
                attestationRoot: HASHES.root,
                teeKey: publicKeyInt(w.key),
                expiresAt: bound.expiresAt,
                revoked: false,
            }),
        );
        expect((await p.getState()).status).toBe(STATUS_REGISTERED);

        // stake 1.5 times the minimum: active
        const total = (w.minStake * 3n) / 2n;
        const st = await stake(w, total, 3n);
        expect(statusChanges(st, p.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect((await p.getState()).stake).toBe(total);
        expect(await balanceOf(env, p.address)).toBeGreaterThanOrEqual(total);

        // unstake a third: still at the minimum, still active; withdraw after the delay
        const part = total / 3n;
        const wd = await unbondAndWithdraw(w, part, total - part);
        expect(statusChanges(wd, p.address)).toEqual([]);
        expect((await p.getState()).status).toBe(STATUS_ACTIVE);

        // exit: everything left starts unbonding
        const ex = await p.sendRequestExit(w.owner.getSender(), 13n);
        expect(statusChanges(ex, p.address)).toEqual([[STATUS_ACTIVE, STATUS_EXITING]]);
        const s = await p.getState();
        expect([s.stake, s.unbonding]).toEqual([0n, total - part]);
        setNow(env, s.unlockAt);
        const last = await p.sendWithdrawStake(w.owner.getSender(), 14n, WITHDRAW_VALUE);
        expect(withdrawalTo(last, p.address, w.owner.address).amount).toBe(total - part);
        expect(statusChanges(last, p.address)).toEqual([[STATUS_EXITING, STATUS_EXITED]]);
        const end = await p.getState();
        expect([end.status, end.stake, end.unbonding, end.listed, end.checkPending]).toEqual([STATUS_EXITED, 0n, 0n, false, false]);
        // what stays is the storage buffer kept at registration, less storage fees
        expect(await balanceOf(env, p.address)).toBeLessThanOrEqual(PROVIDER_STORAGE_BUFFER);
        expect(await balanceOf(env, p.address)).toBeGreaterThan(0n);
    });

    it('proxy: the same life, listed in the Root directory while active and delisted on exit', async () => {
        const { env, extra } = ctx;
        const x = extra.proxy;
        const p = x.provider;
        const params = await env.root.getParams();

        await register(x, { queryId: 1n });
        expect((await p.getRootView()).minStake).toBe(params.minStakeProxy);
        await bind(env, x);
        expect(await env.root.getProxy(p.address)).toBeNull();

        // activation lists the proxy: its Provider sends ListProxyForRoot, the Root answers
        const total = x.minStake + toNano('10');
        const st = await stake(x, total);
        expect(statusChanges(st, p.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect(opsBetween(st, p.address, env.root.address)).toEqual([Provider.opcodes.ListProxyForRoot]);
        expect(opsBetween(st, env.root.address, p.address)).toEqual([Provider.opcodes.ProxyListed]);
        expect((await p.getState()).listed).toBe(true);
        expect(plain(await env.root.getProxy(p.address))).toEqual(
            plain({
                $$type: 'ProxyEntry',
                owner: x.owner.address,
                nodeIndex: 0n,
                imageHash: HASHES.proxyImage,
                attestationRoot: HASHES.root,
                endpoint: PROXY_ENDPOINT,
                listedAt: BigInt(env.blockchain.now!),
            }),
        );
        expect((await env.root.getState()).proxyCount).toBe(1n);

        // unstaking above the minimum keeps it active and listed, and sends nothing to the Root
        const wd = await unbondAndWithdraw(x, toNano('10'), x.minStake);
        expect(opsBetween(wd, p.address, env.root.address)).toEqual([]);
        expect(await env.root.getProxy(p.address)).not.toBeNull();

        // exit delists
        const ex = await p.sendRequestExit(x.owner.getSender());
        expect(statusChanges(ex, p.address)).toEqual([[STATUS_ACTIVE, STATUS_EXITING]]);
        expect(opsBetween(ex, p.address, env.root.address)).toEqual([Provider.opcodes.DelistProxyForRoot]);
        expect(await env.root.getProxy(p.address)).toBeNull();
        expect((await env.root.getState()).proxyCount).toBe(0n);
        expect((await p.getState()).listed).toBe(false);

        setNow(env, (await p.getState()).unlockAt);
        const last = await p.sendWithdrawStake(x.owner.getSender());
        expect(withdrawalTo(last, p.address, x.owner.address).amount).toBe(x.minStake);
        expect(statusChanges(last, p.address)).toEqual([[STATUS_EXITING, STATUS_EXITED]]);
        expect(eventsOf(last, p.address, 'StakeChanged').map((e) => [e.stake, e.unbonding])).toEqual([[0n, 0n]]);
    });

    it('a node of each role, side by side, under one Root and one owner', async () => {
        const { env, extra } = ctx;
        // the worker's owner also runs a proxy at node index 1
        const proxy: Node = { ...extra.proxy, owner: extra.worker.owner, nodeIndex: 1n };
        proxy.provider = env.blockchain.openContract(await ExtendedProvider.forNode(env.root.address, extra.worker.owner.address, 1n));
        await activate(env, extra.worker);
        await activate(env, proxy);
        expect((await env.root.getProviderAddress(extra.worker.owner.address, 1n)).equals(proxy.provider.address)).toBe(true);
        const [ws, ps] = [await extra.worker.provider.getState(), await proxy.provider.getState()];
        expect([ws.role, ws.status, ws.listed]).toEqual([1n, STATUS_ACTIVE, false]);
        expect([ps.role, ps.status, ps.listed, ps.nodeIndex]).toEqual([2n, STATUS_ACTIVE, true, 1n]);
        expect((await env.root.getProxy(proxy.provider.address))!.nodeIndex).toBe(1n);
    });
});
