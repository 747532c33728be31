/**
 * Attached value: every receiver refuses less than its class minimum (governance actions, queries,
 * directory messages) with ERR_INSUFFICIENT_VALUE and changes nothing; at exactly the minimum it
 * works, and whatever is left after fees goes back to the sender (Excesses with its queryId for
 * governance actions, the answer itself otherwise) while the Root's balance never goes down.
 */
import '@ton/test-utils';
import { Address, Sender, toNano } from '@ton/core';
import {
    ERR_INSUFFICIENT_VALUE,
    loadImageVerdict,
    loadProxyDelisted,
    loadProxyListed,
    loadRootParams,
    MIN_VALUE_DIRECTORY,
    MIN_VALUE_ENFORCE,
    MIN_VALUE_GOVERNANCE,
    MIN_VALUE_QUERY,
    OP_EXCESSES,
    ROLE_WORKER,
} from '../../wrappers/Root';
import { defaultParams, Env, HASHES } from '../fixtures/environment';
import {
    captureRoot,
    createdProposal,
    excessesTo,
    expectAccepted,
    listProxy,
    messagesBetween,
    proposeAndExecute,
    providerSender,
    refuses,
    replyFrom,
    RootMessage,
    sharedEnvironment,
    storageFees,
} from '../helpers/root';

interface Setup {
    dueId: bigint;
    cancelId: bigint;
    provider: { address: Address; sender: Sender };
    listedProvider: Address;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const { root, governance, newGovernance, stranger } = env;
    await proposeAndExecute(env, () => root.sendProposeGovernance(governance.getSender(), newGovernance.address));
    const dueId = createdProposal(
        await root.sendProposeParams(governance.getSender(), defaultParams(env.treasury.address, { protocolFeeBps: 1n })),
        root.address,
    ).proposalId;
    const cancelId = createdProposal(await root.sendProposeAddModel(governance.getSender(), HASHES.newModel), root.address).proposalId;
    env.advance(3 * 86_400);
    const listed = await listProxy(env, {
        owner: stranger.address,
        nodeIndex: 1n,
        imageHash: HASHES.proxyImage,
        attestationRoot: HASHES.root,
    });
    expectAccepted(listed.result, listed.provider, root.address);
    // a message at the current time, so the Root owes no storage fee in the tests below
    await root.sendQueryParams(stranger.getSender());
    return { dueId, cancelId, provider: await providerSender(env, stranger.address, 0n), listedProvider: listed.provider };
});

type Who = 'governance' | 'guardian' | 'stranger' | 'newGovernance' | 'provider';
type Reply = 'excesses' | ((body: import('@ton/core').Slice) => { queryId: bigint });

interface Row {
    name: string;
    min: bigint;
    who: Who;
    message: (env: Env, s: Setup, queryId: bigint) => RootMessage;
    reply: Reply;
    prepare?: (env: Env) => Promise<void>;
}

const G = MIN_VALUE_GOVERNANCE;
const rows: Row[] = [
    {
        name: 'ProposeParams',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (env, _s, queryId) => ({ $$type: 'ProposeParams', queryId, params: defaultParams(env.treasury.address) }),
    },
    {
        name: 'ProposeAddAttestationRoot',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'ProposeAddAttestationRoot', queryId, rootHash: HASHES.newRoot }),
    },
    {
        name: 'ProposeAddImage',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'ProposeAddImage', queryId, imageHash: HASHES.newImage, roles: 3n }),
    },
    {
        name: 'ProposeAddModel',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'ProposeAddModel', queryId, modelHash: 0x7777n }),
    },
    {
        name: 'ProposeGuardian',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (env, _s, queryId) => ({ $$type: 'ProposeGuardian', queryId, guardian: env.stranger.address }),
    },
    {
        name: 'ProposeGovernance',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (env, _s, queryId) => ({ $$type: 'ProposeGovernance', queryId, newGovernance: env.stranger.address }),
    },
    {
        // The target (stranger, node 5) is not deployed: the freeze bounces back to the Root.
        name: 'ProposeSlash',
        min: MIN_VALUE_ENFORCE,
        who: 'governance',
        reply: 'excesses',
        message: (env, _s, queryId) => ({
            $$type: 'ProposeSlash',
            queryId,
            owner: env.stranger.address,
            nodeIndex: 5n,
            amount: 1n,
            reasonHash: 1n,
        }),
    },
    {
        name: 'ProposeRelease',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (env, _s, queryId) => ({ $$type: 'ProposeRelease', queryId, owner: env.stranger.address, nodeIndex: 5n }),
    },
    {
        name: 'ExecuteProposal',
        min: G,
        who: 'stranger',
        reply: 'excesses',
        message: (_e, s, queryId) => ({ $$type: 'ExecuteProposal', queryId, proposalId: s.dueId }),
    },
    {
        name: 'CancelProposal',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, s, queryId) => ({ $$type: 'CancelProposal', queryId, proposalId: s.cancelId }),
    },
    {
        name: 'AcceptGovernance',
        min: G,
        who: 'newGovernance',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'AcceptGovernance', queryId }),
    },
    {
        name: 'RevokeAttestationRoot',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'RevokeAttestationRoot', queryId, rootHash: HASHES.root }),
    },
    {
        name: 'RevokeImage',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'RevokeImage', queryId, imageHash: HASHES.bothImage, roles: ROLE_WORKER }),
    },
    {
        name: 'RevokeModel',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'RevokeModel', queryId, modelHash: HASHES.model }),
    },
    {
        name: 'DelistProxy',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, s, queryId) => ({ $$type: 'DelistProxy', queryId, provider: s.listedProvider }),
    },
    { name: 'Pause', min: G, who: 'guardian', reply: 'excesses', message: (_e, _s, queryId) => ({ $$type: 'Pause', queryId }) },
    {
        name: 'Unpause',
        min: G,
        who: 'governance',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'Unpause', queryId }),
        prepare: async (env) => {
            expectAccepted(await env.root.sendPause(env.guardian.getSender()), env.guardian.address, env.root.address);
        },
    },
    {
        name: 'CancelGovernanceTransfer',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'CancelGovernanceTransfer', queryId }),
    },
    {
        name: 'RemoveGuardian',
        min: G,
        who: 'guardian',
        reply: 'excesses',
        message: (_e, _s, queryId) => ({ $$type: 'RemoveGuardian', queryId }),
    },
    {
        name: 'QueryImage',
        min: MIN_VALUE_QUERY,
        who: 'stranger',
        reply: loadImageVerdict,
        message: (_e, _s, queryId) => ({
            $$type: 'QueryImage',
            queryId,
            imageHash: HASHES.workerImage,
            role: ROLE_WORKER,
            attestationRoot: HASHES.root,
        }),
    },
    {
        name: 'QueryParams',
        min: MIN_VALUE_QUERY,
        who: 'stranger',
        reply: loadRootParams,
        message: (_e, _s, queryId) => ({ $$type: 'QueryParams', queryId }),
    },
    {
        name: 'ListProxyForRoot',
        min: MIN_VALUE_DIRECTORY,
        who: 'provider',
        reply: loadProxyListed,
        message: (env, _s, queryId) => ({
            $$type: 'ListProxyForRoot',
            queryId,
            owner: env.stranger.address,
            nodeIndex: 0n,
            imageHash: HASHES.proxyImage,
            attestationRoot: HASHES.root,
            endpoint: 'e'.repeat(120),
        }),
    },
    {
        name: 'DelistProxyForRoot',
        min: MIN_VALUE_DIRECTORY,
        who: 'provider',
        reply: loadProxyDelisted,
        message: (env, _s, queryId) => ({ $$type: 'DelistProxyForRoot', queryId, owner: env.stranger.address, nodeIndex: 0n }),
    },
];

