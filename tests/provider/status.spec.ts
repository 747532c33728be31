/**
 * The status machine: registered, active and suspended move among each other as binding and stake
 * change; any of them -> exiting -> exited with the last withdrawal (straight to exited when nothing
 * is staked or unbonding). Each transition with the ProviderStatusChanged event it emits, and each
 * refused action with its code. (Jailed belongs to slashing, which does not exist yet.)
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ERR_ALREADY_EXITING,
    ERR_NOT_REGISTERED,
    ERR_NOTHING_TO_WITHDRAW,
    ERR_INSUFFICIENT_STAKE,
    ERR_PROVIDER_CLOSED,
    ERR_UNBONDING_NOT_FINISHED,
    ROLE_WORKER,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
} from '../../wrappers/Provider';
import { defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    activate,
    aWorkerProfile,
    bind,
    createNode,
    eventsOf,
    expectAllSucceeded,
    Node,
    refuses,
    register,
    sendBind,
    stake,
    status,
    statusChanges,
    teeKey,
} from '../helpers/provider';
import { proposeAndExecute, setNow, sharedEnvironment } from '../helpers/root';

interface Setup {
    fresh: Node; // never registered
    registered: Node; // registered, nothing bound or staked
    active: Node; // bound to the worker image and staked the minimum
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        fresh: await createNode(env, 'worker', { nodeIndex: 9n }),
        registered: await createNode(env, 'worker', { nodeIndex: 1n }),
        active: await createNode(env, 'worker', { nodeIndex: 2n }),
    };
    await register(s.registered);
    await activate(env, s.active);
    return s;
});

const statusChangedTo = (prev: bigint, next: bigint, stakeAfter: bigint) => [
    { $$type: 'ProviderStatusChanged', previous: prev, status: next, stake: stakeAfter },
];

async function recheck(env: Env, n: Node) {
    const r = await n.provider.sendRecheck(env.stranger.getSender());
    expectAllSucceeded(r);
    return r;
}

/** The three revocations, each with the way governance restores the trust afterwards. */
const REVOCATIONS: [string, (env: Env) => Promise<unknown>, (env: Env) => Promise<unknown>][] = [
    [
        'its image revoked for workers',
        (env) => env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_WORKER),
        (env) => proposeAndExecute(env, () => env.root.sendProposeAddImage(env.governance.getSender(), HASHES.workerImage, ROLE_WORKER)),
    ],
    [
        'its attestation root revoked',
        (env) => env.root.sendRevokeAttestationRoot(env.guardian.getSender(), HASHES.root),
        (env) => proposeAndExecute(env, () => env.root.sendProposeAddAttestationRoot(env.governance.getSender(), HASHES.root)),
    ],
    ['the Root paused', (env) => env.root.sendPause(env.guardian.getSender()), (env) => env.root.sendUnpause(env.governance.getSender())],
];

