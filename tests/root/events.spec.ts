/**
 * Events: every state change emits exactly its documented event(s), carrying the new
 * configVersion, which grows by exactly one per changing transaction. Transactions that change
 * nothing (queries, a repeated self-delisting) and refused ones emit nothing and keep the version.
 */
import '@ton/test-utils';
import { Address, beginCell, Cell, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import {
    ENFORCE_VALUE,
    ERR_NOT_GOVERNANCE,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_NOT_PROVIDER,
    ERR_PROPOSAL_TOO_EARLY,
    LIST_ATTESTATION_ROOTS,
    LIST_IMAGES,
    LIST_MODELS,
    Params,
    PROPOSAL_GRACE_PERIOD,
    ROLE_PROXY,
    ROLE_WORKER,
    ROLES_ALL,
    Root,
    storeProposeAddAttestationRoot,
    storeProposeAddImage,
    storeProposeAddModel,
    storeProposeGovernance,
    storeProposeGuardian,
    storeProposeParams,
    storeProposeRelease,
    storeProposeSlash,
} from '../../wrappers/Root';
import { createNode, Node, register } from '../helpers/provider';
import { defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    captureRoot,
    createdProposal,
    delistProxyForRoot,
    expectAccepted,
    listProxy,
    plain,
    proposeAndExecute,
    refuses,
    RootEvent,
    rootEvents,
    sharedEnvironment,
} from '../helpers/root';

interface Setup {
    ids: Record<'params' | 'root' | 'image' | 'merge' | 'model' | 'guardian' | 'noGuardian' | 'governance' | 'slash' | 'release', bigint>;
    newParams: Params;
    provider: Address;
    /** A registered worker (a deployed Provider: a slash's freeze reaches it). */
    node: Node;
    /** The Provider contract of (governance, 0): not listed. */
    govProvider: Address;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const { root, governance, newGovernance, stranger } = env;
    // pending governance: newGovernance
    await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
    const g = governance.getSender();
    const newParams = defaultParams(stranger.address, { protocolFeeBps: 321n, governanceDelay: 7200n });
    const id = async (r: Promise<SendMessageResult>) => createdProposal(await r, root.address).proposalId;
    const node = await createNode(env, 'worker', { seed: 'events-node' });
    await register(node);
    const target = { owner: node.owner.address, nodeIndex: 0n };
    const ids = {
        params: await id(root.sendProposeParams(g, newParams)),
        root: await id(root.sendProposeAddAttestationRoot(g, HASHES.newRoot)),
        image: await id(root.sendProposeAddImage(g, HASHES.newImage, ROLE_PROXY)),
        merge: await id(root.sendProposeAddImage(g, HASHES.workerImage, ROLE_PROXY)),
        model: await id(root.sendProposeAddModel(g, HASHES.newModel)),
        guardian: await id(root.sendProposeGuardian(g, stranger.address)),
        noGuardian: await id(root.sendProposeGuardian(g, null)),
        governance: await id(root.sendProposeGovernance(g, stranger.address)),
        slash: await id(root.sendProposeSlash(g, { ...target, amount: toNano('1'), reasonHash: 0x51n })),
        release: await id(root.sendProposeRelease(g, target)),
    };
    env.advance(3 * 86_400);
    const l = await listProxy(env, {
        owner: stranger.address,
        imageHash: HASHES.proxyImage,
        attestationRoot: HASHES.root,
        endpoint: 'https://a.example',
    });
    expectAccepted(l.result, l.provider, root.address);
    const govProvider = await root.getProviderAddress(governance.address, 0n);
    return { ids, newParams, provider: l.provider, node, govProvider };
});

type Expected = Omit<RootEvent, 'configVersion'> & Record<string, unknown>;

interface Row {
    name: string;
    prepare?: (env: Env) => Promise<void>;
    run: (env: Env, s: Setup) => Promise<{ result: SendMessageResult; from: Address }>;
    /** Events expected, without configVersion (filled with the new version). */
    events: (env: Env, s: Setup) => Expected[];
}

const body = (f: (b: import('@ton/core').Builder) => void): Cell => beginCell().store(f).endCell();
const gov = (env: Env) => env.governance;

function proposeRow(
    name: string,
    send: (env: Env, s: Setup) => Promise<SendMessageResult>,
    stored: (env: Env, s: Setup) => Cell,
    delay: (p: Params) => bigint = (p) => p.governanceDelay,
): Row {
    return {
        name,
        run: async (env, s) => ({ result: await send(env, s), from: env.governance.address }),
        events: (env, s) => {
            const executeAfter = BigInt(env.blockchain.now!) + delay(defaultParams(env.treasury.address));
            return [
                {
                    $$type: 'ProposalCreated',
                    proposalId: 11n, // ten proposals in the setup plus the hand-over
                    executeAfter,
                    expiresAt: executeAfter + PROPOSAL_GRACE_PERIOD,
                    body: stored(env, s),
                },
            ];
        },
    };
}

