/**
 * Proposals: grants of trust wait for the governance delay, expire after the grace period, can be
 * cancelled, are bounded in number, are re-validated when executed, and each kind does what it
 * says. The governance hand-over is two-step.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    emptyImages,
    emptyAttestationRoots,
    emptyModels,
    ERR_ALLOWLIST_FULL,
    ERR_ALREADY_ALLOWED,
    ERR_INVALID_GOVERNANCE,
    ERR_NO_GUARDIAN,
    ERR_NOT_GOVERNANCE,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_NOT_PENDING_GOVERNANCE,
    ERR_PAUSED,
    ERR_PROPOSAL_EXPIRED,
    ERR_PROPOSAL_NOT_FOUND,
    ERR_PROPOSAL_TOO_EARLY,
    ERR_TOO_MANY_PROPOSALS,
    loadProposeAddModel,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    MAX_PENDING_PROPOSALS,
    PROPOSAL_GRACE_PERIOD,
    ROLE_PROXY,
    ROLE_WORKER,
    ROLES_ALL,
} from '../../wrappers/Root';
import { DAY, defaultParams, Env, HASHES, RootContract } from '../fixtures/environment';
import {
    captureRoot,
    createdProposal,
    deployRoot,
    excessesTo,
    expectAccepted,
    plain,
    proposeAndExecute,
    refuses,
    setNow,
    sharedEnvironment,
} from '../helpers/root';

const ctx = sharedEnvironment();

/** Proposes adding `modelHash` and returns the ProposalCreated event. */
async function proposeModel(env: Env, modelHash: bigint, root: RootContract = env.root) {
    const r = await root.sendProposeAddModel(env.governance.getSender(), modelHash, 3n);
    expectAccepted(r, env.governance.address, root.address);
    return createdProposal(r, root.address);
}

