/**
 * Registration: the owner deploys its Provider with RegisterProvider (role and profile); the
 * Provider keeps a storage buffer, asks the Root for its parameters, and completes when the
 * RootParams answer arrives, returning the rest of the value to the owner.
 */
import '@ton/test-utils';
import { Sender, toNano } from '@ton/core';
import {
    CHECK_REGISTER,
    ERR_ALREADY_REGISTERED,
    ERR_CHECK_PENDING,
    ERR_INVALID_ROLE,
    ERR_NOT_OWNER,
    ExtendedProvider,
    PROVIDER_STORAGE_BUFFER,
    Provider,
    REGISTER_VALUE,
    ROLE_PROXY,
    ROLE_WORKER,
    STATUS_REGISTERED,
    storeRegisterProvider,
    UNBONDING_DELAY_UPPER,
} from '../../wrappers/Provider';
import {
    balanceOf,
    cellOf,
    conserving,
    createNode,
    excessesFrom,
    Node,
    opsBetween,
    profileCell,
    readProfile,
    providerEvents,
    refuses,
    register,
    Role,
    sendBind,
    stepwise,
} from '../helpers/provider';
import { plain, sharedEnvironment } from '../helpers/root';

const ctx = sharedEnvironment<{ worker: Node; proxy: Node }>({}, async (env) => ({
    worker: await createNode(env, 'worker'),
    proxy: await createNode(env, 'proxy'),
}));

const ROLES: [Role, bigint][] = [
    ['worker', ROLE_WORKER],
    ['proxy', ROLE_PROXY],
];

function registerRaw(node: Node, role: bigint, via: Sender = node.owner.getSender(), value = REGISTER_VALUE) {
    return node.provider.send(via, { value }, { $$type: 'RegisterProvider', queryId: 0n, role, profile: node.profile });
}