function executeRow(name: string, key: keyof Setup['ids'], events: (env: Env, s: Setup) => Expected[], op: number, value?: bigint): Row {
    return {
        name,
        run: async (env, s) => ({
            result: await env.root.sendExecuteProposal(env.stranger.getSender(), s.ids[key], 0n, value),
            from: env.stranger.address,
        }),
        events: (env, s) => [...events(env, s), { $$type: 'ProposalExecuted', proposalId: s.ids[key], op: BigInt(op) }],
    };
}

const governanceChanged = (governance: Address, pendingGovernance: Address | null, guardian: Address | null): Expected => ({
    $$type: 'GovernanceChanged',
    governance,
    pendingGovernance,
    guardian,
});

const rows: Row[] = [
    proposeRow(
        'ProposeParams',
        (env) => env.root.sendProposeParams(gov(env).getSender(), defaultParams(env.treasury.address), 3n),
        (env) => body(storeProposeParams({ $$type: 'ProposeParams', queryId: 3n, params: defaultParams(env.treasury.address) })),
    ),
    proposeRow(
        'ProposeAddAttestationRoot',
        (env) => env.root.sendProposeAddAttestationRoot(gov(env).getSender(), 0x9999n, 3n),
        () => body(storeProposeAddAttestationRoot({ $$type: 'ProposeAddAttestationRoot', queryId: 3n, rootHash: 0x9999n })),
    ),
    proposeRow(
        'ProposeAddImage',
        (env) => env.root.sendProposeAddImage(gov(env).getSender(), 0x9999n, ROLES_ALL, 3n),
        () => body(storeProposeAddImage({ $$type: 'ProposeAddImage', queryId: 3n, imageHash: 0x9999n, roles: ROLES_ALL })),
    ),
    proposeRow(
        'ProposeAddModel',
        (env) => env.root.sendProposeAddModel(gov(env).getSender(), 0x9999n, 3n),
        () => body(storeProposeAddModel({ $$type: 'ProposeAddModel', queryId: 3n, modelHash: 0x9999n })),
    ),
    proposeRow(
        'ProposeGuardian',
        (env) => env.root.sendProposeGuardian(gov(env).getSender(), env.treasury.address, 3n),
        (env) => body(storeProposeGuardian({ $$type: 'ProposeGuardian', queryId: 3n, guardian: env.treasury.address })),
    ),
    proposeRow(
        'ProposeGovernance',
        (env) => env.root.sendProposeGovernance(gov(env).getSender(), env.treasury.address, 3n),
        (env) => body(storeProposeGovernance({ $$type: 'ProposeGovernance', queryId: 3n, newGovernance: env.treasury.address })),
    ),
    proposeRow(
        'ProposeSlash',
        (env, s) => env.root.sendProposeSlash(gov(env).getSender(), { owner: s.node.owner.address, amount: 5n, reasonHash: 0x52n }, 3n),
        (_env, s) =>
            body(
                storeProposeSlash({
                    $$type: 'ProposeSlash',
                    queryId: 3n,
                    owner: s.node.owner.address,
                    nodeIndex: 0n,
                    amount: 5n,
                    reasonHash: 0x52n,
                }),
            ),
        (p) => p.vetoWindow,
    ),
    proposeRow(
        'ProposeRelease',
        (env, s) => env.root.sendProposeRelease(gov(env).getSender(), { owner: s.node.owner.address }, 3n),
        (_env, s) => body(storeProposeRelease({ $$type: 'ProposeRelease', queryId: 3n, owner: s.node.owner.address, nodeIndex: 0n })),
    ),
    // The Root's only event; the Provider's (Slashed, Released) are in tests/slashing.
    executeRow('ExecuteProposal(slash)', 'slash', () => [], Root.opcodes.ProposeSlash, ENFORCE_VALUE),
    executeRow('ExecuteProposal(release)', 'release', () => [], Root.opcodes.ProposeRelease, ENFORCE_VALUE),
    executeRow(
        'ExecuteProposal(params)',
        'params',
        (_env, s) => [{ $$type: 'ParamsChanged', params: s.newParams }],
        Root.opcodes.ProposeParams,
    ),
    executeRow(
        'ExecuteProposal(attestation root)',
        'root',
        (env) => [{ $$type: 'AllowlistChanged', list: LIST_ATTESTATION_ROOTS, key: HASHES.newRoot, roles: 1n, by: env.stranger.address }],
        Root.opcodes.ProposeAddAttestationRoot,
    ),
    executeRow(
        'ExecuteProposal(new image)',
        'image',
        (env) => [{ $$type: 'AllowlistChanged', list: LIST_IMAGES, key: HASHES.newImage, roles: ROLE_PROXY, by: env.stranger.address }],
        Root.opcodes.ProposeAddImage,
    ),
    executeRow(
        'ExecuteProposal(second role of an image)',
        'merge',
        (env) => [{ $$type: 'AllowlistChanged', list: LIST_IMAGES, key: HASHES.workerImage, roles: ROLES_ALL, by: env.stranger.address }],
        Root.opcodes.ProposeAddImage,
    ),
    executeRow(
        'ExecuteProposal(model)',
        'model',
        (env) => [{ $$type: 'AllowlistChanged', list: LIST_MODELS, key: HASHES.newModel, roles: 1n, by: env.stranger.address }],
        Root.opcodes.ProposeAddModel,
    ),
    executeRow(
        'ExecuteProposal(guardian)',
        'guardian',
        (env) => [governanceChanged(env.governance.address, env.newGovernance.address, env.stranger.address)],
        Root.opcodes.ProposeGuardian,
    ),
    executeRow(
        'ExecuteProposal(no guardian)',
        'noGuardian',
        (env) => [governanceChanged(env.governance.address, env.newGovernance.address, null)],
        Root.opcodes.ProposeGuardian,
    ),
    executeRow(
        'ExecuteProposal(governance)',
        'governance',
        (env) => [governanceChanged(env.governance.address, env.stranger.address, env.guardian.address)],
        Root.opcodes.ProposeGovernance,
    ),
    {
        name: 'CancelProposal',
        run: async (env, s) => ({
            result: await env.root.sendCancelProposal(env.guardian.getSender(), s.ids.model),
            from: env.guardian.address,
        }),
        events: (env, s) => [{ $$type: 'ProposalCancelled', proposalId: s.ids.model, by: env.guardian.address }],
    },
    {
        name: 'AcceptGovernance',
        run: async (env) => ({
            result: await env.root.sendAcceptGovernance(env.newGovernance.getSender()),
            from: env.newGovernance.address,
        }),
        events: (env) => [governanceChanged(env.newGovernance.address, null, env.guardian.address)],
    },
    {
        name: 'CancelGovernanceTransfer',
        run: async (env) => ({ result: await env.root.sendCancelGovernanceTransfer(env.guardian.getSender()), from: env.guardian.address }),
        events: (env) => [governanceChanged(env.governance.address, null, env.guardian.address)],
    },
    {
        name: 'RevokeAttestationRoot',
        run: async (env) => ({
            result: await env.root.sendRevokeAttestationRoot(env.guardian.getSender(), HASHES.root),
            from: env.guardian.address,
        }),
        events: (env) => [
            { $$type: 'AllowlistChanged', list: LIST_ATTESTATION_ROOTS, key: HASHES.root, roles: 0n, by: env.guardian.address },
        ],
    },
    {
        name: 'RevokeImage (one of two roles)',
        run: async (env) => ({
            result: await env.root.sendRevokeImage(env.governance.getSender(), HASHES.bothImage, ROLE_PROXY),
            from: env.governance.address,
        }),
        events: (env) => [
            { $$type: 'AllowlistChanged', list: LIST_IMAGES, key: HASHES.bothImage, roles: ROLE_WORKER, by: env.governance.address },
        ],
    },
    {
        name: 'RevokeImage (last role)',
        run: async (env) => ({
            result: await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.workerImage, ROLE_WORKER),
            from: env.guardian.address,
        }),
        events: (env) => [{ $$type: 'AllowlistChanged', list: LIST_IMAGES, key: HASHES.workerImage, roles: 0n, by: env.guardian.address }],
    },
    {
        name: 'RevokeModel',
        run: async (env) => ({
            result: await env.root.sendRevokeModel(env.guardian.getSender(), HASHES.model),
            from: env.guardian.address,
        }),
        events: (env) => [{ $$type: 'AllowlistChanged', list: LIST_MODELS, key: HASHES.model, roles: 0n, by: env.guardian.address }],
    },
    {
        name: 'DelistProxy',
        run: async (env, s) => ({
            result: await env.root.sendDelistProxy(env.guardian.getSender(), s.provider),
            from: env.guardian.address,
        }),
        events: (_env, s) => [{ $$type: 'DirectoryChanged', provider: s.provider, listed: false, endpoint: '' }],
    },
    {
        name: 'Pause',
        run: async (env) => ({ result: await env.root.sendPause(env.guardian.getSender()), from: env.guardian.address }),
        events: (env) => [{ $$type: 'PauseChanged', paused: true, by: env.guardian.address }],
    },
    {
        name: 'Unpause',
        prepare: async (env) => {
            expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        },
        run: async (env) => ({ result: await env.root.sendUnpause(env.governance.getSender()), from: env.governance.address }),
        events: (env) => [{ $$type: 'PauseChanged', paused: false, by: env.governance.address }],
    },
    {
        name: 'RemoveGuardian',
        run: async (env) => ({ result: await env.root.sendRemoveGuardian(env.guardian.getSender()), from: env.guardian.address }),
        events: (env) => [governanceChanged(env.governance.address, env.newGovernance.address, null)],
    },
    {
        name: 'ListProxyForRoot (new)',
        run: async (env) => {
            const l = await listProxy(env, {
                owner: env.governance.address,
                imageHash: HASHES.bothImage,
                attestationRoot: HASHES.root,
                endpoint: 'https://b.example',
            });
            return { result: l.result, from: l.provider };
        },
        events: (_env, s) => [{ $$type: 'DirectoryChanged', provider: s.govProvider, listed: true, endpoint: 'https://b.example' }],
    },
    {
        name: 'ListProxyForRoot (update)',
        run: async (env) => {
            const l = await listProxy(env, {
                owner: env.stranger.address,
                imageHash: HASHES.bothImage,
                attestationRoot: HASHES.root,
                endpoint: 'https://c.example',
            });
            return { result: l.result, from: l.provider };
        },
        events: (_env, s) => [{ $$type: 'DirectoryChanged', provider: s.provider, listed: true, endpoint: 'https://c.example' }],
    },
    {
        name: 'DelistProxyForRoot (listed)',
        run: async (env) => {
            const d = await delistProxyForRoot(env, { owner: env.stranger.address });
            return { result: d.result, from: d.provider };
        },
        events: (_env, s) => [{ $$type: 'DirectoryChanged', provider: s.provider, listed: false, endpoint: '' }],
    },
];

