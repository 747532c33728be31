/**
 * Least value per receiver: one nanoton below its minimum is refused with ERR_INSUFFICIENT_VALUE
 * and changes nothing; exactly the minimum is accepted on the receiver's dearest path (a proxy whose
 * action also lists or delists it), every transaction of the chain succeeds, and the Provider's own
 * balance pays nothing but its storage fee.
 */
import '@ton/test-utils';
import { SendMessageResult } from '@ton/sandbox';
import { Address } from '@ton/core';
import {
    ERR_INSUFFICIENT_VALUE,
    MIN_VALUE_ACTION,
    MIN_VALUE_CHECK,
    MIN_VALUE_REGISTER,
    MIN_VALUE_WITHDRAW,
    PROVIDER_STORAGE_BUFFER,
    Provider,
} from '../../wrappers/Provider';
import { Env } from '../fixtures/environment';
import {
    activate,
    aProxyProfile,
    balanceOf,
    createNode,
    expectAllSucceeded,
    Node,
    opsBetween,
    refuses,
    register,
    sendBind,
    teeKey,
} from '../helpers/provider';
import { setNow, sharedEnvironment, storageFees } from '../helpers/root';

interface Setup {
    fresh: Node; // proxy, not registered
    staked: Node; // proxy, registered and staked the minimum, nothing bound
    listed: Node; // proxy, active and listed
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        fresh: await createNode(env, 'proxy'),
        staked: await createNode(env, 'proxy', { nodeIndex: 1n }),
        listed: await createNode(env, 'proxy', { nodeIndex: 2n }),
    };
    await register(s.staked);
    await s.staked.provider.sendStake(s.staked.owner.getSender(), s.staked.minStake);
    await activate(env, s.listed);
    return s;
});

interface ValueCase {
    /** The value-checked message, sent by `from` with `value`. */
    send: (env: Env, s: Setup, value: bigint) => Promise<SendMessageResult>;
    node: (s: Setup) => Node;
    from: (env: Env, s: Setup) => Address;
    min: (s: Setup) => bigint;
    /** Gets the node to the state the receiver needs. */
    prepare?: (env: Env, s: Setup) => Promise<unknown>;
    /** What the accepted message must have sent to the Root (its dearest path). */
    toRoot: number[];
    /** Value the Provider keeps (+) or pays out (-) on purpose. */
    kept: (s: Setup) => bigint;
}

