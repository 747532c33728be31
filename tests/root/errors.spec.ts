/**
 * One triggering scenario per Root exit code: every ERR_* constant of the generated wrapper in
 * 0x0100..0x05ff (shared access codes and the Root's ranges). Adding a code to the contracts
 * without a scenario here fails the first test.
 */
import '@ton/test-utils';
import { Address, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import * as RootWrapper from '../../wrappers/Root';
import {
    emptyAttestationRoots,
    MAX_ATTESTATION_ROOTS,
    MAX_PENDING_PROPOSALS,
    MAX_PROXIES,
    Params,
    ROLE_PROXY,
    ROLE_WORKER,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { defaultParams, Env, HASHES, RootContract } from '../fixtures/environment';
import {
    createdProposal,
    deployRoot,
    expectAccepted,
    listProxy,
    masterchainAddress,
    proposeAndExecute,
    refuses,
    setNow,
    sharedEnvironment,
} from '../helpers/root';

interface Scenario {
    from: Address;
    action: () => Promise<SendMessageResult>;
    root?: RootContract;
}

type Trigger = (env: Env) => Promise<Scenario>;

const ROOT_CODES = Object.entries(RootWrapper)
    .filter(([name, v]) => name.startsWith('ERR_') && typeof v === 'bigint' && v >= 0x0100n && v <= 0x05ffn)
    .map(([name, v]) => [name, v as bigint] as const);

const badParams =
    (field: keyof Params, value: bigint): Trigger =>
    async (env) => ({
        from: env.governance.address,
        action: () => env.root.sendProposeParams(env.governance.getSender(), defaultParams(env.treasury.address, { [field]: value })),
    });

const gov = (env: Env) => env.governance;

const TRIGGERS: Record<string, Trigger> = {
    // 0x01xx
    ERR_NOT_GOVERNANCE: async (env) => ({ from: env.guardian.address, action: () => env.root.sendUnpause(env.guardian.getSender()) }),
    ERR_NOT_GOVERNANCE_OR_GUARDIAN: async (env) => ({
        from: env.stranger.address,
        action: () => env.root.sendPause(env.stranger.getSender()),
    }),
    ERR_INSUFFICIENT_VALUE: async (env) => ({
        from: env.governance.address,
        action: () => env.root.sendPause(env.governance.getSender(), 0n, toNano('0.049')),
    }),
    ERR_PAUSED: async (env) => {
        expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        return {
            from: await env.root.getProviderAddress(env.stranger.address, 0n),
            action: async () =>
                (await listProxy(env, { owner: env.stranger.address, imageHash: HASHES.proxyImage, attestationRoot: HASHES.root })).result,
        };
    },
    // 0x02xx
    ERR_PROPOSAL_NOT_FOUND: async (env) => ({
        from: env.stranger.address,
        action: () => env.root.sendExecuteProposal(env.stranger.getSender(), 5n),
    }),
    ERR_PROPOSAL_TOO_EARLY: async (env) => {
        const c = createdProposal(await env.root.sendProposeAddModel(gov(env).getSender(), HASHES.newModel), env.root.address);
        setNow(env, c.executeAfter - 1n);
        return { from: env.stranger.address, action: () => env.root.sendExecuteProposal(env.stranger.getSender(), c.proposalId) };
    },
    ERR_PROPOSAL_EXPIRED: async (env) => {
        const c = createdProposal(await env.root.sendProposeAddModel(gov(env).getSender(), HASHES.newModel), env.root.address);
        setNow(env, c.expiresAt + 1n);
        return { from: env.stranger.address, action: () => env.root.sendExecuteProposal(env.stranger.getSender(), c.proposalId) };
    },
    ERR_TOO_MANY_PROPOSALS: async (env) => {
        for (let i = 0n; i < MAX_PENDING_PROPOSALS; i++) await env.root.sendProposeAddModel(gov(env).getSender(), 0x10000n + i);
        return { from: env.governance.address, action: () => env.root.sendProposeAddModel(gov(env).getSender(), 0x20000n) };
    },
    ERR_NOT_PENDING_GOVERNANCE: async (env) => ({
        from: env.newGovernance.address,
        action: () => env.root.sendAcceptGovernance(env.newGovernance.getSender()),
    }),
    ERR_INVALID_GOVERNANCE: async (env) => ({
        from: env.governance.address,
        action: () => env.root.sendProposeGovernance(gov(env).getSender(), env.root.address),
    }),
    ERR_NO_GUARDIAN: async (env) => {
        expectAccepted(await env.root.sendRemoveGuardian(env.guardian.getSender()), env.guardian.address, env.root.address);
        return { from: env.governance.address, action: () => env.root.sendRemoveGuardian(gov(env).getSender()) };
    },
    // 0x03xx
    ERR_MIN_STAKE_WORKER_BOUNDS: badParams('minStakeWorker', RootWrapper.MIN_STAKE_LOWER - 1n),
    ERR_MIN_STAKE_PROXY_BOUNDS: badParams('minStakeProxy', RootWrapper.MIN_STAKE_UPPER + 1n),
    ERR_MIN_ESCROW_RESERVE_BOUNDS: badParams('minEscrowReserve', RootWrapper.MIN_ESCROW_RESERVE_LOWER - 1n),
    ERR_UNBONDING_DELAY_BOUNDS: badParams('unbondingDelay', RootWrapper.UNBONDING_DELAY_UPPER + 1n),
    ERR_CLIENT_CLOSE_DELAY_BOUNDS: badParams('clientCloseDelay', RootWrapper.CLOSE_DELAY_LOWER - 1n),
    ERR_PROXY_CLOSE_DELAY_BOUNDS: badParams('proxyCloseDelay', RootWrapper.CLOSE_DELAY_UPPER + 1n),
    ERR_ATTESTATION_LIFETIME_BOUNDS: badParams('attestationLifetime', RootWrapper.ATTESTATION_LIFETIME_LOWER - 1n),
    ERR_EQUIVOCATION_SLASH_BOUNDS: badParams('equivocationSlashBps', RootWrapper.EQUIVOCATION_SLASH_UPPER + 1n),
    ERR_REPORTER_SHARE_BOUNDS: badParams('reporterShareBps', RootWrapper.REPORTER_SHARE_UPPER + 1n),
    ERR_REPORTER_CAP_BOUNDS: badParams('reporterRewardCap', RootWrapper.REPORTER_CAP_UPPER + 1n),
    ERR_PROTOCOL_FEE_BOUNDS: badParams('protocolFeeBps', RootWrapper.PROTOCOL_FEE_UPPER + 1n),
    ERR_GOVERNANCE_DELAY_BOUNDS: badParams('governanceDelay', RootWrapper.GOVERNANCE_DELAY_LOWER - 1n),
    ERR_VETO_WINDOW_BOUNDS: badParams('vetoWindow', RootWrapper.VETO_WINDOW_UPPER + 1n),
    ERR_INVALID_TREASURY: async (env) => ({
        from: env.governance.address,
        action: () => env.root.sendProposeParams(gov(env).getSender(), defaultParams(masterchainAddress())),
    }),
    // 0x04xx
    ERR_TEST_ROOT_ON_PRODUCTION: async (env) => {
        const d = await deployRoot(env, { nonce: 1n, isTest: false, attestationRoots: emptyAttestationRoots() });
        expectAccepted(d.result, env.deployer.address, d.root.address);
        return {
            from: env.governance.address,
            root: d.root,
            action: () => d.root.sendProposeAddAttestationRoot(gov(env).getSender(), TEST_ATTESTATION_ROOT_HASH),
        };
    },
    ERR_ALLOWLIST_FULL: async (env) => {
        const roots = emptyAttestationRoots();
        for (let i = 0n; i < MAX_ATTESTATION_ROOTS; i++) roots.set(0x1000n + i, true);
        const d = await deployRoot(env, { nonce: 2n, attestationRoots: roots });
        expectAccepted(d.result, env.deployer.address, d.root.address);
        return {
            from: env.governance.address,
            root: d.root,
            action: () => d.root.sendProposeAddAttestationRoot(gov(env).getSender(), HASHES.newRoot),
        };
    },
    ERR_INVALID_ROLES: async (env) => ({
        from: env.guardian.address,
        action: () => env.root.sendRevokeImage(env.guardian.getSender(), HASHES.bothImage, 4n),
    }),
    ERR_NOT_IN_ALLOWLIST: async (env) => ({
        from: env.guardian.address,
        action: () => env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_PROXY),
    }),
    ERR_ALREADY_ALLOWED: async (env) => ({
        from: env.governance.address,
        action: () => env.root.sendProposeAddImage(gov(env).getSender(), HASHES.bothImage, ROLE_WORKER),
    }),
    // 0x05xx
    ERR_NOT_PROVIDER: async (env) => ({
        from: env.stranger.address,
        action: async () =>
            (
                await listProxy(env, {
                    owner: env.stranger.address,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    via: env.stranger.getSender(),
                })
            ).result,
    }),
    ERR_DIRECTORY_FULL: async (env) => {
        for (let i = 0n; i < MAX_PROXIES; i++) {
            await listProxy(env, { owner: env.stranger.address, nodeIndex: i, imageHash: HASHES.proxyImage, attestationRoot: HASHES.root });
        }
        expect((await env.root.getState()).proxyCount).toBe(MAX_PROXIES);
        return {
            from: await env.root.getProviderAddress(env.stranger.address, MAX_PROXIES),
            action: async () =>
                (
                    await listProxy(env, {
                        owner: env.stranger.address,
                        nodeIndex: MAX_PROXIES,
                        imageHash: HASHES.proxyImage,
                        attestationRoot: HASHES.root,
                    })
                ).result,
        };
    },
    ERR_IMAGE_NOT_ALLOWED: async (env) => ({
        from: await env.root.getProviderAddress(env.stranger.address, 0n),
        action: async () =>
            (await listProxy(env, { owner: env.stranger.address, imageHash: HASHES.workerImage, attestationRoot: HASHES.root })).result,
    }),
    ERR_ATTESTATION_ROOT_NOT_ALLOWED: async (env) => ({
        from: await env.root.getProviderAddress(env.stranger.address, 0n),
        action: async () =>
            (await listProxy(env, { owner: env.stranger.address, imageHash: HASHES.proxyImage, attestationRoot: HASHES.newRoot })).result,
    }),
    ERR_NOT_LISTED: async (env) => ({
        from: env.guardian.address,
        action: async () => env.root.sendDelistProxy(env.guardian.getSender(), await env.root.getProviderAddress(env.stranger.address, 0n)),
    }),
    ERR_INVALID_ENDPOINT: async (env) => ({
        from: await env.root.getProviderAddress(env.stranger.address, 0n),
        action: async () =>
            (
                await listProxy(env, {
                    owner: env.stranger.address,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    endpoint: '',
                })
            ).result,
    }),
};

const ctx = sharedEnvironment();

describe('Root exit codes', () => {
    it('every ERR_* of the wrapper in 0x0100..0x05ff has exactly one scenario, and the codes are distinct', () => {
        expect(ROOT_CODES.length).toBeGreaterThan(30);
        expect(Object.keys(TRIGGERS).sort()).toEqual(ROOT_CODES.map(([name]) => name).sort());
        expect(new Set(ROOT_CODES.map(([, v]) => v)).size).toBe(ROOT_CODES.length);
        // none collides with a Tact/TVM standard code
        for (const [, v] of ROOT_CODES) expect(Object.values(RootWrapper.Root.errors)).not.toContain(Number(v));
    });

    it.each(ROOT_CODES)('%s (%d) is raised by its scenario, which changes nothing', async (name, code) => {
        const { env } = ctx;
        const trigger = TRIGGERS[name];
        expect(trigger).toBeDefined();
        const s = await trigger(env);
        await refuses(env, s.from, code, s.action, s.root ?? env.root);
    });

    it('the same scenarios with the failing condition removed succeed (spot checks)', async () => {
        const { env } = ctx;
        // ERR_INSUFFICIENT_VALUE: exactly the minimum works
        expectAccepted(
            await env.root.sendPause(gov(env).getSender(), 0n, RootWrapper.MIN_VALUE_GOVERNANCE),
            env.governance.address,
            env.root.address,
        );
        // ERR_NOT_PENDING_GOVERNANCE: after a hand-over is executed, the candidate can accept
        expectAccepted(await env.root.sendUnpause(gov(env).getSender()), env.governance.address, env.root.address);
        await proposeAndExecute(env, () => env.root.sendProposeGovernance(gov(env).getSender(), env.newGovernance.address));
        expectAccepted(await env.root.sendAcceptGovernance(env.newGovernance.getSender()), env.newGovernance.address, env.root.address);
    });
});
