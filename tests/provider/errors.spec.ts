/**
 * One triggering scenario per Provider exit code: every ERR_* constant of the generated wrapper in
 * 0x0600..0x07ff (registration, profile, binding, status, staking). Adding a code to the contracts
 * without a scenario here fails the first test. (The shared ERR_INSUFFICIENT_VALUE, 0x0103, is
 * raised by every receiver with a minimum: value.spec.)
 */
import '@ton/test-utils';
import { Address, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import * as ProviderWrapper from '../../wrappers/Provider';
import { CHECK_VALUE, signBindingClaim, storeBindAttestation } from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    activate,
    aWorkerProfile,
    cellOf,
    createNode,
    freeze,
    Node,
    ProviderContract,
    publicKeyInt,
    refuses,
    register,
    rootMessageBodies,
    sendAs,
    sendBind,
    stepwise,
    teeKey,
} from '../helpers/provider';
import { setNow, sharedEnvironment } from '../helpers/root';

interface Setup {
    fresh: Node; // worker, never registered
    registered: Node; // worker, registered
    active: Node; // worker, bound and staked the minimum
}

interface Scenario {
    provider: ProviderContract;
    from: Address;
    action: () => Promise<SendMessageResult>;
}

type Trigger = (env: Env, s: Setup) => Promise<Scenario>;

const PROVIDER_CODES = Object.entries(ProviderWrapper)
    .filter(([name, v]) => name.startsWith('ERR_') && typeof v === 'bigint' && v >= 0x0600n && v <= 0x07ffn)
    .map(([name, v]) => [name, v as bigint] as const);

const owner = (n: Node) => ({ provider: n.provider, from: n.owner.address });
const update = (n: Node, profile: ProviderWrapper.Profile) => () => n.provider.sendUpdateProfile(n.owner.getSender(), profile);
const badProfile =
    (o: Partial<ProviderWrapper.Profile>): Trigger =>
    async (_env, s) => ({ ...owner(s.registered), action: update(s.registered, { ...aWorkerProfile(), ...o }) });

async function unstake(n: Node, amount: bigint) {
    const r = await n.provider.sendRequestUnstake(n.owner.getSender(), amount);
    expect(r.transactions).toHaveTransaction({ to: n.provider.address, success: true });
}

