/**
 * Justifies the Root's minimum values (contracts/root/constants.tact, exported by the generated
 * wrapper): MIN_VALUE_GOVERNANCE, MIN_VALUE_QUERY, MIN_VALUE_DIRECTORY and, for what the Root itself
 * spends of it, MIN_VALUE_ENFORCE.
 *
 * Every handler keeps the Root's balance as it was and sends the rest of the incoming value back
 * (Root.answer). So what a message must carry is its cost to the sender:
 *
 *   cost = totalFees of the Root's transaction, less its storage fee (paid from the Root's own
 *          balance), i.e. gas + every event's fee + the first part of the reply's forwarding fee
 *        + the forwarding fee the reply still carries (info.forwardFee), which it needs to arrive.
 *
 * + the value and forwarding fee of any other message it sends (the freeze of a slash proposal,
 *   the unfreeze of its cancellation), which the value pays too,
 *
 * and the reply carries exactly `value - cost`, which the tests check. The cost is measured for
 * every operation of each class with the Root at its bounds (allowlists, pending proposals and the
 * directory one below their limits, so each addition fills the last slot, and the longest
 * endpoint), and the dearest operation of each class must cost at most 1 / MARGIN of the
 * class's minimum value. The margin covers gas-price and forwarding-price changes by the network
 * and code growth; with less, a config change could make a minimum-value message fail its action
 * phase. Then that operation is replayed with exactly the minimum value (it succeeds and the
 * excess reaches the sender) and with one nanoton less (refused with ERR_INSUFFICIENT_VALUE).
 */
import '@ton/test-utils';
import { Address, Sender, toNano, Transaction } from '@ton/core';
import { BlockchainSnapshot, SendMessageResult } from '@ton/sandbox';
import {
    emptyAttestationRoots,
    emptyImages,
    emptyModels,
    ERR_INSUFFICIENT_VALUE,
    ExtendedRoot,
    MAX_ATTESTATION_ROOTS,
    MAX_ENDPOINT_BYTES,
    MAX_IMAGES,
    MAX_MODELS,
    MAX_PENDING_PROPOSALS,
    MAX_PROXIES,
    MIN_VALUE_DIRECTORY,
    MIN_VALUE_ENFORCE,
    MIN_VALUE_GOVERNANCE,
    MIN_VALUE_QUERY,
    ROLE_PROXY,
    ROLE_WORKER,
    ROLES_ALL,
    RootInit,
} from '../../wrappers/Root';
import { DAY, HASHES, defaultParams, deployEnvironment, Env, RootContract } from '../fixtures/environment';
import { ExtendedProvider } from '../../wrappers/Provider';
import { aWorkerProfile } from '../helpers/provider';

/** The dearest operation of a class may cost at most MIN_VALUE / MARGIN. */
const MARGIN = 2n;

type Class = 'governance' | 'query' | 'directory' | 'enforce';
const MIN_VALUE: Record<Class, { name: string; value: bigint }> = {
    governance: { name: 'MIN_VALUE_GOVERNANCE', value: MIN_VALUE_GOVERNANCE },
    // What makes the Root message a Provider. Executing a slash or a release costs the executor
    // the whole chain (the Provider's part too): tests/gas/enforce.fees.spec.ts.
    enforce: { name: 'MIN_VALUE_ENFORCE', value: MIN_VALUE_ENFORCE },
    query: { name: 'MIN_VALUE_QUERY', value: MIN_VALUE_QUERY },
    directory: { name: 'MIN_VALUE_DIRECTORY', value: MIN_VALUE_DIRECTORY },
};
/** Value sent while measuring: comfortably above every minimum. */
const MEASURE_VALUE = toNano('1');

interface Measured {
    op: string;
    cls: Class;
    cost: bigint;
    /** Blockchain state just before the operation, to replay it with another value. */
    before: BlockchainSnapshot;
    run: (value: bigint) => Promise<SendMessageResult>;
    replyTo: Address;
}

interface Cost {
    cost: bigint;
    value: bigint;
    replyValue: bigint;
}

function ton(n: bigint): string {
    return `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')} TON`;
}

function rootTransaction(result: SendMessageResult, root: Address): Transaction {
    const txs = result.transactions.filter((t) => t.inMessage?.info.type === 'internal' && t.inMessage.info.dest.equals(root));
    if (txs.length !== 1) throw new Error(`expected one Root transaction, found ${txs.length}`);
    return txs[0];
}

