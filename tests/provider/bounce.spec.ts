/**
 * Bounced messages restore the Provider's state and lose no value: a Root query that cannot be
 * delivered clears the pending check and returns the value to whoever asked; a listing the Root
 * refuses leaves the proxy active but unlisted; a stake withdrawal the owner's address refuses
 * becomes unbonding stake again.
 */
import '@ton/test-utils';
import { internal } from '@ton/sandbox';
import { Address, toNano } from '@ton/core';
import {
    CHECK_VALUE,
    ERR_IMAGE_NOT_ALLOWED,
    ERR_PAUSED,
    loadListProxyForRoot,
    PROVIDER_STORAGE_BUFFER,
    Provider,
    REGISTER_VALUE,
    ROLE_PROXY,
    ROLE_WORKER,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
    storeRegisterProvider,
    UNBONDING_DELAY_UPPER,
    WITHDRAW_VALUE,
} from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    aProxyProfile,
    balanceOf,
    bind,
    cellOf,
    conserving,
    createNode,
    defaultProfile,
    eventsOf,
    excessesFrom,
    feesPaid,
    Node,
    opsBetween,
    providerEvents,
    readProfile,
    openProvider,
    publicKeyInt,
    register,
    sendBind,
    status,
    statusChanges,
    stepwise,
} from '../helpers/provider';
import { messagesBetween, plain, setNow, sharedEnvironment, storageFees } from '../helpers/root';

/** Basechain addresses at which no contract exists. */
const NO_ROOT = new Address(0, Buffer.alloc(32, 0x77));
const NO_WALLET = new Address(0, Buffer.alloc(32, 0x55));

interface Setup {
    orphan: Node; // a worker whose root address holds no contract; not registered
    proxy: Node; // registered and bound proxy under the real Root, nothing staked
    walletless: Node; // an active worker whose owner address holds no contract
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const orphan = await createNode(env, 'worker', { root: NO_ROOT });
    const proxy = await createNode(env, 'proxy');
    await register(proxy);
    await bind(env, proxy);
    // an owner without a contract: messages from it are pushed straight into the sandbox
    const base = await createNode(env, 'worker', { seed: 'walletless' });
    const walletless: Node = { ...base, provider: await openProvider(env, NO_WALLET) };
    const via = env.blockchain.sender(NO_WALLET);
    // a sandbox Sender attaches no StateInit: deploy with a message that carries it
    const registration = cellOf(
        storeRegisterProvider({ $$type: 'RegisterProvider', queryId: 0n, role: ROLE_WORKER, profile: defaultProfile('worker') }),
    );
    await env.blockchain.sendMessage(
        internal({
            from: NO_WALLET,
            to: walletless.provider.address,
            value: REGISTER_VALUE,
            body: registration,
            stateInit: walletless.provider.init!,
        }),
    );
    await sendBind(env, walletless, { via });
    await walletless.provider.sendStake(via, walletless.minStake);
    expect(await status(walletless.provider)).toBe(STATUS_ACTIVE);
    return { orphan, proxy, walletless };
});

describe('A Root address without a contract: queries bounce', () => {
    it('registration: QueryParams bounces, the pending check is cleared and the value returns to the owner', async () => {
        const { env, extra } = ctx;
        const n = extra.orphan;
        const p = n.provider;
        const body = cellOf(storeRegisterProvider({ $$type: 'RegisterProvider', queryId: 61n, role: ROLE_WORKER, profile: n.profile }));
        const flight = await stepwise(env, n.owner.address, p.address, body, REGISTER_VALUE, p.init!);
        await flight.step();
        expect((await p.getState()).checkPending).toBe(true);
        const ownerBefore = await balanceOf(env, n.owner.address);
        const rest = await flight.rest();
        expect(rest.transactions).toHaveTransaction({ from: p.address, to: NO_ROOT, aborted: true });
        expect(rest.transactions).toHaveTransaction({ from: NO_ROOT, to: p.address, inMessageBounced: true, success: true });
        const back = excessesFrom(rest, p.address, n.owner.address);
        expect(back.queryId).toBe(61n);
        // Less than 0.03 TON of gas and forwarding over the three transactions (about 0.023 measured).
        expect(back.value).toBeGreaterThan(REGISTER_VALUE - PROVIDER_STORAGE_BUFFER - toNano('0.03'));
        expect(await balanceOf(env, n.owner.address)).toBe(ownerBefore + back.value - feesPaid(rest, n.owner.address));
        const s = await p.getState();
        expect([s.status, s.checkPending]).toEqual([STATUS_REGISTERED, false]);
        expect(await p.getPendingCheck()).toBeNull();
        // nothing was learned from a Root that never answered
        expect(plain(await p.getRootView())).toEqual(
            plain({ $$type: 'RootView', configVersion: 0n, minStake: 0n, unbondingDelay: UNBONDING_DELAY_UPPER, attestationLifetime: 0n }),
        );
        expect(await balanceOf(env, p.address)).toBe(PROVIDER_STORAGE_BUFFER);
    });

    it('bind and re-check: the bounced query clears the pending check, binds nothing, and refunds whoever asked', async () => {
        const { env, extra } = ctx;
        const n = extra.orphan;
        const p = n.provider;
        const reg = await p.sendRegister(n.owner.getSender(), 'worker', n.profile);
        expect(reg.transactions).toHaveTransaction({ from: n.owner.address, to: p.address, deploy: true, success: true });
        const bound = await conserving(
            env,
            [n.owner.address, p.address, NO_ROOT],
            async () => (await sendBind(env, n, { queryId: 62n })).result,
        );
        expect(bound.result.transactions).toHaveTransaction({ from: NO_ROOT, to: p.address, inMessageBounced: true, success: true });
        expect(excessesFrom(bound.result, p.address, n.owner.address).queryId).toBe(62n);
        expect(await p.getBinding()).toBeNull();
        expect(await p.getPendingCheck()).toBeNull();
        expect(providerEvents(bound.result, p.address)).toEqual([]);
        // the Provider's balance is untouched: the owner paid only fees
        expect(bound.delta(p.address)).toBe(-storageFees(bound.result, p.address));

        const re = await conserving(env, [env.stranger.address, p.address, NO_ROOT], () =>
            p.sendRecheck(env.stranger.getSender(), 63n, CHECK_VALUE),
        );
        expect(excessesFrom(re.result, p.address, env.stranger.address).queryId).toBe(63n);
        expect(re.delta(p.address)).toBe(-storageFees(re.result, p.address));
        expect(await p.getPendingCheck()).toBeNull();
        expect(await status(p)).toBe(STATUS_REGISTERED);
    });
});