describe('events of state changes', () => {
    it('the table covers every typed receiver that can change state', () => {
        const typed = ctx.env.root.abi
            .receivers!.filter((r) => r.message.kind === 'typed')
            .map((r) => (r.message as { type: string }).type);
        const covered = new Set(rows.map((r) => r.name.split(/[ (]/)[0]));
        const readOnly = ['QueryImage', 'QueryParams'];
        expect([...covered, ...readOnly].sort()).toEqual([...typed].sort());
    });

    it.each(rows)('$name emits exactly its event(s) and bumps configVersion by one', async (row) => {
        const { env, extra } = ctx;
        if (row.prepare) await row.prepare(env);
        const v0 = (await env.root.getState()).configVersion;
        const { result, from } = await row.run(env, extra);
        expectAccepted(result, from, env.root.address);
        const v1 = (await env.root.getState()).configVersion;
        expect(v1).toBe(v0 + 1n);
        const expected = row.events(env, extra).map((e) => ({ ...e, configVersion: v1 }));
        expect(plain(rootEvents(result, env.root.address))).toEqual(plain(expected));
        // events are external messages without a destination
        for (const e of result.externals.filter((x) => x.info.src.equals(env.root.address))) expect(e.info.dest).toBeFalsy();
    });
});

describe('no change, no event', () => {
    it('queries and a repeated self-delisting emit nothing and keep configVersion', async () => {
        const { env } = ctx;
        const d = await delistProxyForRoot(env, { owner: env.stranger.address });
        expect(rootEvents(d.result, env.root.address)).toHaveLength(1);
        const before = await captureRoot(env);
        const results = [
            (await delistProxyForRoot(env, { owner: env.stranger.address })).result,
            await env.root.sendQueryImage(env.stranger.getSender(), HASHES.workerImage, ROLE_WORKER, HASHES.root),
            await env.root.sendQueryParams(env.stranger.getSender()),
            await env.stranger.send({ to: env.root.address, value: toNano('1') }),
        ];
        for (const r of results) expect(rootEvents(r, env.root.address)).toEqual([]);
        expect((await env.root.getState()).configVersion).toBe(before.state.configVersion);
    });

    it('refused actions emit nothing and keep configVersion', async () => {
        const { env } = ctx;
        const s = env.stranger;
        await refuses(env, s.address, ERR_NOT_GOVERNANCE, () => env.root.sendProposeAddModel(s.getSender(), 0x9999n));
        await refuses(env, s.address, ERR_NOT_GOVERNANCE_OR_GUARDIAN, () => env.root.sendPause(s.getSender()));
        await refuses(
            env,
            s.address,
            ERR_NOT_PROVIDER,
            async () =>
                (await listProxy(env, { owner: s.address, imageHash: HASHES.proxyImage, attestationRoot: HASHES.root, via: s.getSender() }))
                    .result,
        );
        const fresh = createdProposal(await env.root.sendProposeAddModel(env.governance.getSender(), 0x9999n), env.root.address);
        await refuses(env, s.address, ERR_PROPOSAL_TOO_EARLY, () => env.root.sendExecuteProposal(s.getSender(), fresh.proposalId));
    });
});