const TRIGGERS: Record<string, Trigger> = {
    // 0x06xx: registration, profile, binding, status
    ERR_NOT_OWNER: async (env, s) => ({
        provider: s.active.provider,
        from: env.stranger.address,
        action: () => s.active.provider.sendStake(env.stranger.getSender(), toNano('1')),
    }),
    ERR_INVALID_ROLE: async (_env, s) => ({
        ...owner(s.fresh),
        action: () =>
            s.fresh.provider.send(
                s.fresh.owner.getSender(),
                { value: ProviderWrapper.REGISTER_VALUE },
                { $$type: 'RegisterProvider', queryId: 0n, role: 3n, profile: s.fresh.profile },
            ),
    }),
    ERR_ALREADY_REGISTERED: async (_env, s) => ({
        ...owner(s.registered),
        action: () => s.registered.provider.sendRegister(s.registered.owner.getSender(), 'worker', s.registered.profile),
    }),
    ERR_NOT_ROOT: async (env, s) => ({
        provider: s.active.provider,
        from: env.stranger.address,
        action: () => sendAs(env, env.stranger.address, s.active.provider.address, rootMessageBodies(env).FreezeWithdrawals),
    }),
    ERR_PROFILE_GPU: badProfile({ gpuCount: 0n }),
    ERR_PROFILE_HOURS: badProfile({ onlineHoursPerDay: 25n }),
    ERR_PROFILE_TEXT: badProfile({ region: '' }),
    ERR_PROFILE_MODELS: badProfile({ models: aWorkerProfile({ models: [] }).models }),
    ERR_PROFILE_PRICES: badProfile({ prices: { ...aWorkerProfile().prices, prompt: 1n } }),
    ERR_PROFILE_ENDPOINT: badProfile({ endpoint: 'https://worker.example' }),
    ERR_CHECK_PENDING: async (env, s) => {
        const n = s.active;
        const key = teeKey('pending');
        const expiresAt = BigInt(env.blockchain.now!) + 3600n;
        const body = cellOf(
            storeBindAttestation({
                $$type: 'BindAttestation',
                queryId: 1n,
                imageHash: n.image,
                attestationRoot: HASHES.root,
                teeKey: publicKeyInt(key),
                expiresAt,
                signature: signBindingClaim(key, n.provider.address, n.image, HASHES.root, expiresAt),
            }),
        );
        // the bind's first transaction only: its QueryImage is still on its way to the Root
        await (await stepwise(env, n.owner.address, n.provider.address, body, CHECK_VALUE)).step();
        return { ...owner(n), action: async () => (await sendBind(env, n, { key: teeKey('second') })).result };
    },
    ERR_BAD_TEE_SIGNATURE: async (env, s) => ({
        ...owner(s.active),
        action: async () => (await sendBind(env, s.active, { signature: Buffer.alloc(64) })).result,
    }),
    ERR_BINDING_EXPIRED: async (env, s) => ({
        ...owner(s.active),
        action: async () => (await sendBind(env, s.active, { expiresAt: BigInt(env.blockchain.now!) })).result,
    }),
    ERR_PROVIDER_CLOSED: async (_env, s) => {
        await s.active.provider.sendRequestExit(s.active.owner.getSender());
        return { ...owner(s.active), action: () => s.active.provider.sendStake(s.active.owner.getSender(), toNano('1')) };
    },
    ERR_NOT_REGISTERED: async (_env, s) => ({
        ...owner(s.fresh),
        action: () => s.fresh.provider.sendStake(s.fresh.owner.getSender(), toNano('1')),
    }),
    // 0x07xx: staking
    ERR_INVALID_AMOUNT: async (_env, s) => ({
        ...owner(s.active),
        action: () => s.active.provider.sendStake(s.active.owner.getSender(), 0n),
    }),
    ERR_INSUFFICIENT_STAKE: async (_env, s) => ({
        ...owner(s.active),
        action: () => s.active.provider.sendRequestUnstake(s.active.owner.getSender(), s.active.minStake + 1n),
    }),
    ERR_NOTHING_TO_WITHDRAW: async (_env, s) => ({
        ...owner(s.active),
        action: () => s.active.provider.sendWithdrawStake(s.active.owner.getSender()),
    }),
    ERR_UNBONDING_NOT_FINISHED: async (_env, s) => {
        await unstake(s.active, toNano('1'));
        return { ...owner(s.active), action: () => s.active.provider.sendWithdrawStake(s.active.owner.getSender()) };
    },
    ERR_WITHDRAWALS_FROZEN: async (env, s) => {
        await unstake(s.active, toNano('1'));
        await freeze(env, s.active.provider);
        setNow(env, (await s.active.provider.getState()).unlockAt);
        return { ...owner(s.active), action: () => s.active.provider.sendWithdrawStake(s.active.owner.getSender()) };
    },
    ERR_ALREADY_EXITING: async (_env, s) => {
        await s.active.provider.sendRequestExit(s.active.owner.getSender());
        return { ...owner(s.active), action: () => s.active.provider.sendRequestExit(s.active.owner.getSender()) };
    },
};

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        fresh: await createNode(env, 'worker'),
        registered: await createNode(env, 'worker', { nodeIndex: 1n }),
        active: await createNode(env, 'worker', { nodeIndex: 2n }),
    };
    await register(s.registered);
    await activate(env, s.active);
    return s;
});

describe('Provider exit codes', () => {
    it('every ERR_* of the wrapper in 0x0600..0x07ff has exactly one scenario, and the codes are distinct', () => {
        expect(PROVIDER_CODES.length).toBeGreaterThanOrEqual(21);
        expect(Object.keys(TRIGGERS).sort()).toEqual(PROVIDER_CODES.map(([name]) => name).sort());
        expect(new Set(PROVIDER_CODES.map(([, v]) => v)).size).toBe(PROVIDER_CODES.length);
        // none collides with a Tact/TVM standard code
        for (const [, v] of PROVIDER_CODES) expect(Object.values(ProviderWrapper.Provider.errors)).not.toContain(Number(v));
    });

    it.each(PROVIDER_CODES)('%s (%d) is raised by its scenario, which changes nothing', async (name, code) => {
        const { env, extra } = ctx;
        const trigger = TRIGGERS[name];
        expect(trigger).toBeDefined();
        const s = await trigger(env, extra);
        await refuses(env, s.provider, s.from, code, s.action);
    });
});