describe('A listing the Root refuses bounces', () => {
    it('paused Root: the proxy is active but not listed; after the unpause a re-check lists it (no status change)', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const p = n.provider;
        await env.root.sendPause(env.guardian.getSender());
        const result = await p.sendStake(n.owner.getSender(), n.minStake);
        expect(statusChanges(result, p.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect(result.transactions).toHaveTransaction({
            from: p.address,
            to: env.root.address,
            success: false,
            exitCode: Number(ERR_PAUSED),
        });
        expect(result.transactions).toHaveTransaction({ from: env.root.address, to: p.address, inMessageBounced: true, success: true });
        const s = await p.getState();
        expect([s.status, s.listed, s.stake]).toEqual([STATUS_ACTIVE, false, n.minStake]);
        expect(await env.root.getProxy(p.address)).toBeNull();

        await env.root.sendUnpause(env.governance.getSender());
        const again = await p.sendRecheck(env.stranger.getSender());
        expect(statusChanges(again, p.address)).toEqual([]);
        expect(opsBetween(again, p.address, env.root.address)).toEqual([Provider.opcodes.QueryImage, Provider.opcodes.ListProxyForRoot]);
        expect(opsBetween(again, env.root.address, p.address)).toEqual([Provider.opcodes.ImageVerdict, Provider.opcodes.ProxyListed]);
        expect((await p.getState()).listed).toBe(true);
        expect((await env.root.getProxy(p.address))!.endpoint).toBe(n.profile.endpoint);
    });

    it('paused Root: a re-check during the pause suspends the unlisted proxy without a delisting; after the unpause it is listed again', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const p = n.provider;
        await env.root.sendPause(env.guardian.getSender());
        await p.sendStake(n.owner.getSender(), n.minStake);
        const r = await p.sendRecheck(env.stranger.getSender());
        expect(statusChanges(r, p.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expect(opsBetween(r, p.address, env.root.address)).toEqual([Provider.opcodes.QueryImage]);
        await env.root.sendUnpause(env.governance.getSender());
        const back = await p.sendRecheck(env.stranger.getSender());
        expect(statusChanges(back, p.address)).toEqual([[STATUS_SUSPENDED, STATUS_ACTIVE]]);
        expect((await p.getState()).listed).toBe(true);
        expect(await env.root.getProxy(p.address)).not.toBeNull();
    });
});

describe('A directory update the Root refuses bounces', () => {
    /** Activates the proxy (listed), then has the Root refuse its endpoint update after `refuse`. */
    async function refusedUpdate(env: Env, n: Node, refuse: () => Promise<unknown>, exitCode: bigint) {
        const p = n.provider;
        await p.sendStake(n.owner.getSender(), n.minStake);
        expect((await p.getState()).listed).toBe(true);
        await refuse();
        const r = await p.sendUpdateProfile(n.owner.getSender(), aProxyProfile({ endpoint: 'https://moved.example' }));
        const listing = messagesBetween(r, p.address, env.root.address);
        expect(listing).toHaveLength(1);
        expect(loadListProxyForRoot(listing[0].body.beginParse()).queryId).toBe(1n);
        expect(r.transactions).toHaveTransaction({ from: p.address, to: env.root.address, success: false, exitCode: Number(exitCode) });
        expect(r.transactions).toHaveTransaction({ from: env.root.address, to: p.address, inMessageBounced: true, success: true });
        // the Root still has the previous entry, so the proxy still counts as listed
        expect((await p.getState()).listed).toBe(true);
        expect((await env.root.getProxy(p.address))!.endpoint).toBe(n.profile.endpoint);
        expect((await readProfile(env, p))!.endpoint).toBe('https://moved.example');
    }

    it('paused Root: the proxy stays listed under its old endpoint and is delisted once it falls below the minimum', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        await refusedUpdate(env, n, () => env.root.sendPause(env.guardian.getSender()), ERR_PAUSED);
        await env.root.sendUnpause(env.governance.getSender());
        const r = await n.provider.sendRequestUnstake(n.owner.getSender(), 1n);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_REGISTERED]]);
        expect(opsBetween(r, n.provider.address, env.root.address)).toEqual([Provider.opcodes.DelistProxyForRoot]);
        expect(await env.root.getProxy(n.provider.address)).toBeNull();
        expect((await n.provider.getState()).listed).toBe(false);
    });

    it('image revoked meanwhile: the proxy stays listed, and the re-check that suspends it also delists it', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        await refusedUpdate(
            env,
            n,
            () => env.root.sendRevokeImage(env.guardian.getSender(), HASHES.proxyImage, ROLE_PROXY),
            ERR_IMAGE_NOT_ALLOWED,
        );
        const r = await n.provider.sendRecheck(env.stranger.getSender());
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expect(opsBetween(r, n.provider.address, env.root.address)).toEqual([
            Provider.opcodes.QueryImage,
            Provider.opcodes.DelistProxyForRoot,
        ]);
        expect(await env.root.getProxy(n.provider.address)).toBeNull();
    });
});

