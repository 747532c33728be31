/**
 * Access control of every Root receiver: each refuses every sender it does not trust, with its
 * own exit code and without changing anything, and accepts the senders it does trust (so the
 * refusal is about the sender and nothing else).
 */
import '@ton/test-utils';
import { Address, Sender, toNano } from '@ton/core';
import {
    ENFORCE_VALUE,
    ERR_NOT_GOVERNANCE,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_NOT_PENDING_GOVERNANCE,
    ERR_NOT_PROVIDER,
    ERR_PAUSED,
    ImageVerdict,
    loadImageVerdict,
    loadRootParams,
    ROLE_WORKER,
} from '../../wrappers/Root';
import { defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    captureRoot,
    createdProposal,
    deployRoot,
    expectAccepted,
    expectRefused,
    listProxy,
    proposeAndExecute,
    providerSender,
    replyFrom,
    RootMessage,
    sharedEnvironment,
} from '../helpers/root';

type ActorName =
    | 'governance'
    | 'guardian'
    | 'stranger'
    | 'pendingGovernance'
    | 'provider'
    | 'owner'
    | 'providerWrongIndex'
    | 'providerWrongOwner'
    | 'providerOfOtherRoot';

interface Setup {
    /** A due, pending proposal (adds HASHES.newModel). */
    pendingId: bigint;
    /** The listed proxy's Provider contract address (owner stranger, node 0). */
    provider: Address;
    actors: Record<ActorName, { address: Address; sender: Sender }>;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const { root, governance, guardian, stranger, newGovernance, advance } = env;
    // pendingGovernance = newGovernance (proposed, executed, not yet accepted)
    await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
    // a pending proposal that is already due
    const r = await root.sendProposeAddModel(governance.getSender(), HASHES.newModel);
    const pendingId = createdProposal(r, root.address).proposalId;
    advance(2 * 86_400);
    // a listed proxy
    const listed = await listProxy(env, { owner: stranger.address, imageHash: HASHES.proxyImage, attestationRoot: HASHES.root });
    expectAccepted(listed.result, listed.provider, root.address);

    const other = await deployRoot(env, { nonce: 1n });
    const as = (a: { address: Address; getSender(): Sender }) => ({ address: a.address, sender: a.getSender() });
    const actors: Record<ActorName, { address: Address; sender: Sender }> = {
        governance: as(governance),
        guardian: as(guardian),
        stranger: as(stranger),
        pendingGovernance: as(newGovernance),
        provider: await providerSender(env, stranger.address, 0n),
        owner: as(stranger),
        providerWrongIndex: await providerSender(env, stranger.address, 1n),
        providerWrongOwner: await providerSender(env, governance.address, 0n),
        providerOfOtherRoot: await providerSender(env, stranger.address, 0n, other.root),
    };
    return { pendingId, provider: listed.provider, actors };
});

interface Row {
    name: string;
    message: (env: Env, s: Setup) => RootMessage;
    value?: bigint;
    /** Runs before the message (e.g. pause before Unpause). */
    prepare?: (env: Env) => Promise<void>;
    allowed: ActorName[];
    refused: ActorName[];
    exitCode: bigint;
    /** How much an accepted message moves configVersion (default 1). */
    versionBump?: bigint;
}

const q = 7n;
const pause = async (env: Env) => {
    expectAccepted(await env.root.sendPause(env.governance.getSender()), env.governance.address, env.root.address);
};
const GOVERNANCE_ONLY: ActorName[] = ['stranger', 'guardian', 'pendingGovernance', 'provider'];
const NOT_GOVERNANCE_OR_GUARDIAN: ActorName[] = ['stranger', 'pendingGovernance', 'provider'];
const NOT_THE_PROVIDER: ActorName[] = [
    'owner',
    'governance',
    'guardian',
    'providerWrongIndex',
    'providerWrongOwner',
    'providerOfOtherRoot',
];

