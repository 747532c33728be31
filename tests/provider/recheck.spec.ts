/**
 * Re-check: anyone may ask a Provider to ask the Root again whether its binding still stands. It
 * refreshes the Root parameters, suspends on revocation or expiry, reactivates when trust is back,
 * and returns what is left of the value to whoever asked.
 */
import '@ton/test-utils';
import {
    CHECK_RECHECK,
    CHECK_VALUE,
    ERR_CHECK_PENDING,
    ERR_INSUFFICIENT_VALUE,
    loadQueryImage,
    MIN_VALUE_CHECK,
    Provider,
    ROLE_PROXY,
    ROLE_WORKER,
    STATUS_ACTIVE,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
    storeRecheck,
} from '../../wrappers/Provider';
import { Actor, defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    activate,
    balanceOf,
    cellOf,
    conserving,
    createNode,
    eventsOf,
    excessesFrom,
    expectAllSucceeded,
    Node,
    opsBetween,
    refuses,
    register,
    status,
    statusChanges,
    stepwise,
} from '../helpers/provider';
import { messagesBetween, plain, proposeAndExecute, setNow, sharedEnvironment, storageFees } from '../helpers/root';

interface Setup {
    worker: Node; // active
    proxy: Node; // active, listed
    registered: Node; // registered, nothing bound
    bothWorker: Node; // active worker bound to the image allowed for both roles
    bothProxy: Node; // active proxy bound to the image allowed for both roles
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        worker: await createNode(env, 'worker'),
        proxy: await createNode(env, 'proxy'),
        registered: await createNode(env, 'worker', { nodeIndex: 1n }),
        bothWorker: await createNode(env, 'worker', { nodeIndex: 2n }),
        bothProxy: await createNode(env, 'proxy', { nodeIndex: 2n }),
    };
    await activate(env, s.worker);
    await activate(env, s.proxy);
    await register(s.registered);
    await activate(env, s.bothWorker, { image: HASHES.bothImage });
    await activate(env, s.bothProxy, { image: HASHES.bothImage });
    return s;
});

async function recheckBy(env: Env, n: Node, who: Actor, queryId = 0n) {
    const r = await n.provider.sendRecheck(who.getSender(), queryId);
    expectAllSucceeded(r);
    return r;
}