/** The cost defined at the top of this file, from the Root's transaction. */
function costOf(result: SendMessageResult, root: Address, op: string): Cost {
    const tx = rootTransaction(result, root);
    const d = tx.description;
    if (d.type !== 'generic' || d.computePhase.type !== 'vm' || !d.computePhase.success || d.aborted) {
        const code = d.type === 'generic' && d.computePhase.type === 'vm' ? d.computePhase.exitCode : '?';
        throw new Error(`${op}: the Root's transaction failed (exit code ${code})`);
    }
    const inInfo = tx.inMessage!.info;
    if (inInfo.type !== 'internal') throw new Error('unreachable');
    const out = tx.outMessages.values().filter((m) => m.info.type === 'internal');
    const replies = out.filter((m) => m.info.type === 'internal' && m.info.dest.equals(inInfo.src));
    if (replies.length !== 1) throw new Error(`${op}: expected one reply, found ${replies.length}`);
    const reply = replies[0].info;
    if (reply.type !== 'internal') throw new Error('unreachable');
    // Anything else the Root sends (a slash's freeze or unfreeze) comes out of the value too.
    let others = 0n;
    for (const m of out) if (m !== replies[0] && m.info.type === 'internal') others += m.info.value.coins + m.info.forwardFee;
    const storage = d.storagePhase?.storageFeesCollected ?? 0n;
    return { cost: tx.totalFees.coins - storage + reply.forwardFee + others, value: inInfo.value.coins, replyValue: reply.value.coins };
}

