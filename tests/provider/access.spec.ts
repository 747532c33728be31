/**
 * Access control of every Provider receiver: owner-only actions refuse every other sender with
 * ERR_NOT_OWNER, messages only the Root may send refuse every other sender with ERR_NOT_ROOT, each
 * without changing anything; the rightful sender's identical message is accepted (so the refusal
 * is about the sender and nothing else). Re-check is open to anyone (recheck.spec).
 */
import '@ton/test-utils';
import { Address, Sender, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import {
    ERR_NOT_OWNER,
    ERR_NOT_ROOT,
    Provider,
    REGISTER_VALUE,
    ROLE_PROXY,
    signBindingClaim,
    STATUS_ACTIVE,
    STATUS_JAILED,
    STATUS_REGISTERED,
} from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    activate,
    aProxyProfile,
    captureProvider,
    createNode,
    defaultExpiry,
    expectProviderRefused,
    Node,
    rootMessageBodies,
    sendAs,
    teeKey,
} from '../helpers/provider';
import { deployRoot, sharedEnvironment } from '../helpers/root';

interface Setup {
    /** Active, listed proxy with 1 TON unbonding and unlocked, so every owner action would succeed. */
    proxy: Node;
    /** A node of another owner, for its owner and its contract as intruders. */
    other: Node;
    otherRoot: Address;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const proxy = await createNode(env, 'proxy');
    const other = await createNode(env, 'worker', { seed: 'other-owner' });
    await activate(env, proxy);
    await activate(env, other);
    await proxy.provider.sendStake(proxy.owner.getSender(), toNano('2'));
    await proxy.provider.sendRequestUnstake(proxy.owner.getSender(), toNano('1'));
    env.blockchain.now = Number((await proxy.provider.getState()).unlockAt);
    const otherRoot = await deployRoot(env, { nonce: 1n });
    return { proxy, other, otherRoot: otherRoot.root.address };
});

type OwnerAction = (via: Sender, env: Env, n: Node) => Promise<unknown>;

const OWNER_ACTIONS: [string, OwnerAction][] = [
    [
        'RegisterProvider',
        (via, _env, n) =>
            n.provider.send(
                via,
                { value: REGISTER_VALUE },
                { $$type: 'RegisterProvider', queryId: 0n, role: ROLE_PROXY, profile: n.profile },
            ),
    ],
    ['UpdateProfile', (via, _env, n) => n.provider.sendUpdateProfile(via, aProxyProfile({ region: 'moved' }))],
    [
        'BindAttestation',
        (via, env, n) => {
            const key = teeKey('access');
            const expiresAt = defaultExpiry(env);
            return n.provider.sendBind(via, {
                teeKey: key,
                imageHash: HASHES.proxyImage,
                attestationRoot: HASHES.root,
                expiresAt,
                signature: signBindingClaim(key, n.provider.address, HASHES.proxyImage, HASHES.root, expiresAt),
            });
        },
    ],
    ['RequestExit', (via, _env, n) => n.provider.sendRequestExit(via)],
    ['Stake', (via, _env, n) => n.provider.sendStake(via, toNano('1'))],
    ['RequestUnstake', (via, _env, n) => n.provider.sendRequestUnstake(via, toNano('1'))],
    ['WithdrawStake', (via, _env, n) => n.provider.sendWithdrawStake(via)],
];

type Intruder = [string, (env: Env, s: Setup) => { address: Address; sender: Sender }];

const INTRUDERS: Intruder[] = [
    ['a stranger', (env) => ({ address: env.stranger.address, sender: env.stranger.getSender() })],
    ['governance', (env) => ({ address: env.governance.address, sender: env.governance.getSender() })],
    ['the Root', (env) => ({ address: env.root.address, sender: env.blockchain.sender(env.root.address) })],
    ["another node's owner", (_env, s) => ({ address: s.other.owner.address, sender: s.other.owner.getSender() })],
    [
        "another node's Provider contract",
        (env, s) => ({ address: s.other.provider.address, sender: env.blockchain.sender(s.other.provider.address) }),
    ],
];

const CASES = OWNER_ACTIONS.flatMap(([name, action]) => INTRUDERS.map(([who, intruder]) => [name, who, action, intruder] as const));