describe('proposal timing', () => {
    it('records the proposal with executeAfter = now + governanceDelay and expiresAt = executeAfter + grace', async () => {
        const { env } = ctx;
        const { root } = env;
        const t0 = env.blockchain.now!;
        const created = await proposeModel(env, HASHES.newModel);
        const delay = (await root.getParams()).governanceDelay;
        expect(created.executeAfter).toBe(BigInt(t0) + delay);
        expect(created.expiresAt).toBe(created.executeAfter + PROPOSAL_GRACE_PERIOD);
        const stored = await root.getProposal(created.proposalId);
        expect(stored).not.toBeNull();
        expect(stored!.executeAfter).toBe(created.executeAfter);
        expect(stored!.expiresAt).toBe(created.expiresAt);
        const body = loadProposeAddModel(stored!.body.beginParse());
        expect(body).toEqual({ $$type: 'ProposeAddModel', queryId: 3n, modelHash: HASHES.newModel });
        const pending = await root.getPendingProposals();
        expect(pending.map((p) => BigInt(p.id))).toEqual([created.proposalId]);
        const state = await root.getState();
        expect(state.proposalCount).toBe(1n);
        expect(state.nextProposalId).toBe(1n);
        expect(await root.getIsModelAllowed(HASHES.newModel)).toBe(false);
    });

    it('refuses execution before executeAfter, up to executeAfter - 1, with ERR_PROPOSAL_TOO_EARLY', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        for (const t of [BigInt(env.blockchain.now!), created.executeAfter - 3600n, created.executeAfter - 1n]) {
            setNow(env, t);
            await refuses(env, env.stranger.address, ERR_PROPOSAL_TOO_EARLY, () =>
                env.root.sendExecuteProposal(env.stranger.getSender(), created.proposalId),
            );
        }
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(false);
    });

    it.each([
        ['exactly executeAfter', 0n],
        ['a day after executeAfter', BigInt(DAY)],
        ['exactly expiresAt', PROPOSAL_GRACE_PERIOD],
    ])('executes at %s', async (_label, offset) => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        setNow(env, created.executeAfter + offset);
        const r = await env.root.sendExecuteProposal(env.stranger.getSender(), created.proposalId);
        expectAccepted(r, env.stranger.address, env.root.address);
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(true);
        expect(await env.root.getProposal(created.proposalId)).toBeNull();
        expect((await env.root.getState()).proposalCount).toBe(0n);
    });

    it('refuses execution after expiresAt with ERR_PROPOSAL_EXPIRED', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        for (const t of [created.expiresAt + 1n, created.expiresAt + BigInt(365 * DAY)]) {
            setNow(env, t);
            await refuses(env, env.stranger.address, ERR_PROPOSAL_EXPIRED, () =>
                env.root.sendExecuteProposal(env.stranger.getSender(), created.proposalId),
            );
            await refuses(env, env.governance.address, ERR_PROPOSAL_EXPIRED, () =>
                env.root.sendExecuteProposal(env.governance.getSender(), created.proposalId),
            );
        }
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(false);
        expect((await env.root.getState()).proposalCount).toBe(1n);
    });

    it('anyone may clear an expired proposal, but not before it expires', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        for (const t of [created.executeAfter, created.expiresAt]) {
            setNow(env, t);
            await refuses(env, env.stranger.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () =>
                env.root.sendCancelProposal(env.stranger.getSender(), created.proposalId),
            );
        }
        setNow(env, created.expiresAt + 1n);
        const r = await env.root.sendCancelProposal(env.stranger.getSender(), created.proposalId, 12n);
        expectAccepted(r, env.stranger.address, env.root.address);
        expect(excessesTo(r, env.root.address, env.stranger.address).queryId).toBe(12n);
        expect(await env.root.getProposal(created.proposalId)).toBeNull();
        expect((await env.root.getState()).proposalCount).toBe(0n);
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(false);
    });

    it('an unknown proposal id is refused with ERR_PROPOSAL_NOT_FOUND', async () => {
        const { env } = ctx;
        await proposeModel(env, HASHES.newModel);
        await refuses(env, env.stranger.address, ERR_PROPOSAL_NOT_FOUND, () => env.root.sendExecuteProposal(env.stranger.getSender(), 1n));
        await refuses(env, env.stranger.address, ERR_PROPOSAL_NOT_FOUND, () =>
            env.root.sendExecuteProposal(env.stranger.getSender(), 0xffffffffn),
        );
    });

    it('an executed proposal cannot run twice', async () => {
        const { env } = ctx;
        const { id } = await proposeAndExecute(env, () => env.root.sendProposeAddModel(env.governance.getSender(), HASHES.newModel));
        await refuses(env, env.stranger.address, ERR_PROPOSAL_NOT_FOUND, () => env.root.sendExecuteProposal(env.stranger.getSender(), id));
    });
});

describe('cancellation', () => {
    it.each(['governance', 'guardian'] as const)('a proposal cancelled by %s never runs', async (who) => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        const canceller = env[who];
        const r = await env.root.sendCancelProposal(canceller.getSender(), created.proposalId, 11n);
        expectAccepted(r, canceller.address, env.root.address);
        expect(excessesTo(r, env.root.address, canceller.address).queryId).toBe(11n);
        expect(await env.root.getProposal(created.proposalId)).toBeNull();
        expect((await env.root.getState()).proposalCount).toBe(0n);

        for (const t of [created.executeAfter, created.expiresAt]) {
            setNow(env, t);
            await refuses(env, env.stranger.address, ERR_PROPOSAL_NOT_FOUND, () =>
                env.root.sendExecuteProposal(env.stranger.getSender(), created.proposalId),
            );
            await refuses(env, env.governance.address, ERR_PROPOSAL_NOT_FOUND, () =>
                env.root.sendExecuteProposal(env.governance.getSender(), created.proposalId),
            );
        }
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(false);
    });

    it('cancelling an unknown or already cancelled proposal is refused with ERR_PROPOSAL_NOT_FOUND', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        await refuses(env, env.governance.address, ERR_PROPOSAL_NOT_FOUND, () =>
            env.root.sendCancelProposal(env.governance.getSender(), created.proposalId + 1n),
        );
        expectAccepted(
            await env.root.sendCancelProposal(env.governance.getSender(), created.proposalId),
            env.governance.address,
            env.root.address,
        );
        await refuses(env, env.guardian.address, ERR_PROPOSAL_NOT_FOUND, () =>
            env.root.sendCancelProposal(env.guardian.getSender(), created.proposalId),
        );
    });
});