describe('Provider registration', () => {
    it('the Root derives the same address as ExtendedProvider.forNode, one per node index', async () => {
        const { env, extra } = ctx;
        const owner = extra.worker.owner.address;
        expect((await env.root.getProviderAddress(owner, 0n)).equals(extra.worker.provider.address)).toBe(true);
        const other = await ExtendedProvider.forNode(env.root.address, owner, 7n);
        expect((await env.root.getProviderAddress(owner, 7n)).equals(other.address)).toBe(true);
        expect(other.address.equals(extra.worker.provider.address)).toBe(false);
    });

    it.each(ROLES)(
        'the owner deploys and registers a %s; the Root parameters complete it and the rest comes back',
        async (role, roleId) => {
            const { env, extra } = ctx;
            const node = extra[role];
            const p = node.provider;
            const params = await env.root.getParams();
            const rootBefore = await balanceOf(env, env.root.address);
            const { result, delta } = await conserving(env, [node.owner.address, p.address, env.root.address], () =>
                register(node, { queryId: 77n }),
            );

            expect(result.transactions).toHaveTransaction({ from: node.owner.address, to: p.address, deploy: true, success: true });
            expect(opsBetween(result, p.address, env.root.address)).toEqual([Provider.opcodes.QueryParams]);
            expect(opsBetween(result, env.root.address, p.address)).toEqual([Provider.opcodes.RootParams]);
            const back = excessesFrom(result, p.address, node.owner.address);
            expect(back.queryId).toBe(77n);

            // events: registered, then the profile
            const events = providerEvents(result, p.address);
            expect(events.map((e) => e.$$type)).toEqual(['ProviderStatusChanged', 'ProfileUpdated']);
            expect(plain(events[0])).toEqual(
                plain({ $$type: 'ProviderStatusChanged', previous: 0n, status: STATUS_REGISTERED, stake: 0n }),
            );
            expect(profileCell((events[1] as { profile: typeof node.profile }).profile)).toBe(profileCell(node.profile));

            // state
            const s = await p.getState();
            expect(s.root.equals(env.root.address)).toBe(true);
            expect(s.owner.equals(node.owner.address)).toBe(true);
            expect([s.nodeIndex, s.role, s.status, s.stake, s.unbonding, s.unlockAt]).toEqual([0n, roleId, STATUS_REGISTERED, 0n, 0n, 0n]);
            expect([s.withdrawalsFrozen, s.listed, s.checkPending]).toEqual([false, false, false]);
            expect([s.tokensServed, s.settlements, s.slashes]).toEqual([0n, 0n, 0n]);
            expect(profileCell(await readProfile(env, p))).toBe(profileCell(node.profile));
            expect(await p.getBinding()).toBeNull();
            expect(await p.getPendingCheck()).toBeNull();
            expect(await p.getStatusNow()).toBe(STATUS_REGISTERED);
            const view = await p.getRootView();
            expect([view.configVersion, view.minStake, view.unbondingDelay, view.attestationLifetime]).toEqual([
                await env.root.getConfigVersion(),
                role === 'worker' ? params.minStakeWorker : params.minStakeProxy,
                params.unbondingDelay,
                params.attestationLifetime,
            ]);

            // the Provider keeps exactly its storage buffer, the Root pays nothing, the owner paid the buffer and fees
            expect(await balanceOf(env, p.address)).toBe(PROVIDER_STORAGE_BUFFER);
            expect(delta(p.address)).toBe(PROVIDER_STORAGE_BUFFER);
            expect(await balanceOf(env, env.root.address)).toBeGreaterThanOrEqual(rootBefore);
            expect(back.value).toBeLessThan(REGISTER_VALUE - PROVIDER_STORAGE_BUFFER);
            expect(back.value).toBeGreaterThan(0n);
        },
    );

    it('while QueryParams is in flight the registration check is pending and the Root defaults apply', async () => {
        const { env, extra } = ctx;
        const w = extra.worker;
        const p = w.provider;
        const body = cellOf(storeRegisterProvider({ $$type: 'RegisterProvider', queryId: 9n, role: ROLE_WORKER, profile: w.profile }));
        // the first message carries the StateInit, as the wallet's would; run only its transaction
        const flight = await stepwise(env, w.owner.address, p.address, body, REGISTER_VALUE, p.init!);
        await flight.step();
        const pending = await p.getPendingCheck();
        expect(plain(pending)).toEqual(
            plain({ $$type: 'PendingCheck', kind: CHECK_REGISTER, queryId: 9n, replyTo: w.owner.address, binding: null }),
        );
        const st = await p.getState();
        expect([st.status, st.checkPending]).toEqual([STATUS_REGISTERED, true]);
        expect(plain(await p.getRootView())).toEqual(
            plain({ $$type: 'RootView', configVersion: 0n, minStake: 0n, unbondingDelay: UNBONDING_DELAY_UPPER, attestationLifetime: 0n }),
        );
        // a bind meanwhile waits for the answer
        await refuses(env, p, w.owner.address, ERR_CHECK_PENDING, async () => (await sendBind(env, w)).result);
        const rest = await flight.rest();
        expect(opsBetween(rest, env.root.address, p.address)).toEqual([Provider.opcodes.RootParams]);
        expect(await p.getPendingCheck()).toBeNull();
        expect((await p.getRootView()).minStake).toBe(w.minStake);
    });

    it('anyone but the owner is refused with ERR_NOT_OWNER, before and after registration', async () => {
        const { env, extra } = ctx;
        const w = extra.worker;
        const p = w.provider;
        const intruders = [env.stranger, env.governance, extra.proxy.owner];
        for (const who of intruders) {
            await refuses(env, p, who.address, ERR_NOT_OWNER, () => registerRaw(w, ROLE_WORKER, who.getSender()));
        }
        await refuses(env, p, env.root.address, ERR_NOT_OWNER, () => registerRaw(w, ROLE_WORKER, env.blockchain.sender(env.root.address)));
        await register(w);
        for (const who of intruders) {
            await refuses(env, p, who.address, ERR_NOT_OWNER, () => registerRaw(w, ROLE_PROXY, who.getSender()));
        }
        expect((await p.getState()).role).toBe(ROLE_WORKER);
    });

    it.each(ROLES)('a second registration of a %s is refused with ERR_ALREADY_REGISTERED, in either role', async (role, roleId) => {
        const { env, extra } = ctx;
        const node = extra[role];
        await register(node);
        for (const again of [ROLE_WORKER, ROLE_PROXY]) {
            await refuses(env, node.provider, node.owner.address, ERR_ALREADY_REGISTERED, () =>
                node.provider.sendRegister(
                    node.owner.getSender(),
                    again === ROLE_WORKER ? 'worker' : 'proxy',
                    extra[again === ROLE_WORKER ? 'worker' : 'proxy'].profile,
                ),
            );
        }
        expect((await node.provider.getState()).role).toBe(roleId);
    });

    it.each([0n, 3n, 4n, 255n])('role %s is refused with ERR_INVALID_ROLE; a valid one still works afterwards', async (role) => {
        const { env, extra } = ctx;
        const w = extra.worker;
        await refuses(env, w.provider, w.owner.address, ERR_INVALID_ROLE, () => registerRaw(w, role));
        await register(w);
        expect((await w.provider.getState()).role).toBe(ROLE_WORKER);
    });

    it('registration completes while the Root is paused: parameters are answered regardless', async () => {
        const { env, extra } = ctx;
        await env.root.sendPause(env.guardian.getSender());
        await register(extra.proxy);
        expect((await extra.proxy.provider.getRootView()).minStake).toBe(extra.proxy.minStake);
        expect((await extra.proxy.provider.getState()).status).toBe(STATUS_REGISTERED);
    });

    it('the storage buffer is kept on top of whatever else the owner attaches', async () => {
        const { env, extra } = ctx;
        const w = extra.worker;
        const r = await register(w, { value: toNano('5') });
        expect(await balanceOf(env, w.provider.address)).toBe(PROVIDER_STORAGE_BUFFER);
        expect(excessesFrom(r, w.provider.address, w.owner.address).value).toBeGreaterThan(toNano('4.9'));
    });
});