describe('Root minimum values', () => {
    let env: Env;
    let root: RootContract;
    const measured: Measured[] = [];

    beforeAll(async () => {
        env = await deployEnvironment();
        const { blockchain, governance, newGovernance, stranger, treasury, advance } = env;
        const delay = 2 * DAY + 60;

        const expectOk = (result: SendMessageResult) => {
            expect(result.transactions).toHaveTransaction({ to: root.address, success: true });
            return result;
        };
        const measure = async (op: string, cls: Class, replyTo: Address, run: (value: bigint) => Promise<SendMessageResult>) => {
            const before = blockchain.snapshot();
            const result = await run(MEASURE_VALUE);
            const { cost, value, replyValue } = costOf(result, root.address, op);
            // The accounting above is exactly what the Root does: the rest goes back.
            expect({ op, replyValue }).toEqual({ op, replyValue: value - cost });
            measured.push({ op, cls, cost, before, run, replyTo });
        };

        // ---- a Root deployed with every allowlist one below its bound ----
        // (through init rather than proposals: the same checks run, in one transaction.)
        const init: RootInit = {
            ...env.init,
            attestationRoots: emptyAttestationRoots(),
            images: emptyImages(),
            models: emptyModels(),
            nonce: 1n,
        };
        env.init.attestationRoots.keys().forEach((k) => init.attestationRoots.set(k, true));
        env.init.images.keys().forEach((k) => init.images.set(k, env.init.images.get(k)!));
        env.init.models.keys().forEach((k) => init.models.set(k, true));
        for (let i = 0n; init.attestationRoots.size < Number(MAX_ATTESTATION_ROOTS) - 1; i++) init.attestationRoots.set(0xa000n + i, true);
        for (let i = 0n; init.images.size < Number(MAX_IMAGES) - 1; i++) init.images.set(0xb000n + i, Number(ROLES_ALL));
        for (let i = 0n; init.models.size < Number(MAX_MODELS) - 1; i++) init.models.set(0xc000n + i, true);
        root = blockchain.openContract(await ExtendedRoot.fromRootInit(init));
        expectOk(await root.sendDeploy(env.deployer.getSender(), toNano('1')));
        const loaded = await root.getState();
        expect([loaded.attestationRootCount, loaded.imageCount, loaded.modelCount]).toEqual([
            MAX_ATTESTATION_ROOTS - 1n,
            MAX_IMAGES - 1n,
            MAX_MODELS - 1n,
        ]);
        let gov: Sender = governance.getSender();

        // ---- the directory one below its bound, every endpoint as long as allowed ----
        const owner = await blockchain.treasury('proxy-owner');
        const endpoint = (i: bigint) => `https://proxy-${i}.example.org:8443/`.padEnd(Number(MAX_ENDPOINT_BYTES), 'x');
        const provider = async (i: bigint) => {
            const address = await root.getProviderAddress(owner.address, i);
            return { address, sender: blockchain.sender(address) };
        };
        const list = async (i: bigint, value: bigint) =>
            root.send(
                (await provider(i)).sender,
                { value },
                {
                    $$type: 'ListProxyForRoot',
                    queryId: 0n,
                    owner: owner.address,
                    nodeIndex: i,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    endpoint: endpoint(i),
                },
            );
        for (let i = 1n; i < MAX_PROXIES; i++) expectOk(await list(i, toNano('0.1')));
        expect((await root.getState()).proxyCount).toBe(MAX_PROXIES - 1n);

        // ---- pending proposals one below their bound: 7 to execute below, 8 fillers ----
        const first = (await root.getState()).nextProposalId;
        expectOk(await root.sendProposeParams(gov, defaultParams(treasury.address, { protocolFeeBps: 200n })));
        expectOk(await root.sendProposeAddAttestationRoot(gov, 0xa0ffn));
        expectOk(await root.sendProposeAddImage(gov, 0xb0ffn, ROLES_ALL));
        expectOk(await root.sendProposeAddModel(gov, 0xc0ffn));
        expectOk(await root.sendProposeGuardian(gov, stranger.address));
        expectOk(await root.sendProposeGovernance(gov, newGovernance.address));
        expectOk(await root.sendProposeGovernance(gov, newGovernance.address));
        for (let i = 0n; i < MAX_PENDING_PROPOSALS - 8n; i++) expectOk(await root.sendProposeAddModel(gov, 0xd000n + i));
        expect((await root.getState()).proposalCount).toBe(MAX_PENDING_PROPOSALS - 1n);

        // ---- governance: each proposal kind fills the last slot, then is cancelled ----
        const g = governance.address;
        const proposeThenCancel = async (op: string, propose: (value: bigint) => Promise<SendMessageResult>, cls: Class = 'governance') => {
            await measure(op, cls, g, propose);
            const id = (await root.getState()).nextProposalId - 1n;
            const canceller = gov; // the governance of now: `gov` changes below, replays come later
            await measure(`cancel after ${op}`, cls, g, (v) => root.sendCancelProposal(canceller, id, 0n, v));
        };
        const params = defaultParams(treasury.address, { protocolFeeBps: 300n });
        await proposeThenCancel('ProposeParams', (v) => root.sendProposeParams(gov, params, 0n, v));
        await proposeThenCancel('ProposeAddAttestationRoot', (v) => root.sendProposeAddAttestationRoot(gov, 0xa0fen, 0n, v));
        await proposeThenCancel('ProposeAddImage', (v) => root.sendProposeAddImage(gov, 0xb0fen, ROLES_ALL, 0n, v));
        await proposeThenCancel('ProposeAddModel', (v) => root.sendProposeAddModel(gov, 0xc0fen, 0n, v));
        await proposeThenCancel('ProposeGuardian', (v) => root.sendProposeGuardian(gov, stranger.address, 0n, v));
        await proposeThenCancel('ProposeGovernance', (v) => root.sendProposeGovernance(gov, newGovernance.address, 0n, v));
        // A slash freezes its target (a deployed Provider of this Root) at once and its cancellation
        // unfreezes it, after looking through every pending proposal for another slash of it.
        const target = await blockchain.treasury('slash-target');
        const targetProvider = blockchain.openContract(await ExtendedProvider.forNode(root.address, target.address, 0n));
        expectOk(await targetProvider.sendRegister(target.getSender(), 'worker', aWorkerProfile()));
        await proposeThenCancel(
            'ProposeSlash',
            // the governance of now (`gov` changes below; the replays come later)
            (v) => root.sendProposeSlash(governance.getSender(), { owner: target.address, amount: toNano('1'), reasonHash: 1n }, 0n, v),
            'enforce',
        );
        await proposeThenCancel('ProposeRelease', (v) => root.sendProposeRelease(governance.getSender(), { owner: target.address }, 0n, v));

        advance(delay);
        const anyone = stranger.getSender();
        const kinds = ['Params', 'AddAttestationRoot', 'AddImage', 'AddModel', 'Guardian', 'Governance'];
        for (let j = 0; j < kinds.length; j++) {
            await measure(`ExecuteProposal (${kinds[j]})`, 'governance', stranger.address, (v) =>
                root.sendExecuteProposal(anyone, first + BigInt(j), 0n, v),
            );
        }
        await measure('CancelGovernanceTransfer', 'governance', g, (v) => root.sendCancelGovernanceTransfer(gov, 0n, v));
        expectOk(await root.sendExecuteProposal(anyone, first + 6n));
        await measure('AcceptGovernance', 'governance', newGovernance.address, (v) =>
            root.sendAcceptGovernance(newGovernance.getSender(), 0n, v),
        );
        gov = newGovernance.getSender();
        const ng = newGovernance.address;

        // ---- directory: the last slot, a re-listing, both ways out ----
        const last = MAX_PROXIES;
        const lastProvider = await provider(last);
        await measure('ListProxyForRoot (new)', 'directory', lastProvider.address, (v) => list(last, v));
        await measure('ListProxyForRoot (again)', 'directory', lastProvider.address, (v) => list(last, v));
        await measure('DelistProxyForRoot', 'directory', lastProvider.address, (v) =>
            root.send(
                lastProvider.sender,
                { value: v },
                { $$type: 'DelistProxyForRoot', queryId: 0n, owner: owner.address, nodeIndex: last },
            ),
        );
        expectOk(await list(last, toNano('0.1')));
        await measure('DelistProxy', 'governance', ng, (v) => root.sendDelistProxy(gov, lastProvider.address, 0n, v));

        // ---- queries ----
        await measure('QueryImage', 'query', stranger.address, (v) =>
            root.sendQueryImage(anyone, HASHES.proxyImage, ROLE_PROXY, HASHES.root, 0n, v),
        );
        await measure('QueryParams', 'query', stranger.address, (v) => root.sendQueryParams(anyone, 0n, v));

        // ---- revocations, pause, guardian ----
        await measure('RevokeAttestationRoot', 'governance', ng, (v) => root.sendRevokeAttestationRoot(gov, HASHES.root, 0n, v));
        await measure('RevokeImage (some roles)', 'governance', ng, (v) => root.sendRevokeImage(gov, HASHES.bothImage, ROLE_WORKER, 0n, v));
        await measure('RevokeImage (last role)', 'governance', ng, (v) =>
            root.sendRevokeImage(gov, HASHES.workerImage, ROLE_WORKER, 0n, v),
        );
        await measure('RevokeModel', 'governance', ng, (v) => root.sendRevokeModel(gov, HASHES.model, 0n, v));
        await measure('Pause', 'governance', ng, (v) => root.sendPause(gov, 0n, v));
        await measure('Unpause', 'governance', ng, (v) => root.sendUnpause(gov, 0n, v));
        await measure('RemoveGuardian', 'governance', ng, (v) => root.sendRemoveGuardian(gov, 0n, v));
    });

    // FEES_REPORT=1 npx jest tests/gas/fees prints every measured cost.
    afterAll(() => {
        if (process.env.FEES_REPORT === '1') {
            const rows = measured.map((m) => `${m.cls.padEnd(10)} ${m.op.padEnd(36)} ${ton(m.cost)}`);
            console.log(['class      operation                            cost', ...rows].join('\n'));
        }
    });

    const dearest = (cls: Class) => measured.filter((m) => m.cls === cls).reduce((a, b) => (b.cost > a.cost ? b : a));

    it('measured every operation of every class', () => {
        for (const cls of Object.keys(MIN_VALUE)) expect(measured.filter((m) => m.cls === cls).length).toBeGreaterThanOrEqual(2);
    });

    it.each(Object.keys(MIN_VALUE) as Class[])(`%s: the dearest operation costs at most 1/${MARGIN} of the minimum value`, (cls) => {
        const m = dearest(cls);
        const { name, value } = MIN_VALUE[cls];
        const detail = `${m.op} costs ${ton(m.cost)}; ${name} is ${ton(value)}, ${(Number(value) / Number(m.cost)).toFixed(2)}x that, need ${MARGIN}x`;
        expect({ ok: m.cost * MARGIN <= value, detail }).toEqual({ ok: true, detail });
    });

    it.each(Object.keys(MIN_VALUE) as Class[])(
        '%s: the dearest operation with exactly the minimum value succeeds and returns the rest',
        async (cls) => {
            const m = dearest(cls);
            const { value } = MIN_VALUE[cls];
            await env.blockchain.loadFrom(m.before);
            const result = await m.run(value);
            const { cost, replyValue } = costOf(result, root.address, m.op);
            expect(cost).toBe(m.cost);
            expect(replyValue).toBe(value - cost);
            expect(replyValue).toBeGreaterThan(0n);
            expect(result.transactions).toHaveTransaction({ from: root.address, to: m.replyTo, value: replyValue });
        },
    );

    it.each(Object.keys(MIN_VALUE) as Class[])('%s: the dearest operation with one nanoton less is refused', async (cls) => {
        const m = dearest(cls);
        await env.blockchain.loadFrom(m.before);
        const result = await m.run(MIN_VALUE[cls].value - 1n);
        expect(result.transactions).toHaveTransaction({ to: root.address, success: false, exitCode: Number(ERR_INSUFFICIENT_VALUE) });
    });
});