describe('pending proposal bound', () => {
    it(`accepts ${MAX_PENDING_PROPOSALS} pending proposals and refuses one more with ERR_TOO_MANY_PROPOSALS`, async () => {
        const { env } = ctx;
        const ids: bigint[] = [];
        for (let i = 0n; i < MAX_PENDING_PROPOSALS; i++) ids.push((await proposeModel(env, 0x10000n + i)).proposalId);
        expect((await env.root.getState()).proposalCount).toBe(MAX_PENDING_PROPOSALS);

        // every kind of proposal is refused at the bound
        const g = env.governance;
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () => env.root.sendProposeAddModel(g.getSender(), 0x20000n));
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () => env.root.sendProposeAddAttestationRoot(g.getSender(), HASHES.newRoot));
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () =>
            env.root.sendProposeAddImage(g.getSender(), HASHES.newImage, ROLE_WORKER),
        );
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () =>
            env.root.sendProposeParams(g.getSender(), defaultParams(env.treasury.address)),
        );
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () => env.root.sendProposeGuardian(g.getSender(), null));
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () =>
            env.root.sendProposeGovernance(g.getSender(), env.newGovernance.address),
        );

        // a cancellation frees a slot
        expectAccepted(await env.root.sendCancelProposal(g.getSender(), ids[0]), g.address, env.root.address);
        const extra = await proposeModel(env, 0x20000n);
        await refuses(env, g.address, ERR_TOO_MANY_PROPOSALS, () => env.root.sendProposeAddModel(g.getSender(), 0x20001n));

        // so does an execution
        setNow(env, extra.executeAfter);
        expectAccepted(await env.root.sendExecuteProposal(env.stranger.getSender(), ids[1]), env.stranger.address, env.root.address);
        await proposeModel(env, 0x20001n);
        expect((await env.root.getState()).proposalCount).toBe(MAX_PENDING_PROPOSALS);
    });
});

describe('who may execute', () => {
    it('anyone may execute a due proposal while the Root is not paused; the excess goes back to the executor', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        setNow(env, created.executeAfter);
        const r = await env.root.sendExecuteProposal(env.stranger.getSender(), created.proposalId, 42n);
        expectAccepted(r, env.stranger.address, env.root.address);
        expect(excessesTo(r, env.root.address, env.stranger.address).queryId).toBe(42n);
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(true);
    });

    it('while paused only governance may execute; others get ERR_PAUSED', async () => {
        const { env } = ctx;
        const created = await proposeModel(env, HASHES.newModel);
        expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        setNow(env, created.executeAfter);
        for (const who of [env.stranger, env.guardian, env.newGovernance]) {
            await refuses(env, who.address, ERR_PAUSED, () => env.root.sendExecuteProposal(who.getSender(), created.proposalId));
        }
        const r = await env.root.sendExecuteProposal(env.governance.getSender(), created.proposalId);
        expectAccepted(r, env.governance.address, env.root.address);
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(true);
    });
});