describe('Owner-only receivers', () => {
    it.each(CASES)('%s from %s is refused with ERR_NOT_OWNER', async (_name, _who, action, intruder) => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const { address, sender } = intruder(env, extra);
        const before = await captureProvider(env, n.provider);
        const result = (await action(sender, env, n)) as SendMessageResult;
        await expectProviderRefused(env, n.provider, before, result, address, ERR_NOT_OWNER);
    });

    it.each(OWNER_ACTIONS.filter(([name]) => name !== 'RegisterProvider'))('%s from the owner is accepted', async (_name, action) => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const r = (await action(n.owner.getSender(), env, n)) as SendMessageResult;
        expect(r.transactions).toHaveTransaction({ from: n.owner.address, to: n.provider.address, success: true });
    });

    it('RegisterProvider from the owner of a fresh node is accepted', async () => {
        const { env } = ctx;
        const fresh = await createNode(env, 'proxy', { nodeIndex: 3n });
        const r = (await OWNER_ACTIONS[0][1](fresh.owner.getSender(), env, fresh)) as SendMessageResult;
        expect(r.transactions).toHaveTransaction({ from: fresh.owner.address, to: fresh.provider.address, deploy: true, success: true });
    });

    it('the sender is checked before the value: a stranger attaching almost nothing still gets ERR_NOT_OWNER', async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const before = await captureProvider(env, n.provider);
        const r = await n.provider.sendRequestExit(env.stranger.getSender(), 0n, toNano('0.01'));
        await expectProviderRefused(env, n.provider, before, r, env.stranger.address, ERR_NOT_OWNER);
    });
});

const ROOT_MESSAGES = [
    'ImageVerdict',
    'RootParams',
    'ProxyListed',
    'ProxyDelisted',
    'FreezeWithdrawals',
    'UnfreezeWithdrawals',
    'ExecuteSlash',
    'ReleaseFromJail',
] as const;

const FORGERS: [string, (env: Env, s: Setup) => Address][] = [
    ['a stranger', (env) => env.stranger.address],
    ['the owner', (_env, s) => s.proxy.owner.address],
    ['governance', (env) => env.governance.address],
    ['the guardian', (env) => env.guardian.address],
    ['another Root', (_env, s) => s.otherRoot],
    ["another node's Provider contract", (_env, s) => s.other.provider.address],
];

const FORGED = ROOT_MESSAGES.flatMap((m) => FORGERS.map(([who, from]) => [m, who, from] as const));

describe('Receivers only the Root may send to', () => {
    it('the samples decode as the messages they name', () => {
        const bodies = rootMessageBodies(ctx.env);
        for (const name of ROOT_MESSAGES) {
            expect(bodies[name].beginParse().preloadUint(32)).toBe(Provider.opcodes[name]);
        }
    });

    it.each(FORGED)('%s from %s is refused with ERR_NOT_ROOT', async (name, _who, from) => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const address = from(env, extra);
        const before = await captureProvider(env, n.provider);
        const result = await sendAs(env, address, n.provider.address, rootMessageBodies(env)[name], toNano('1'));
        await expectProviderRefused(env, n.provider, before, result, address, ERR_NOT_ROOT);
    });

    it.each(ROOT_MESSAGES.filter((m) => m !== 'ExecuteSlash' && m !== 'ReleaseFromJail'))('%s from the Root is accepted', async (name) => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        const r = await sendAs(env, env.root.address, n.provider.address, rootMessageBodies(env)[name]);
        expect(r.transactions).toHaveTransaction({ from: env.root.address, to: n.provider.address, success: true });
        expect((await n.provider.getState()).status).toBe(STATUS_ACTIVE);
    });

    it('ExecuteSlash and ReleaseFromJail from the Root are accepted: they jail, then release', async () => {
        const { env } = ctx;
        const n = await createNode(env, 'proxy', { seed: 'access-slash' });
        await activate(env, n);
        const bodies = rootMessageBodies(env);
        const slashed = await sendAs(env, env.root.address, n.provider.address, bodies.ExecuteSlash, toNano('0.2'));
        expect(slashed.transactions).toHaveTransaction({ from: env.root.address, to: n.provider.address, success: true });
        expect((await n.provider.getState()).status).toBe(STATUS_JAILED);
        const released = await sendAs(env, env.root.address, n.provider.address, bodies.ReleaseFromJail, toNano('0.2'));
        expect(released.transactions).toHaveTransaction({ from: env.root.address, to: n.provider.address, success: true });
        // The sample slash took 1 TON: below the proxy minimum, so registered rather than active.
        expect((await n.provider.getState()).status).toBe(STATUS_REGISTERED);
    });

    it("a forged verdict would have changed the parameters: the Root's own copy does (so the refusals above guard something)", async () => {
        const { env, extra } = ctx;
        const n = extra.proxy;
        expect((await n.provider.getRootView()).minStake).toBe(n.minStake);
        await sendAs(env, env.root.address, n.provider.address, rootMessageBodies(env).RootParams);
        const view = await n.provider.getRootView();
        expect([view.configVersion, view.minStake]).toEqual([99n, toNano('1')]);
    });
});