describe('Re-check', () => {
    it('a stranger re-checks a healthy node: the Root is asked about its binding, nothing changes, the stranger gets the rest back', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const binding = plain(await p.getBinding());
        const { result, delta } = await conserving(env, [env.stranger.address, p.address, env.root.address], () =>
            recheckBy(env, n, env.stranger, 51n),
        );
        const q = messagesBetween(result, p.address, env.root.address);
        expect(q).toHaveLength(1);
        expect(plain(loadQueryImage(q[0].body.beginParse()))).toEqual(
            plain({ $$type: 'QueryImage', queryId: 51n, imageHash: n.image, role: ROLE_WORKER, attestationRoot: HASHES.root }),
        );
        expect(opsBetween(result, env.root.address, p.address)).toEqual([Provider.opcodes.ImageVerdict]);
        const back = excessesFrom(result, p.address, env.stranger.address);
        expect(back.queryId).toBe(51n);
        expect(messagesBetween(result, p.address, n.owner.address)).toHaveLength(0);
        expect(eventsOf(result, p.address, 'ProviderStatusChanged')).toEqual([]);
        expect(eventsOf(result, p.address, 'BindingChanged')).toEqual([]);
        expect(plain(await p.getBinding())).toEqual(binding);
        expect(await status(p)).toBe(STATUS_ACTIVE);
        expect(await p.getPendingCheck()).toBeNull();
        // neither the Provider nor the Root paid for it: the stranger paid every fee
        expect(delta(p.address)).toBe(-storageFees(result, p.address));
        expect(delta(env.root.address)).toBe(-storageFees(result, env.root.address));
    });

    it('anyone may re-check: the owner, governance, another Provider; each gets its own excess back', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        for (const who of [n.owner, env.governance, env.guardian, extra.proxy.owner]) {
            const r = await recheckBy(env, n, who, 7n);
            expect(excessesFrom(r, n.provider.address, who.address).queryId).toBe(7n);
        }
        const fromContract = await n.provider.sendRecheck(env.blockchain.sender(extra.proxy.provider.address), 8n);
        expect(excessesFrom(fromContract, n.provider.address, extra.proxy.provider.address).queryId).toBe(8n);
    });

    it('a re-check without a binding asks the Root for its parameters only, and learns them', async () => {
        const { env, extra } = ctx;
        const n = extra.registered;
        const p = n.provider;
        const raised = n.minStake * 2n;
        await proposeAndExecute(env, () =>
            env.root.sendProposeParams(env.governance.getSender(), defaultParams(env.treasury.address, { minStakeWorker: raised })),
        );
        const r = await recheckBy(env, n, env.stranger, 52n);
        expect(opsBetween(r, p.address, env.root.address)).toEqual([Provider.opcodes.QueryParams]);
        expect(opsBetween(r, env.root.address, p.address)).toEqual([Provider.opcodes.RootParams]);
        expect(excessesFrom(r, p.address, env.stranger.address).queryId).toBe(52n);
        const view = await p.getRootView();
        expect([view.minStake, view.configVersion]).toEqual([raised, await env.root.getConfigVersion()]);
        expect(await status(p)).toBe(STATUS_REGISTERED);
    });

    it.each([
        ['RevokeImage', (env: Env) => env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_WORKER)],
        ['RevokeAttestationRoot', (env: Env) => env.root.sendRevokeAttestationRoot(env.guardian.getSender(), HASHES.root)],
        ['Pause', (env: Env) => env.root.sendPause(env.guardian.getSender())],
    ])("after the Root's %s a stranger's re-check suspends the node and marks the binding revoked", async (_name, revoke) => {
        const { env, extra } = ctx;
        const n = extra.worker;
        await revoke(env);
        const r = await recheckBy(env, n, env.stranger, 53n);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expect(eventsOf(r, n.provider.address, 'BindingChanged').map((e) => e.revoked)).toEqual([true]);
        expect(excessesFrom(r, n.provider.address, env.stranger.address).queryId).toBe(53n);
    });

    it("a stranger's re-check after the binding expired suspends the node", async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        setNow(env, (await n.provider.getBinding())!.expiresAt);
        const r = await recheckBy(env, n, env.stranger);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expect((await n.provider.getBinding())!.revoked).toBe(false);
    });

    it('revoking an image for one role suspends only the nodes of that role bound to it', async () => {
        const { env, extra } = ctx;
        await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.bothImage, ROLE_PROXY);
        for (const n of [extra.bothWorker, extra.bothProxy, extra.worker, extra.proxy]) await recheckBy(env, n, env.stranger);
        expect(await status(extra.bothProxy.provider)).toBe(STATUS_SUSPENDED);
        expect(await status(extra.bothWorker.provider)).toBe(STATUS_ACTIVE);
        expect(await status(extra.worker.provider)).toBe(STATUS_ACTIVE);
        expect(await status(extra.proxy.provider)).toBe(STATUS_ACTIVE);
    });

    it('a re-check with less than MIN_VALUE_CHECK is refused with ERR_INSUFFICIENT_VALUE; exactly the minimum works', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        await refuses(env, n.provider, env.stranger.address, ERR_INSUFFICIENT_VALUE, () =>
            n.provider.sendRecheck(env.stranger.getSender(), 0n, MIN_VALUE_CHECK - 1n),
        );
        // the dearest path: suspension, which also delists
        await env.root.sendPause(env.guardian.getSender());
        const before = await balanceOf(env, n.provider.address);
        const r = await n.provider.sendRecheck(env.stranger.getSender(), 0n, MIN_VALUE_CHECK);
        expectAllSucceeded(r);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expect(opsBetween(r, n.provider.address, env.root.address)).toEqual([
            Provider.opcodes.QueryImage,
            Provider.opcodes.DelistProxyForRoot,
        ]);
        // the Provider's own balance paid nothing but storage: the delisting came out of the re-check's value
        expect(await balanceOf(env, n.provider.address)).toBeGreaterThanOrEqual(before - storageFees(r, n.provider.address));
    });

    it('a re-check while another is in flight is refused with ERR_CHECK_PENDING', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const flight = await stepwise(
            env,
            env.stranger.address,
            p.address,
            cellOf(storeRecheck({ $$type: 'Recheck', queryId: 54n })),
            CHECK_VALUE,
        );
        await flight.step();
        const pending = (await p.getPendingCheck())!;
        expect([pending.kind, pending.queryId, pending.binding]).toEqual([CHECK_RECHECK, 54n, null]);
        expect(pending.replyTo.equals(env.stranger.address)).toBe(true);
        await refuses(env, p, n.owner.address, ERR_CHECK_PENDING, () => p.sendRecheck(n.owner.getSender()));
        const rest = await flight.rest();
        expect(excessesFrom(rest, p.address, env.stranger.address).queryId).toBe(54n);
        expect(await p.getPendingCheck()).toBeNull();
    });
});