const CASES: [string, string, ValueCase][] = [
    [
        'RegisterProvider',
        'MIN_VALUE_REGISTER',
        {
            send: (_env, s, value) => s.fresh.provider.sendRegister(s.fresh.owner.getSender(), 'proxy', s.fresh.profile, 0n, value),
            node: (s) => s.fresh,
            from: (_env, s) => s.fresh.owner.address,
            min: () => MIN_VALUE_REGISTER,
            toRoot: [Provider.opcodes.QueryParams],
            kept: () => PROVIDER_STORAGE_BUFFER,
        },
    ],
    [
        'UpdateProfile (a listed proxy moving its endpoint)',
        'MIN_VALUE_ACTION',
        {
            send: (_env, s, value) =>
                s.listed.provider.sendUpdateProfile(
                    s.listed.owner.getSender(),
                    aProxyProfile({ endpoint: 'https://moved.example' }),
                    0n,
                    value,
                ),
            node: (s) => s.listed,
            from: (_env, s) => s.listed.owner.address,
            min: () => MIN_VALUE_ACTION,
            toRoot: [Provider.opcodes.ListProxyForRoot],
            kept: () => 0n,
        },
    ],
    [
        'BindAttestation (a staked proxy becoming active and listed)',
        'MIN_VALUE_CHECK',
        {
            send: async (env, s, value) => (await sendBind(env, s.staked, { value, key: teeKey('value') })).result,
            node: (s) => s.staked,
            from: (_env, s) => s.staked.owner.address,
            min: () => MIN_VALUE_CHECK,
            toRoot: [Provider.opcodes.QueryImage, Provider.opcodes.ListProxyForRoot],
            kept: () => 0n,
        },
    ],
    [
        'Recheck (a listed proxy suspended by a pause and delisted)',
        'MIN_VALUE_CHECK',
        {
            prepare: (env) => env.root.sendPause(env.guardian.getSender()),
            send: (env, s, value) => s.listed.provider.sendRecheck(env.stranger.getSender(), 0n, value),
            node: (s) => s.listed,
            from: (env) => env.stranger.address,
            min: () => MIN_VALUE_CHECK,
            toRoot: [Provider.opcodes.QueryImage, Provider.opcodes.DelistProxyForRoot],
            kept: () => 0n,
        },
    ],
    [
        'RequestExit (a listed proxy delisted)',
        'MIN_VALUE_ACTION',
        {
            send: (_env, s, value) => s.listed.provider.sendRequestExit(s.listed.owner.getSender(), 0n, value),
            node: (s) => s.listed,
            from: (_env, s) => s.listed.owner.address,
            min: () => MIN_VALUE_ACTION,
            toRoot: [Provider.opcodes.DelistProxyForRoot],
            kept: () => 0n,
        },
    ],
    [
        'Stake (a bound proxy becoming active and listed)',
        'amount + MIN_VALUE_ACTION',
        {
            prepare: async (env, s) => {
                await s.staked.provider.sendRequestUnstake(s.staked.owner.getSender(), 1n);
                await sendBind(env, s.staked);
            },
            send: (_env, s, value) => s.staked.provider.sendStake(s.staked.owner.getSender(), 1n, 0n, value - 1n),
            node: (s) => s.staked,
            from: (_env, s) => s.staked.owner.address,
            min: () => 1n + MIN_VALUE_ACTION,
            toRoot: [Provider.opcodes.ListProxyForRoot],
            kept: () => 1n,
        },
    ],
    [
        'RequestUnstake (a listed proxy falling below the minimum, delisted)',
        'MIN_VALUE_ACTION',
        {
            send: (_env, s, value) => s.listed.provider.sendRequestUnstake(s.listed.owner.getSender(), 1n, 0n, value),
            node: (s) => s.listed,
            from: (_env, s) => s.listed.owner.address,
            min: () => MIN_VALUE_ACTION,
            toRoot: [Provider.opcodes.DelistProxyForRoot],
            kept: () => 0n,
        },
    ],
    [
        'WithdrawStake (the last withdrawal of an exiting proxy)',
        'MIN_VALUE_WITHDRAW',
        {
            prepare: async (env, s) => {
                await s.listed.provider.sendRequestExit(s.listed.owner.getSender());
                setNow(env, (await s.listed.provider.getState()).unlockAt);
            },
            send: (_env, s, value) => s.listed.provider.sendWithdrawStake(s.listed.owner.getSender(), 0n, value),
            node: (s) => s.listed,
            from: (_env, s) => s.listed.owner.address,
            min: () => MIN_VALUE_WITHDRAW,
            toRoot: [],
            kept: (s) => -s.listed.minStake,
        },
    ],
];

describe('Least value per receiver', () => {
    it.each(CASES)('%s: below %s refused with ERR_INSUFFICIENT_VALUE, exactly that accepted', async (_name, _min, c) => {
        const { env, extra } = ctx;
        await c.prepare?.(env, extra);
        const p = c.node(extra).provider;
        const min = c.min(extra);
        await refuses(env, p, c.from(env, extra), ERR_INSUFFICIENT_VALUE, () => c.send(env, extra, min - 1n));
        const before = await balanceOf(env, p.address);
        const r = await c.send(env, extra, min);
        expectAllSucceeded(r);
        expect(r.transactions).toHaveTransaction({ from: c.from(env, extra), to: p.address, success: true });
        expect(opsBetween(r, p.address, env.root.address)).toEqual(c.toRoot);
        // the Provider's balance paid nothing but storage (listing replies may add to it)
        expect(await balanceOf(env, p.address)).toBeGreaterThanOrEqual(before + c.kept(extra) - storageFees(r, p.address));
    });

    it('a Stake whose value covers MIN_VALUE_ACTION but not the amount it claims is refused with ERR_INSUFFICIENT_VALUE', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        // claims 100 TON, attaches 0.15 TON
        await refuses(env, n.provider, n.owner.address, ERR_INSUFFICIENT_VALUE, () =>
            n.provider.send(
                n.owner.getSender(),
                { value: MIN_VALUE_ACTION + MIN_VALUE_WITHDRAW },
                { $$type: 'Stake', queryId: 0n, amount: n.minStake },
            ),
        );
        expect((await n.provider.getState()).stake).toBe(n.minStake);
    });
});