describe('execution re-validates', () => {
    /** A Root whose allowlists are `left` entries short of full. */
    async function nearlyFullRoot(env: Env, list: 'images' | 'roots' | 'models', left: bigint) {
        const images = emptyImages();
        const roots = emptyAttestationRoots();
        const models = emptyModels();
        const fill = (max: bigint, set: (k: bigint) => void) => {
            for (let i = 0n; i < max - left; i++) set(0x100000n + i);
        };
        if (list === 'images') fill(MAX_IMAGES, (k) => images.set(k, Number(ROLE_WORKER)));
        if (list === 'roots') fill(MAX_ATTESTATION_ROOTS, (k) => roots.set(k, true));
        if (list === 'models') fill(MAX_MODELS, (k) => models.set(k, true));
        const d = await deployRoot(env, { nonce: 77n, images, attestationRoots: roots, models });
        expectAccepted(d.result, env.deployer.address, d.root.address);
        return d.root;
    }

    it('two image proposals for the last free slot: the second fails at execution with ERR_ALLOWLIST_FULL', async () => {
        const { env } = ctx;
        const root = await nearlyFullRoot(env, 'images', 1n);
        expect((await root.getState()).imageCount).toBe(MAX_IMAGES - 1n);
        const g = env.governance;
        const a = createdProposal(await root.sendProposeAddImage(g.getSender(), HASHES.newImage, ROLE_PROXY), root.address);
        const b = createdProposal(await root.sendProposeAddImage(g.getSender(), HASHES.proxyImage, ROLE_PROXY), root.address);
        setNow(env, b.executeAfter);
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), a.proposalId), env.stranger.address, root.address);
        expect((await root.getState()).imageCount).toBe(MAX_IMAGES);
        await refuses(
            env,
            env.stranger.address,
            ERR_ALLOWLIST_FULL,
            () => root.sendExecuteProposal(env.stranger.getSender(), b.proposalId),
            root,
        );
        // still pending; once a slot frees up it can run
        expect(await root.getProposal(b.proposalId)).not.toBeNull();
        expectAccepted(
            await root.sendRevokeImage(env.guardian.getSender(), HASHES.newImage, ROLE_PROXY),
            env.guardian.address,
            root.address,
        );
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), b.proposalId), env.stranger.address, root.address);
        expect(await root.getIsImageAllowed(HASHES.proxyImage, ROLE_PROXY)).toBe(true);
    });

    it('two attestation root proposals for the last free slot: the second fails with ERR_ALLOWLIST_FULL', async () => {
        const { env } = ctx;
        const root = await nearlyFullRoot(env, 'roots', 1n);
        const g = env.governance;
        const a = createdProposal(await root.sendProposeAddAttestationRoot(g.getSender(), HASHES.root), root.address);
        const b = createdProposal(await root.sendProposeAddAttestationRoot(g.getSender(), HASHES.newRoot), root.address);
        setNow(env, b.executeAfter);
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), a.proposalId), env.stranger.address, root.address);
        expect((await root.getState()).attestationRootCount).toBe(MAX_ATTESTATION_ROOTS);
        await refuses(
            env,
            env.stranger.address,
            ERR_ALLOWLIST_FULL,
            () => root.sendExecuteProposal(env.stranger.getSender(), b.proposalId),
            root,
        );
    });

    it('two model proposals for the last free slot: the second fails with ERR_ALLOWLIST_FULL', async () => {
        const { env } = ctx;
        const root = await nearlyFullRoot(env, 'models', 1n);
        const a = await proposeModel(env, HASHES.model, root);
        const b = await proposeModel(env, HASHES.newModel, root);
        setNow(env, b.executeAfter);
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), a.proposalId), env.stranger.address, root.address);
        expect((await root.getState()).modelCount).toBe(MAX_MODELS);
        await refuses(
            env,
            env.stranger.address,
            ERR_ALLOWLIST_FULL,
            () => root.sendExecuteProposal(env.stranger.getSender(), b.proposalId),
            root,
        );
    });

    it('the same grant proposed twice: the second execution fails with ERR_ALREADY_ALLOWED', async () => {
        const { env } = ctx;
        const g = env.governance;
        const pairs = [
            () => env.root.sendProposeAddModel(g.getSender(), HASHES.newModel),
            () => env.root.sendProposeAddAttestationRoot(g.getSender(), HASHES.newRoot),
            () => env.root.sendProposeAddImage(g.getSender(), HASHES.workerImage, ROLE_PROXY),
        ];
        const firsts = [];
        const seconds = [];
        for (const p of pairs) firsts.push(createdProposal(await p(), env.root.address));
        for (const p of pairs) seconds.push(createdProposal(await p(), env.root.address));
        setNow(env, seconds[2].executeAfter);
        for (const f of firsts) {
            expectAccepted(
                await env.root.sendExecuteProposal(env.stranger.getSender(), f.proposalId),
                env.stranger.address,
                env.root.address,
            );
        }
        for (const s of seconds) {
            await refuses(env, env.stranger.address, ERR_ALREADY_ALLOWED, () =>
                env.root.sendExecuteProposal(env.stranger.getSender(), s.proposalId),
            );
        }
    });
});