const rows: Row[] = [
    // governance only
    {
        name: 'ProposeParams',
        message: (env) => ({ $$type: 'ProposeParams', queryId: q, params: defaultParams(env.treasury.address, { protocolFeeBps: 200n }) }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeAddAttestationRoot',
        message: () => ({ $$type: 'ProposeAddAttestationRoot', queryId: q, rootHash: HASHES.newRoot }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeAddImage',
        message: () => ({ $$type: 'ProposeAddImage', queryId: q, imageHash: HASHES.newImage, roles: ROLE_WORKER }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeAddModel',
        message: () => ({ $$type: 'ProposeAddModel', queryId: q, modelHash: 0x7777n }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeGuardian',
        message: (env) => ({ $$type: 'ProposeGuardian', queryId: q, guardian: env.stranger.address }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeGovernance',
        message: (env) => ({ $$type: 'ProposeGovernance', queryId: q, newGovernance: env.stranger.address }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'ProposeSlash',
        message: (env) => ({ $$type: 'ProposeSlash', queryId: q, owner: env.stranger.address, nodeIndex: 0n, amount: 1n, reasonHash: 1n }),
        value: ENFORCE_VALUE,
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
        // The target (the listed proxy's Provider) is not deployed here: the freeze bounces and
        // the proposal is dropped, a second change.
        versionBump: 2n,
    },
    {
        name: 'ProposeRelease',
        message: (env) => ({ $$type: 'ProposeRelease', queryId: q, owner: env.stranger.address, nodeIndex: 0n }),
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    {
        name: 'Unpause',
        message: () => ({ $$type: 'Unpause', queryId: q }),
        prepare: pause,
        allowed: ['governance'],
        refused: GOVERNANCE_ONLY,
        exitCode: ERR_NOT_GOVERNANCE,
    },
    // governance or guardian
    {
        name: 'CancelProposal',
        message: (_env, s) => ({ $$type: 'CancelProposal', queryId: q, proposalId: s.pendingId }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'RevokeAttestationRoot',
        message: () => ({ $$type: 'RevokeAttestationRoot', queryId: q, rootHash: HASHES.root }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'RevokeImage',
        message: () => ({ $$type: 'RevokeImage', queryId: q, imageHash: HASHES.workerImage, roles: ROLE_WORKER }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'RevokeModel',
        message: () => ({ $$type: 'RevokeModel', queryId: q, modelHash: HASHES.model }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'DelistProxy',
        message: (_env, s) => ({ $$type: 'DelistProxy', queryId: q, provider: s.provider }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'Pause',
        message: () => ({ $$type: 'Pause', queryId: q }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'CancelGovernanceTransfer',
        message: () => ({ $$type: 'CancelGovernanceTransfer', queryId: q }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    {
        name: 'RemoveGuardian',
        message: () => ({ $$type: 'RemoveGuardian', queryId: q }),
        allowed: ['governance', 'guardian'],
        refused: NOT_GOVERNANCE_OR_GUARDIAN,
        exitCode: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    },
    // the pending governance only
    {
        name: 'AcceptGovernance',
        message: () => ({ $$type: 'AcceptGovernance', queryId: q }),
        allowed: ['pendingGovernance'],
        refused: ['stranger', 'governance', 'guardian', 'provider'],
        exitCode: ERR_NOT_PENDING_GOVERNANCE,
    },
    // anyone, but only governance while paused
    {
        name: 'ExecuteProposal (paused)',
        message: (_env, s) => ({ $$type: 'ExecuteProposal', queryId: q, proposalId: s.pendingId }),
        prepare: pause,
        allowed: ['governance'],
        refused: ['stranger', 'guardian', 'pendingGovernance', 'provider'],
        exitCode: ERR_PAUSED,
    },
    // the proxy's own Provider contract only
    {
        name: 'ListProxyForRoot',
        message: (env) => ({
            $$type: 'ListProxyForRoot',
            queryId: q,
            owner: env.stranger.address,
            nodeIndex: 0n,
            imageHash: HASHES.bothImage,
            attestationRoot: HASHES.root,
            endpoint: 'https://other.example',
        }),
        allowed: ['provider'],
        refused: NOT_THE_PROVIDER,
        exitCode: ERR_NOT_PROVIDER,
    },
    {
        name: 'DelistProxyForRoot',
        message: (env) => ({ $$type: 'DelistProxyForRoot', queryId: q, owner: env.stranger.address, nodeIndex: 0n }),
        allowed: ['provider'],
        refused: NOT_THE_PROVIDER,
        exitCode: ERR_NOT_PROVIDER,
    },
];

describe('Root access control', () => {
    it('the table covers every typed receiver of the Root', () => {
        const env = ctx.env;
        const typed = env.root.abi.receivers!.filter((r) => r.message.kind === 'typed').map((r) => (r.message as { type: string }).type);
        const covered = new Set([...rows.map((r) => r.name.split(' ')[0]), 'ExecuteProposal', 'QueryImage', 'QueryParams']);
        expect([...typed].sort()).toEqual([...covered].sort());
    });

    describe.each(rows)('$name', (row) => {
        const send = async (who: ActorName) => {
            const { env, extra } = ctx;
            if (row.prepare) await row.prepare(env);
            const before = await captureRoot(env);
            const actor = extra.actors[who];
            const result = await env.root.send(actor.sender, { value: row.value ?? toNano('0.1') }, row.message(env, extra));
            return { before, result, actor };
        };

        it.each(row.refused)('refuses %s', async (who) => {
            const { before, result, actor } = await send(who);
            await expectRefused(ctx.env, before, result, actor.address, row.exitCode);
        });

        it.each(row.allowed)('accepts %s', async (who) => {
            const { before, result, actor } = await send(who);
            expectAccepted(result, actor.address, ctx.env.root.address);
            expect((await ctx.env.root.getState()).configVersion).toBe(before.state.configVersion + (row.versionBump ?? 1n));
        });
    });

    it('ExecuteProposal is open to anyone while not paused', async () => {
        const { env, extra } = ctx;
        const start = env.blockchain.snapshot();
        for (const who of ['stranger', 'guardian', 'pendingGovernance', 'provider', 'governance'] as ActorName[]) {
            await env.blockchain.loadFrom(start);
            const actor = extra.actors[who];
            const result = await env.root.send(
                actor.sender,
                { value: toNano('0.1') },
                { $$type: 'ExecuteProposal', queryId: q, proposalId: extra.pendingId },
            );
            expectAccepted(result, actor.address, env.root.address);
            expect(await env.root.getIsModelAllowed(HASHES.newModel)).toBe(true);
        }
    });

    it('QueryImage and QueryParams answer anyone', async () => {
        const { env, extra } = ctx;
        for (const who of Object.keys(extra.actors) as ActorName[]) {
            const actor = extra.actors[who];
            const r1 = await env.root.sendQueryImage(actor.sender, HASHES.workerImage, ROLE_WORKER, HASHES.root, 1n);
            const verdict: ImageVerdict = replyFrom(r1, env.root.address, actor.address, loadImageVerdict);
            expect(verdict.imageAllowed).toBe(true);
            const r2 = await env.root.sendQueryParams(actor.sender, 2n);
            expect(replyFrom(r2, env.root.address, actor.address, loadRootParams).queryId).toBe(2n);
        }
    });
});
