/**
 * Justifies MIN_VALUE_ENFORCE for executing a slash or a release (contracts/root/constants.tact).
 * tests/gas/fees.spec.ts covers what the Root alone spends of it (proposing and cancelling a slash).
 *
 * The executor's ExecuteProposal reaches the Root, which keeps its balance and forwards the rest to
 * the Provider (ExecuteSlash or ReleaseFromJail); the Provider keeps its balance less the slash,
 * pays the treasury the slash out of its own balance, delists or lists a proxy with
 * DIRECTORY_MESSAGE_VALUE (the Root's answer to that stays with the Provider as storage buffer) and
 * returns the rest to the executor. So what executing costs the executor is
 *
 *   cost = value - returned
 *
 * with `returned` the Excesses the Provider sends back. The dearest execution must cost at most
 * MIN_VALUE_ENFORCE / MARGIN (the same margin as the other minimum values). Measured on a directory
 * one below MAX_PROXIES, so a release lists into the last slot, with the longest endpoints. Each
 * execution is then replayed with exactly MIN_VALUE_ENFORCE (it succeeds end to end, the Provider
 * ends as it did with more value, the rest reaches the executor) and with one nanoton less
 * (refused by the Root with ERR_INSUFFICIENT_VALUE; the proposal stays pending).
 *
 * FEES_REPORT=1 npx jest tests/gas/enforce.fees prints every measured cost.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import { BlockchainSnapshot, SendMessageResult } from '@ton/sandbox';
import { ERR_INSUFFICIENT_VALUE, MAX_ENDPOINT_BYTES, MAX_PROXIES, MIN_VALUE_ENFORCE } from '../../wrappers/Root';
import { STATUS_ACTIVE, STATUS_EXITING, STATUS_JAILED } from '../../wrappers/Provider';
import { deployEnvironment, Env } from '../fixtures/environment';
import { activate, aProxyProfile, createNode, expectAllSucceeded, Node } from '../helpers/provider';
import { createdProposal, messagesBetween, plain } from '../helpers/root';
import { directoryFiller } from './providers';

const MARGIN = 2n;
const MEASURE_VALUE = toNano('1');

interface Measured {
    op: string;
    cost: bigint;
    id: bigint;
    node: Node;
    after: unknown;
}

function ton(n: bigint): string {
    return `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')} TON`;
}

describe('MIN_VALUE_ENFORCE: executing a slash or a release', () => {
    let env: Env;
    let base: BlockchainSnapshot;
    const measured: Measured[] = [];

    const execute = (id: bigint, value: bigint) => env.root.sendExecuteProposal(env.stranger.getSender(), id, 0n, value);
    const returned = (r: SendMessageResult, n: Node) =>
        messagesBetween(r, n.provider.address, env.stranger.address).reduce((a, m) => a + m.value, 0n);

    beforeAll(async () => {
        // Short delays, so the bindings made at the start are still valid when the releases run.
        env = await deployEnvironment({ params: { vetoWindow: 3600n, governanceDelay: 3600n } });
        const { blockchain, root, governance } = env;
        const gov = governance.getSender();
        const longest = (tag: string) => aProxyProfile({ endpoint: `https://${tag}.example.org/`.padEnd(Number(MAX_ENDPOINT_BYTES), 'x') });

        // ---- the directory: entries listed from Provider addresses ----
        const fillTo = await directoryFiller(blockchain, root);
        await fillTo(MAX_PROXIES - 3n); // room for the three proxies below

        // ---- the nodes ----
        const proxyNode = async (seed: string) => {
            const n = await createNode(env, 'proxy', { seed });
            n.profile = longest(seed);
            await activate(env, n);
            return n;
        };
        const listed = await proxyNode('listed');
        const jailed = await proxyNode('jailed');
        const exiting = await proxyNode('exiting');
        const worker = await createNode(env, 'worker');
        await activate(env, worker);
        // Above the minimum, so a release makes the jailed proxy active (and lists it) again.
        expectAllSucceeded(await jailed.provider.sendStake(jailed.owner.getSender(), toNano('500')));
        expectAllSucceeded(await exiting.provider.sendRequestExit(exiting.owner.getSender()));

        const slash = async (n: Node, amount: bigint) =>
            createdProposal(await root.sendProposeSlash(gov, { owner: n.owner.address, amount, reasonHash: 1n }), root.address).proposalId;
        const release = async (n: Node) =>
            createdProposal(await root.sendProposeRelease(gov, { owner: n.owner.address }), root.address).proposalId;
        const jailing = await slash(jailed, toNano('100'));
        env.advance(3600 + 60);
        expectAllSucceeded(await execute(jailing, toNano('1')));
        expect((await jailed.provider.getState()).status).toBe(STATUS_JAILED);
        await fillTo(MAX_PROXIES - 1n); // the jailed and the exiting proxy left: fill again, one below

        const ids = {
            listed: await slash(listed, toNano('300')),
            worker: await slash(worker, toNano('5000')),
            exiting: await slash(exiting, toNano('10')),
            release: await release(jailed),
            releaseFree: await release(worker),
        };
        env.advance(3600 + 60); // past the veto window and the governance delay
        base = blockchain.snapshot();

        const measure = async (op: string, id: bigint, node: Node) => {
            await blockchain.loadFrom(base);
            const r = await execute(id, MEASURE_VALUE);
            expectAllSucceeded(r);
            measured.push({ op, id, node, cost: MEASURE_VALUE - returned(r, node), after: plain(await node.provider.getState()) });
        };
        await measure('slash listed proxy (jails, delists)', ids.listed, listed);
        await measure('slash worker, more than it holds (capped, jails)', ids.worker, worker);
        await measure('slash exiting proxy (stays exiting)', ids.exiting, exiting);
        await measure('release jailed proxy (activates, lists in the last slot)', ids.release, jailed);
        await measure('release of a Provider not jailed (no change)', ids.releaseFree, worker);

        const after = (op: string) => measured.find((m) => m.op === op)!.after;
        expect(after('slash listed proxy (jails, delists)')).toMatchObject({ status: STATUS_JAILED, listed: false });
        expect(after('slash worker, more than it holds (capped, jails)')).toMatchObject({ status: STATUS_JAILED, stake: 0n });
        expect(after('slash exiting proxy (stays exiting)')).toMatchObject({ status: STATUS_EXITING });
        expect(after('release jailed proxy (activates, lists in the last slot)')).toMatchObject({ status: STATUS_ACTIVE, listed: true });
        await blockchain.loadFrom(base);
        await execute(ids.release, MEASURE_VALUE);
        expect((await root.getState()).proxyCount).toBe(MAX_PROXIES);
    });

    afterAll(() => {
        if (process.env.FEES_REPORT === '1') {
            console.log(['operation'.padEnd(58) + 'cost', ...measured.map((m) => `${m.op.padEnd(58)}${ton(m.cost)}`)].join('\n'));
        }
    });

    const dearest = () => measured.reduce((a, b) => (b.cost > a.cost ? b : a));

    it(`the dearest execution costs at most 1/${MARGIN} of MIN_VALUE_ENFORCE`, () => {
        const m = dearest();
        const detail = `${m.op} costs ${ton(m.cost)}; MIN_VALUE_ENFORCE is ${ton(MIN_VALUE_ENFORCE)}, ${(Number(MIN_VALUE_ENFORCE) / Number(m.cost)).toFixed(2)}x that, need ${MARGIN}x`;
        expect({ ok: m.cost * MARGIN <= MIN_VALUE_ENFORCE, detail }).toEqual({ ok: true, detail });
    });

    it('each execution with exactly MIN_VALUE_ENFORCE succeeds end to end, costs the same and returns the rest', async () => {
        for (const m of measured) {
            await env.blockchain.loadFrom(base);
            const r = await execute(m.id, MIN_VALUE_ENFORCE);
            expectAllSucceeded(r);
            expect({ op: m.op, cost: MIN_VALUE_ENFORCE - returned(r, m.node) }).toEqual({ op: m.op, cost: m.cost });
            expect({ op: m.op, state: plain(await m.node.provider.getState()) }).toEqual({ op: m.op, state: m.after });
        }
    });

    it('each execution with one nanoton less is refused by the Root, and the proposal stays', async () => {
        for (const m of measured) {
            await env.blockchain.loadFrom(base);
            const before = plain(await m.node.provider.getState());
            const r = await execute(m.id, MIN_VALUE_ENFORCE - 1n);
            expect(r.transactions).toHaveTransaction({ to: env.root.address, success: false, exitCode: Number(ERR_INSUFFICIENT_VALUE) });
            expect(r.transactions).not.toHaveTransaction({ to: m.node.provider.address });
            expect(await env.root.getProposal(m.id)).not.toBeNull();
            expect(plain(await m.node.provider.getState())).toEqual(before);
        }
    });
});