describe('each kind of proposal', () => {
    it('ProposeParams replaces the parameters', async () => {
        const { env } = ctx;
        const params = defaultParams(env.stranger.address, {
            minStakeWorker: toNano('7'),
            minStakeProxy: toNano('8'),
            minEscrowReserve: toNano('0.5'),
            unbondingDelay: 7200n,
            clientCloseDelay: 1200n,
            proxyCloseDelay: 1300n,
            attestationLifetime: 9000n,
            equivocationSlashBps: 150n,
            reporterShareBps: 10n,
            reporterRewardCap: toNano('3'),
            protocolFeeBps: 5n,
            governanceDelay: 4000n,
            vetoWindow: 5000n,
        });
        const before = await env.root.getParams();
        expect(plain(before)).not.toEqual(plain(params));
        await proposeAndExecute(env, () => env.root.sendProposeParams(env.governance.getSender(), params));
        expect(plain(await env.root.getParams())).toEqual(plain(params));
        // the new delay applies to later proposals
        const now = BigInt(env.blockchain.now!);
        expect((await proposeModel(env, HASHES.newModel)).executeAfter).toBe(now + 4000n);
    });

    it('ProposeAddAttestationRoot allows the root', async () => {
        const { env } = ctx;
        const before = (await env.root.getState()).attestationRootCount;
        await proposeAndExecute(env, () => env.root.sendProposeAddAttestationRoot(env.governance.getSender(), HASHES.newRoot));
        expect(await env.root.getIsAttestationRootAllowed(HASHES.newRoot)).toBe(true);
        expect((await env.root.getAttestationRoots()).get(HASHES.newRoot)).toBe(true);
        expect((await env.root.getState()).attestationRootCount).toBe(before + 1n);
    });

    it('ProposeAddImage allows a new image for the given role only', async () => {
        const { env } = ctx;
        const before = (await env.root.getState()).imageCount;
        await proposeAndExecute(env, () => env.root.sendProposeAddImage(env.governance.getSender(), HASHES.newImage, ROLE_PROXY));
        expect((await env.root.getImages()).get(HASHES.newImage)).toBe(Number(ROLE_PROXY));
        expect(await env.root.getIsImageAllowed(HASHES.newImage, ROLE_PROXY)).toBe(true);
        expect(await env.root.getIsImageAllowed(HASHES.newImage, ROLE_WORKER)).toBe(false);
        expect((await env.root.getState()).imageCount).toBe(before + 1n);
    });

    it.each([
        ['the other role', ROLE_PROXY],
        ['both roles', ROLES_ALL],
    ])('ProposeAddImage with %s on an existing image merges the masks', async (_l, roles) => {
        const { env } = ctx;
        const before = (await env.root.getState()).imageCount;
        await proposeAndExecute(env, () => env.root.sendProposeAddImage(env.governance.getSender(), HASHES.workerImage, roles));
        expect((await env.root.getImages()).get(HASHES.workerImage)).toBe(Number(ROLES_ALL));
        expect(await env.root.getIsImageAllowed(HASHES.workerImage, ROLE_WORKER)).toBe(true);
        expect(await env.root.getIsImageAllowed(HASHES.workerImage, ROLE_PROXY)).toBe(true);
        expect((await env.root.getState()).imageCount).toBe(before);
    });

    it('proposing what is already allowed is refused with ERR_ALREADY_ALLOWED', async () => {
        const { env } = ctx;
        const g = env.governance;
        await refuses(env, g.address, ERR_ALREADY_ALLOWED, () =>
            env.root.sendProposeAddImage(g.getSender(), HASHES.workerImage, ROLE_WORKER),
        );
        await refuses(env, g.address, ERR_ALREADY_ALLOWED, () => env.root.sendProposeAddImage(g.getSender(), HASHES.bothImage, ROLE_PROXY));
        await refuses(env, g.address, ERR_ALREADY_ALLOWED, () => env.root.sendProposeAddImage(g.getSender(), HASHES.bothImage, ROLES_ALL));
        await refuses(env, g.address, ERR_ALREADY_ALLOWED, () => env.root.sendProposeAddAttestationRoot(g.getSender(), HASHES.root));
        await refuses(env, g.address, ERR_ALREADY_ALLOWED, () => env.root.sendProposeAddModel(g.getSender(), HASHES.model));
    });

    it('ProposeAddModel allows the model', async () => {
        const { env } = ctx;
        const before = (await env.root.getState()).modelCount;
        await proposeAndExecute(env, () => env.root.sendProposeAddModel(env.governance.getSender(), HASHES.newModel));
        expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(true);
        expect((await env.root.getModels()).get(HASHES.newModel)).toBe(true);
        expect((await env.root.getState()).modelCount).toBe(before + 1n);
    });

    it('ProposeGuardian sets a new guardian; the old one loses its rights', async () => {
        const { env } = ctx;
        const { root, guardian, stranger } = env;
        await proposeAndExecute(env, () => root.sendProposeGuardian(env.governance.getSender(), stranger.address));
        expect((await root.getState()).guardian?.equals(stranger.address)).toBe(true);
        await refuses(env, guardian.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => root.sendPause(guardian.getSender()));
        await refuses(env, guardian.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () =>
            root.sendRevokeModel(guardian.getSender(), HASHES.model),
        );
        expectAccepted(await root.sendRevokeModel(stranger.getSender(), HASHES.model), stranger.address, root.address);
        expect(await root.getIsModelAllowed(HASHES.model)).toBe(false);
    });

    it('ProposeGuardian(null) removes the guardian', async () => {
        const { env } = ctx;
        const { root, guardian } = env;
        await proposeAndExecute(env, () => root.sendProposeGuardian(env.governance.getSender(), null));
        expect((await root.getState()).guardian).toBeNull();
        await refuses(env, guardian.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () =>
            root.sendRevokeImage(guardian.getSender(), HASHES.workerImage, ROLE_WORKER),
        );
        await refuses(env, env.governance.address, ERR_NO_GUARDIAN, () => root.sendRemoveGuardian(env.governance.getSender()));
    });

    it('ProposeGuardian can appoint a guardian on a Root deployed without one', async () => {
        const { env } = ctx;
        const d = await deployRoot(env, { nonce: 9n, guardian: null });
        const root = d.root;
        expect((await root.getState()).guardian).toBeNull();
        const r = await root.sendProposeGuardian(env.governance.getSender(), env.guardian.address);
        const c = createdProposal(r, root.address);
        setNow(env, c.executeAfter);
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), c.proposalId), env.stranger.address, root.address);
        expect((await root.getState()).guardian?.equals(env.guardian.address)).toBe(true);
        expectAccepted(await root.sendPause(env.guardian.getSender()), env.guardian.address, root.address);
    });
});