describe('Status transitions', () => {
    it('registered → active by staking the minimum once bound, and by binding once staked', async () => {
        const { env, extra } = ctx;
        const n = extra.registered;
        const st = await stake(n);
        expect(statusChanges(st, n.provider.address)).toEqual([]);
        expect(await status(n.provider)).toBe(STATUS_REGISTERED);
        const { result } = await bind(env, n);
        expect(eventsOf(result, n.provider.address, 'ProviderStatusChanged')).toEqual(
            statusChangedTo(STATUS_REGISTERED, STATUS_ACTIVE, n.minStake),
        );
        expect(await status(n.provider)).toBe(STATUS_ACTIVE);
    });

    it('active → registered by unstaking below the minimum (one nanoton is enough)', async () => {
        const { extra } = ctx;
        const n = extra.active;
        const r = await n.provider.sendRequestUnstake(n.owner.getSender(), 1n);
        expect(eventsOf(r, n.provider.address, 'ProviderStatusChanged')).toEqual(
            statusChangedTo(STATUS_ACTIVE, STATUS_REGISTERED, n.minStake - 1n),
        );
        // and back by topping up
        const back = await stake(n, 1n);
        expect(statusChanges(back, n.provider.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
    });

    it('active → registered when the Root raises the minimum and a re-check learns it', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        await proposeAndExecute(env, () =>
            env.root.sendProposeParams(
                env.governance.getSender(),
                defaultParams(env.treasury.address, { minStakeWorker: n.minStake + 1n }),
            ),
        );
        expect(await status(n.provider)).toBe(STATUS_ACTIVE);
        const r = await recheck(env, n);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_REGISTERED]]);
        expect((await n.provider.getRootView()).minStake).toBe(n.minStake + 1n);
    });

    it.each(REVOCATIONS)(
        'active → suspended by %s and a re-check; suspended → active once trust is restored and re-checked',
        async (_name, revoke, restore) => {
            const { env, extra } = ctx;
            const n = extra.active;
            const p = n.provider;
            await revoke(env);
            // a revocation reaches no Provider by itself
            expect(await status(p)).toBe(STATUS_ACTIVE);
            const r = await recheck(env, n);
            expect(eventsOf(r, p.address, 'ProviderStatusChanged')).toEqual(statusChangedTo(STATUS_ACTIVE, STATUS_SUSPENDED, n.minStake));
            expect(eventsOf(r, p.address, 'BindingChanged').map((e) => e.revoked)).toEqual([true]);
            expect((await p.getBinding())!.revoked).toBe(true);
            expect(await p.getStatusNow()).toBe(STATUS_SUSPENDED);
            // a second re-check changes nothing
            const again = await recheck(env, n);
            expect(eventsOf(again, p.address, 'ProviderStatusChanged')).toEqual([]);
            expect(eventsOf(again, p.address, 'BindingChanged')).toEqual([]);

            await restore(env);
            expect(await status(p)).toBe(STATUS_SUSPENDED);
            const back = await recheck(env, n);
            expect(eventsOf(back, p.address, 'ProviderStatusChanged')).toEqual(
                statusChangedTo(STATUS_SUSPENDED, STATUS_ACTIVE, n.minStake),
            );
            expect(eventsOf(back, p.address, 'BindingChanged').map((e) => e.revoked)).toEqual([false]);
            expect((await p.getBinding())!.revoked).toBe(false);
        },
    );

    it('a grant of trust waits for the governance delay: a re-check before execution keeps the node suspended', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        await env.root.sendRevokeAttestationRoot(env.guardian.getSender(), HASHES.root);
        await recheck(env, n);
        await env.root.sendProposeAddAttestationRoot(env.governance.getSender(), HASHES.root);
        env.blockchain.now! += 3600;
        await recheck(env, n);
        expect(await status(n.provider)).toBe(STATUS_SUSPENDED);
    });

    it('active → suspended by expiry and a re-check; statusNow shows it before anyone re-checks', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        const p = n.provider;
        const { expiresAt } = (await p.getBinding())!;
        setNow(env, expiresAt - 1n);
        const early = await recheck(env, n);
        expect(statusChanges(early, p.address)).toEqual([]);
        expect(await p.getStatusNow()).toBe(STATUS_ACTIVE);
        setNow(env, expiresAt);
        expect(await p.getStatusNow()).toBe(STATUS_SUSPENDED);
        expect(await status(p)).toBe(STATUS_ACTIVE);
        const r = await recheck(env, n);
        expect(eventsOf(r, p.address, 'ProviderStatusChanged')).toEqual(statusChangedTo(STATUS_ACTIVE, STATUS_SUSPENDED, n.minStake));
        // expiry is not a revocation: the binding is unchanged
        expect(eventsOf(r, p.address, 'BindingChanged')).toEqual([]);
        expect((await p.getBinding())!.revoked).toBe(false);
    });

    it('suspended → active by re-binding, after an expiry and after a revoked image', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        const p = n.provider;
        setNow(env, (await p.getBinding())!.expiresAt);
        await recheck(env, n);
        expect(await status(p)).toBe(STATUS_SUSPENDED);
        const fresh = await bind(env, n, { key: teeKey('after-expiry') });
        expect(statusChanges(fresh.result, p.address)).toEqual([[STATUS_SUSPENDED, STATUS_ACTIVE]]);

        await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_WORKER);
        await recheck(env, n);
        expect(await status(p)).toBe(STATUS_SUSPENDED);
        // the same image is refused now; an image still allowed for workers restores the node
        const refused = await sendBind(env, n);
        expect(eventsOf(refused.result, p.address, 'BindingRefused')).toHaveLength(1);
        expect(await status(p)).toBe(STATUS_SUSPENDED);
        const rebound = await bind(env, n, { image: HASHES.bothImage });
        expect(statusChanges(rebound.result, p.address)).toEqual([[STATUS_SUSPENDED, STATUS_ACTIVE]]);
        expect((await p.getBinding())!.revoked).toBe(false);
    });

    it.each([
        ['registered', STATUS_REGISTERED],
        ['active', STATUS_ACTIVE],
        ['suspended', STATUS_SUSPENDED],
    ])('%s → exiting: all stake starts unbonding', async (_name, from) => {
        const { env, extra } = ctx;
        const n = extra.active;
        const p = n.provider;
        if (from === STATUS_REGISTERED) await p.sendRequestUnstake(n.owner.getSender(), toNano('1'));
        if (from === STATUS_SUSPENDED) {
            setNow(env, (await p.getBinding())!.expiresAt);
            await recheck(env, n);
        }
        expect(await status(p)).toBe(from);
        const before = await p.getState();
        const r = await p.sendRequestExit(n.owner.getSender());
        expectAllSucceeded(r);
        expect(eventsOf(r, p.address, 'ProviderStatusChanged')).toEqual(statusChangedTo(from, STATUS_EXITING, 0n));
        const s = await p.getState();
        const delay = (await p.getRootView()).unbondingDelay;
        expect([s.status, s.stake, s.unbonding, s.unlockAt]).toEqual([
            STATUS_EXITING,
            0n,
            before.stake + before.unbonding,
            BigInt(env.blockchain.now!) + delay,
        ]);
    });

    it('registered → exited at once when nothing is staked or unbonding: there is nothing to wait for', async () => {
        const { env, extra } = ctx;
        const n = extra.registered;
        const p = n.provider;
        const r = await p.sendRequestExit(n.owner.getSender());
        expectAllSucceeded(r);
        expect(eventsOf(r, p.address, 'ProviderStatusChanged')).toEqual(statusChangedTo(STATUS_REGISTERED, STATUS_EXITED, 0n));
        const s = await p.getState();
        expect([s.status, s.stake, s.unbonding]).toEqual([STATUS_EXITED, 0n, 0n]);
        await refuses(env, p, n.owner.address, ERR_ALREADY_EXITING, () => p.sendRequestExit(n.owner.getSender()));
        await refuses(env, p, n.owner.address, ERR_NOTHING_TO_WITHDRAW, () => p.sendWithdrawStake(n.owner.getSender()));
    });

    it('an active node that already withdrew everything it unstaked exits at once too', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        const p = n.provider;
        await p.sendRequestUnstake(n.owner.getSender(), n.minStake);
        setNow(env, (await p.getState()).unlockAt);
        await p.sendWithdrawStake(n.owner.getSender());
        expect(await status(p)).toBe(STATUS_REGISTERED);
        const r = await p.sendRequestExit(n.owner.getSender());
        expect(statusChanges(r, p.address)).toEqual([[STATUS_REGISTERED, STATUS_EXITED]]);
    });

    it('exiting → exited with the last withdrawal, not before; a re-check while exiting keeps it exiting', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        const p = n.provider;
        await p.sendRequestExit(n.owner.getSender());
        const r = await recheck(env, n);
        expect(statusChanges(r, p.address)).toEqual([]);
        expect(await status(p)).toBe(STATUS_EXITING);
        const { unlockAt } = await p.getState();
        setNow(env, unlockAt - 1n);
        await refuses(env, p, n.owner.address, ERR_UNBONDING_NOT_FINISHED, () => p.sendWithdrawStake(n.owner.getSender()));
        setNow(env, unlockAt);
        const w = await p.sendWithdrawStake(n.owner.getSender());
        expect(eventsOf(w, p.address, 'ProviderStatusChanged')).toEqual(statusChangedTo(STATUS_EXITING, STATUS_EXITED, 0n));
        expect(await status(p)).toBe(STATUS_EXITED);
        expect(await p.getStatusNow()).toBe(STATUS_EXITED);
    });
});