describe("A stake withdrawal the owner's address refuses bounces", () => {
    async function withdrawBounced(env: Env, n: Node) {
        const p = n.provider;
        const before = await p.getState();
        const balance = await balanceOf(env, p.address);
        setNow(env, before.unlockAt);
        const r = await p.sendWithdrawStake(env.blockchain.sender(NO_WALLET), 64n, WITHDRAW_VALUE);
        expect(r.transactions).toHaveTransaction({ from: p.address, to: NO_WALLET, op: Provider.opcodes.StakeWithdrawal, aborted: true });
        expect(r.transactions).toHaveTransaction({ from: NO_WALLET, to: p.address, inMessageBounced: true, success: true });
        const after = await p.getState();
        // exactly the unbonding it had, at the same unlock time: withdrawable again
        expect([after.stake, after.unbonding, after.unlockAt]).toEqual([before.stake, before.unbonding, before.unlockAt]);
        const changes = eventsOf(r, p.address, 'StakeChanged').map((e) => [e.stake, e.unbonding]);
        expect(changes).toEqual([
            [before.stake, 0n],
            [before.stake, before.unbonding],
        ]);
        // no value lost: the stake came back with the rest of the withdrawal's value
        expect(await balanceOf(env, p.address)).toBeGreaterThanOrEqual(balance - storageFees(r, p.address));
        return r;
    }

    it('after an exit: unbonding restored exactly and the status back to exiting from exited', async () => {
        const { env, extra } = ctx;
        const n = extra.walletless;
        const p = n.provider;
        await p.sendRequestExit(env.blockchain.sender(NO_WALLET));
        expect(await status(p)).toBe(STATUS_EXITING);
        const r = await withdrawBounced(env, n);
        expect(statusChanges(r, p.address)).toEqual([
            [STATUS_EXITING, STATUS_EXITED],
            [STATUS_EXITED, STATUS_EXITING],
        ]);
        expect(await status(p)).toBe(STATUS_EXITING);
        expect((await p.getState()).unbonding).toBe(n.minStake);
        // and it bounces the same way again
        const again = await withdrawBounced(env, n);
        expect(statusChanges(again, p.address)).toEqual([
            [STATUS_EXITING, STATUS_EXITED],
            [STATUS_EXITED, STATUS_EXITING],
        ]);
    });

    it('after a partial unstake: unbonding restored exactly, the status untouched', async () => {
        const { env, extra } = ctx;
        const n = extra.walletless;
        const p = n.provider;
        await p.sendStake(env.blockchain.sender(NO_WALLET), toNano('10'));
        await p.sendRequestUnstake(env.blockchain.sender(NO_WALLET), toNano('10'));
        expect((await p.getState()).unbonding).toBe(toNano('10'));
        const r = await withdrawBounced(env, n);
        expect(statusChanges(r, p.address)).toEqual([]);
        expect(await status(p)).toBe(STATUS_ACTIVE);
        expect((await p.getBinding())!.teeKey).toBe(publicKeyInt(n.key));
    });
});