describe('governance hand-over', () => {
    it('ProposeGovernance -> delay -> execute sets pendingGovernance; governance is unchanged until accepted', async () => {
        const { env } = ctx;
        const { root, governance, newGovernance } = env;
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
        const state = await root.getState();
        expect(state.pendingGovernance?.equals(newGovernance.address)).toBe(true);
        expect(state.governance.equals(governance.address)).toBe(true);
        // the old governance still governs, the candidate does not yet
        expectAccepted(await root.sendProposeAddModel(governance.getSender(), HASHES.newModel), governance.address, root.address);
        await refuses(env, newGovernance.address, ERR_NOT_GOVERNANCE, () => root.sendProposeAddModel(newGovernance.getSender(), 0x7777n));
        await refuses(env, newGovernance.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => root.sendPause(newGovernance.getSender()));
    });

    it('only the pending governance can accept; then the old governance loses every right', async () => {
        const { env } = ctx;
        const { root, governance, guardian, stranger, newGovernance } = env;
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
        for (const who of [stranger, governance, guardian]) {
            await refuses(env, who.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(who.getSender()));
        }
        const r = await root.sendAcceptGovernance(newGovernance.getSender(), 5n);
        expectAccepted(r, newGovernance.address, root.address);
        expect(excessesTo(r, root.address, newGovernance.address).queryId).toBe(5n);
        const state = await root.getState();
        expect(state.governance.equals(newGovernance.address)).toBe(true);
        expect(state.pendingGovernance).toBeNull();

        // the old governance is now a stranger
        const old = governance;
        await refuses(env, old.address, ERR_NOT_GOVERNANCE, () => root.sendProposeAddModel(old.getSender(), HASHES.newModel));
        await refuses(env, old.address, ERR_NOT_GOVERNANCE, () =>
            root.sendProposeParams(old.getSender(), defaultParams(env.treasury.address)),
        );
        await refuses(env, old.address, ERR_NOT_GOVERNANCE, () => root.sendProposeGovernance(old.getSender(), stranger.address));
        await refuses(env, old.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => root.sendRevokeModel(old.getSender(), HASHES.model));
        await refuses(env, old.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => root.sendPause(old.getSender()));
        await refuses(env, old.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(old.getSender()));
        expectAccepted(await root.sendPause(guardian.getSender()), guardian.address, root.address);
        await refuses(env, old.address, ERR_NOT_GOVERNANCE, () => root.sendUnpause(old.getSender()));

        // the new one governs
        expectAccepted(await root.sendUnpause(newGovernance.getSender()), newGovernance.address, root.address);
        expectAccepted(await root.sendProposeAddModel(newGovernance.getSender(), HASHES.newModel), newGovernance.address, root.address);

        // accepting again: nothing pending
        await refuses(env, newGovernance.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(newGovernance.getSender()));
    });

    it('AcceptGovernance with nothing pending is refused with ERR_NOT_PENDING_GOVERNANCE', async () => {
        const { env } = ctx;
        const { root, governance, newGovernance } = env;
        for (const who of [newGovernance, governance]) {
            await refuses(env, who.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(who.getSender()));
        }
        // proposed but not yet executed: still nothing pending
        await root.sendProposeGovernance(governance.getSender(), newGovernance.address);
        await refuses(env, newGovernance.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(newGovernance.getSender()));
    });

    it('a later executed ProposeGovernance replaces the candidate', async () => {
        const { env } = ctx;
        const { root, governance, stranger, newGovernance } = env;
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), stranger.address));
        expect((await root.getState()).pendingGovernance?.equals(stranger.address)).toBe(true);
        await refuses(env, newGovernance.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendAcceptGovernance(newGovernance.getSender()));
        expectAccepted(await root.sendAcceptGovernance(stranger.getSender()), stranger.address, root.address);
        expect((await root.getState()).governance.equals(stranger.address)).toBe(true);
    });

    it('AcceptGovernance is refused with ERR_PAUSED while the Root is paused', async () => {
        const { env } = ctx;
        const { root, governance, guardian, newGovernance } = env;
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
        expectAccepted(await root.sendPause(guardian.getSender()), guardian.address, root.address);
        await refuses(env, newGovernance.address, ERR_PAUSED, () => root.sendAcceptGovernance(newGovernance.getSender()));
        expectAccepted(await root.sendUnpause(governance.getSender()), governance.address, root.address);
        expectAccepted(await root.sendAcceptGovernance(newGovernance.getSender()), newGovernance.address, root.address);
        expect((await root.getState()).governance.equals(newGovernance.address)).toBe(true);
    });

    it.each(['governance', 'guardian'] as const)(
        'CancelGovernanceTransfer by %s withdraws an executed, unaccepted hand-over',
        async (who) => {
            const { env } = ctx;
            const { root, governance, newGovernance } = env;
            await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
            const actor = env[who];
            const r = await root.sendCancelGovernanceTransfer(actor.getSender(), 14n);
            expectAccepted(r, actor.address, root.address);
            expect(excessesTo(r, root.address, actor.address).queryId).toBe(14n);
            const state = await root.getState();
            expect(state.pendingGovernance).toBeNull();
            expect(state.governance.equals(governance.address)).toBe(true);
            await refuses(env, newGovernance.address, ERR_NOT_PENDING_GOVERNANCE, () =>
                root.sendAcceptGovernance(newGovernance.getSender()),
            );
            // nothing left to withdraw
            await refuses(env, actor.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendCancelGovernanceTransfer(actor.getSender()));
        },
    );

    it('CancelGovernanceTransfer with nothing pending is refused with ERR_NOT_PENDING_GOVERNANCE; the candidate cannot use it', async () => {
        const { env } = ctx;
        const { root, governance, newGovernance } = env;
        await refuses(env, governance.address, ERR_NOT_PENDING_GOVERNANCE, () => root.sendCancelGovernanceTransfer(governance.getSender()));
        await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
        await refuses(env, newGovernance.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () =>
            root.sendCancelGovernanceTransfer(newGovernance.getSender()),
        );
    });

    it('a hand-over to whoever has meanwhile become governance is refused at execution with ERR_INVALID_GOVERNANCE', async () => {
        const { env } = ctx;
        const { root, governance, newGovernance } = env;
        const first = createdProposal(await root.sendProposeGovernance(governance.getSender(), newGovernance.address), root.address);
        const second = createdProposal(await root.sendProposeGovernance(governance.getSender(), newGovernance.address), root.address);
        setNow(env, second.executeAfter);
        expectAccepted(await root.sendExecuteProposal(env.stranger.getSender(), first.proposalId), env.stranger.address, root.address);
        expectAccepted(await root.sendAcceptGovernance(newGovernance.getSender()), newGovernance.address, root.address);
        await refuses(env, env.stranger.address, ERR_INVALID_GOVERNANCE, () =>
            root.sendExecuteProposal(env.stranger.getSender(), second.proposalId),
        );
        expect((await root.getState()).pendingGovernance).toBeNull();
    });

    it('ProposeGovernance to the current governance or to the Root itself is refused with ERR_INVALID_GOVERNANCE', async () => {
        const { env } = ctx;
        const { root, governance } = env;
        await refuses(env, governance.address, ERR_INVALID_GOVERNANCE, () =>
            root.sendProposeGovernance(governance.getSender(), governance.address),
        );
        await refuses(env, governance.address, ERR_INVALID_GOVERNANCE, () =>
            root.sendProposeGovernance(governance.getSender(), root.address),
        );
        const state = await captureRoot(env);
        expect(state.state.proposalCount).toBe(0n);
    });
});