function actor(env: Env, s: Setup, who: Who): { address: Address; sender: Sender } {
    if (who === 'provider') return s.provider;
    return { address: env[who].address, sender: env[who].getSender() };
}

describe('attached value', () => {
    it('the table covers every typed receiver', () => {
        const typed = ctx.env.root.abi
            .receivers!.filter((r) => r.message.kind === 'typed')
            .map((r) => (r.message as { type: string }).type);
        expect(rows.map((r) => r.name).sort()).toEqual([...typed].sort());
        expect(MIN_VALUE_QUERY).toBeGreaterThan(0n);
        expect(MIN_VALUE_DIRECTORY).toBeGreaterThan(0n);
        expect(MIN_VALUE_GOVERNANCE).toBeGreaterThan(0n);
        expect(OP_EXCESSES).toBe(0xd53276dbn); // TEP-74 excesses
    });

    describe.each(rows)('$name', (row) => {
        const run = async (value: bigint, queryId = 0n) => {
            const { env, extra } = ctx;
            if (row.prepare) await row.prepare(env);
            const a = actor(env, extra, row.who);
            const before = await captureRoot(env);
            const result = await env.root.send(a.sender, { value }, row.message(env, extra, queryId));
            return { a, before, result };
        };

        it('is refused with ERR_INSUFFICIENT_VALUE just below its minimum, changing nothing', async () => {
            const { env, extra } = ctx;
            if (row.prepare) await row.prepare(env);
            const a = actor(env, extra, row.who);
            await refuses(env, a.address, ERR_INSUFFICIENT_VALUE, () =>
                env.root.send(a.sender, { value: row.min - 1n }, row.message(env, extra, 0n)),
            );
        });

        it('works with exactly its minimum', async () => {
            const { a, result } = await run(row.min);
            expectAccepted(result, a.address, ctx.env.root.address);
            expect(messagesBetween(result, ctx.env.root.address, a.address)).toHaveLength(1);
        });

        it("returns the excess to the sender with its queryId; the Root's balance does not go down", async () => {
            const { env } = ctx;
            const value = toNano('1');
            const { a, before, result } = await run(value, 0x1234_5678_9abcn);
            expectAccepted(result, a.address, env.root.address);
            const returned = messagesBetween(result, env.root.address, a.address);
            expect(returned).toHaveLength(1);
            if (row.reply === 'excesses') {
                expect(returned[0].body.beginParse().preloadUint(32)).toBe(Number(OP_EXCESSES));
                expect(excessesTo(result, env.root.address, a.address).queryId).toBe(0x1234_5678_9abcn);
            } else {
                expect(replyFrom(result, env.root.address, a.address, row.reply).queryId).toBe(0x1234_5678_9abcn);
            }
            // the sender gets back everything but the fees of this one message
            expect(returned[0].value).toBeGreaterThan(value - row.min);
            expect(returned[0].value).toBeLessThan(value);
            // same blockchain time as the previous message: no storage fee, so nothing may be lower
            expect(storageFees(result, env.root.address)).toBe(0n);
            const after = (await env.blockchain.getContract(env.root.address)).balance;
            expect(after).toBeGreaterThanOrEqual(before.balance);
        });
    });
});