describe('Refused transitions', () => {
    /** Exits the active node; with `withdrawn` also waits and withdraws everything (exited). */
    async function exitNode(env: Env, n: Node, withdrawn: boolean) {
        await n.provider.sendRequestExit(n.owner.getSender());
        if (withdrawn) {
            setNow(env, (await n.provider.getState()).unlockAt);
            await n.provider.sendWithdrawStake(n.owner.getSender());
        }
        expect(await status(n.provider)).toBe(withdrawn ? STATUS_EXITED : STATUS_EXITING);
    }

    it.each([
        ['exiting', false],
        ['exited', true],
    ])(
        'once %s: stake, bind and profile updates are refused with ERR_PROVIDER_CLOSED, another exit with ERR_ALREADY_EXITING',
        async (_name, withdrawn) => {
            const { env, extra } = ctx;
            const n = extra.active;
            const p = n.provider;
            await exitNode(env, n, withdrawn);
            const owner = n.owner.address;
            await refuses(env, p, owner, ERR_PROVIDER_CLOSED, () => p.sendStake(n.owner.getSender(), n.minStake));
            await refuses(env, p, owner, ERR_PROVIDER_CLOSED, async () => (await sendBind(env, n, { key: teeKey('late') })).result);
            await refuses(env, p, owner, ERR_PROVIDER_CLOSED, () =>
                p.sendUpdateProfile(n.owner.getSender(), aWorkerProfile({ region: 'elsewhere' })),
            );
            await refuses(env, p, owner, ERR_ALREADY_EXITING, () => p.sendRequestExit(n.owner.getSender()));
            // nothing is staked any more
            await refuses(env, p, owner, ERR_INSUFFICIENT_STAKE, () => p.sendRequestUnstake(n.owner.getSender(), 1n));
        },
    );

    it('once exited a re-check is refused with ERR_PROVIDER_CLOSED and a withdrawal with ERR_NOTHING_TO_WITHDRAW', async () => {
        const { env, extra } = ctx;
        const n = extra.active;
        await exitNode(env, n, true);
        await refuses(env, n.provider, env.stranger.address, ERR_PROVIDER_CLOSED, () => n.provider.sendRecheck(env.stranger.getSender()));
        await refuses(env, n.provider, n.owner.address, ERR_NOTHING_TO_WITHDRAW, () => n.provider.sendWithdrawStake(n.owner.getSender()));
    });

    it('before registration, stake, bind, profile update, exit and re-check are refused with ERR_NOT_REGISTERED', async () => {
        const { env, extra } = ctx;
        const n = extra.fresh;
        const p = n.provider;
        const owner = n.owner.address;
        await refuses(env, p, owner, ERR_NOT_REGISTERED, () => p.sendStake(n.owner.getSender(), n.minStake));
        await refuses(env, p, owner, ERR_NOT_REGISTERED, async () => (await sendBind(env, n)).result);
        await refuses(env, p, owner, ERR_NOT_REGISTERED, () => p.sendUpdateProfile(n.owner.getSender(), aWorkerProfile()));
        await refuses(env, p, owner, ERR_NOT_REGISTERED, () => p.sendRequestExit(n.owner.getSender()));
        await refuses(env, p, env.stranger.address, ERR_NOT_REGISTERED, () => p.sendRecheck(env.stranger.getSender()));
        // the staking receivers answer by their own first failing check: nothing is staked or unbonding
        await refuses(env, p, owner, ERR_INSUFFICIENT_STAKE, () => p.sendRequestUnstake(n.owner.getSender(), 1n));
        await refuses(env, p, owner, ERR_NOTHING_TO_WITHDRAW, () => p.sendWithdrawStake(n.owner.getSender()));
        // registering still works afterwards
        await register(n);
        expect(await status(p)).toBe(STATUS_REGISTERED);
    });
});
