/**
 * A proxy's place in the Root's directory follows its status: an active proxy lists itself
 * (ListProxyForRoot), one that stops being active delists itself (DelistProxyForRoot). Workers are
 * never listed. (A listing the Root refuses is in bounce.spec.)
 */
import '@ton/test-utils';
import {
    loadDelistProxyForRoot,
    loadListProxyForRoot,
    Provider,
    ROLE_PROXY,
    STATUS_ACTIVE,
    STATUS_EXITING,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    activate,
    bind,
    createNode,
    sendBind,
    expectAllSucceeded,
    Node,
    opsBetween,
    PROXY_ENDPOINT,
    register,
    stake,
    statusChanges,
    teeKey,
} from '../helpers/provider';
import { messagesBetween, plain, rootEvents, setNow, sharedEnvironment } from '../helpers/root';

interface Setup {
    listed: Node; // active proxy, listed
    bound: Node; // registered and bound proxy, nothing staked
    worker: Node; // registered and bound worker, nothing staked
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        listed: await createNode(env, 'proxy'),
        bound: await createNode(env, 'proxy', { nodeIndex: 1n }),
        worker: await createNode(env, 'worker'),
    };
    await activate(env, s.listed);
    await register(s.bound);
    await bind(env, s.bound);
    await register(s.worker);
    await bind(env, s.worker);
    return s;
});

async function expectListed(env: Env, n: Node, endpoint = PROXY_ENDPOINT) {
    const entry = await env.root.getProxy(n.provider.address);
    expect(entry).not.toBeNull();
    const b = (await n.provider.getBinding())!;
    expect(plain({ ...entry!, listedAt: 0n })).toEqual(
        plain({
            $$type: 'ProxyEntry',
            owner: n.owner.address,
            nodeIndex: n.nodeIndex,
            imageHash: b.imageHash,
            attestationRoot: b.attestationRoot,
            endpoint,
            listedAt: 0n,
        }),
    );
    expect((await n.provider.getState()).listed).toBe(true);
}

async function expectUnlisted(env: Env, n: Node) {
    expect(await env.root.getProxy(n.provider.address)).toBeNull();
    expect((await n.provider.getState()).listed).toBe(false);
}

/** The result delisted the proxy: DelistProxyForRoot from it, ProxyDelisted back, the Root's event. */
function expectDelisting(env: Env, r: Awaited<ReturnType<typeof stake>>, n: Node) {
    const sent = messagesBetween(r, n.provider.address, env.root.address).filter(
        (m) => m.body.beginParse().preloadUint(32) === Provider.opcodes.DelistProxyForRoot,
    );
    expect(sent).toHaveLength(1);
    const body = loadDelistProxyForRoot(sent[0].body.beginParse());
    expect(body.owner.equals(n.owner.address)).toBe(true);
    expect(body.nodeIndex).toBe(n.nodeIndex);
    expect(opsBetween(r, env.root.address, n.provider.address)).toContain(Provider.opcodes.ProxyDelisted);
    const changed = rootEvents(r, env.root.address).filter((e) => e.$$type === 'DirectoryChanged');
    expect(plain(changed.map((e) => ({ ...e, configVersion: 0n })))).toEqual(
        plain([{ $$type: 'DirectoryChanged', configVersion: 0n, provider: n.provider.address, listed: false, endpoint: '' }]),
    );
}

describe('Listing', () => {
    it('an active proxy is listed: its ListProxyForRoot carries owner, index, binding and endpoint', async () => {
        const { env, extra } = ctx;
        const n = extra.bound;
        const r = await stake(n);
        const sent = messagesBetween(r, n.provider.address, env.root.address);
        expect(sent).toHaveLength(1);
        const b = (await n.provider.getBinding())!;
        expect(plain(loadListProxyForRoot(sent[0].body.beginParse()))).toEqual(
            plain({
                $$type: 'ListProxyForRoot',
                queryId: 0n,
                owner: n.owner.address,
                nodeIndex: 1n,
                imageHash: b.imageHash,
                attestationRoot: b.attestationRoot,
                endpoint: PROXY_ENDPOINT,
            }),
        );
        expect(opsBetween(r, env.root.address, n.provider.address)).toEqual([Provider.opcodes.ProxyListed]);
        const changed = rootEvents(r, env.root.address).filter((e) => e.$$type === 'DirectoryChanged');
        expect(changed.map((e) => [e.provider.toRawString(), e.listed, e.endpoint])).toEqual([
            [n.provider.address.toRawString(), true, PROXY_ENDPOINT],
        ]);
        await expectListed(env, n);
        expect((await env.root.getState()).proxyCount).toBe(2n);
    });

    it('a proxy staked first is listed by the verdict that binds it', async () => {
        const { env } = ctx;
        const n = await createNode(env, 'proxy', { nodeIndex: 5n });
        await register(n);
        await stake(n);
        await expectUnlisted(env, n);
        const { result } = await bind(env, n);
        expect(statusChanges(result, n.provider.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect(opsBetween(result, n.provider.address, env.root.address)).toEqual([
            Provider.opcodes.QueryImage,
            Provider.opcodes.ListProxyForRoot,
        ]);
        await expectListed(env, n);
    });

    it('a worker is never listed', async () => {
        const { env, extra } = ctx;
        const r = await stake(extra.worker);
        expect(statusChanges(r, extra.worker.provider.address)).toEqual([[STATUS_REGISTERED, STATUS_ACTIVE]]);
        expect(opsBetween(r, extra.worker.provider.address, env.root.address)).toEqual([]);
        await expectUnlisted(env, extra.worker);
    });

    it('delisted on suspension by a revocation and re-check', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.proxyImage, ROLE_PROXY);
        const r = await n.provider.sendRecheck(env.stranger.getSender());
        expectAllSucceeded(r);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expectDelisting(env, r, n);
        await expectUnlisted(env, n);
        expect((await env.root.getState()).proxyCount).toBe(0n);
    });

    it('delisted on suspension by expiry and re-check', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        setNow(env, (await n.provider.getBinding())!.expiresAt);
        const r = await n.provider.sendRecheck(env.stranger.getSender());
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_SUSPENDED]]);
        expectDelisting(env, r, n);
        await expectUnlisted(env, n);
    });

    it('delisted on suspension while the Root is paused (the Root accepts delisting while paused)', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        await env.root.sendPause(env.guardian.getSender());
        const r = await n.provider.sendRecheck(env.stranger.getSender());
        expectAllSucceeded(r);
        expectDelisting(env, r, n);
        await expectUnlisted(env, n);
    });

    it('delisted on an unstake below the minimum, listed again by a top-up', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        const r = await n.provider.sendRequestUnstake(n.owner.getSender(), 1n);
        expectAllSucceeded(r);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_REGISTERED]]);
        expectDelisting(env, r, n);
        await expectUnlisted(env, n);
        const back = await stake(n, 1n);
        expect(opsBetween(back, n.provider.address, env.root.address)).toEqual([Provider.opcodes.ListProxyForRoot]);
        await expectListed(env, n);
    });

    it('delisted on exit', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        const r = await n.provider.sendRequestExit(n.owner.getSender());
        expectAllSucceeded(r);
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_ACTIVE, STATUS_EXITING]]);
        expectDelisting(env, r, n);
        await expectUnlisted(env, n);
    });

    it('an active listed proxy that re-binds refreshes its entry with the new image and root', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        const count = (await env.root.getState()).proxyCount;
        const { result } = await bind(env, n, {
            key: teeKey('refresh'),
            image: HASHES.bothImage,
            attestationRoot: TEST_ATTESTATION_ROOT_HASH,
        });
        expect(statusChanges(result, n.provider.address)).toEqual([]);
        const sent = messagesBetween(result, n.provider.address, env.root.address).map((m) => m.body.beginParse());
        expect(sent.map((s) => s.preloadUint(32))).toEqual([Provider.opcodes.QueryImage, Provider.opcodes.ListProxyForRoot]);
        const listing = loadListProxyForRoot(messagesBetween(result, n.provider.address, env.root.address)[1].body.beginParse());
        // queryId 1 marks an update of a listed entry
        expect([listing.queryId, listing.imageHash, listing.attestationRoot]).toEqual([1n, HASHES.bothImage, TEST_ATTESTATION_ROOT_HASH]);
        await expectListed(env, n);
        const entry = (await env.root.getProxy(n.provider.address))!;
        expect([entry.imageHash, entry.attestationRoot]).toEqual([HASHES.bothImage, TEST_ATTESTATION_ROOT_HASH]);
        expect((await env.root.getState()).proxyCount).toBe(count);
    });

    it('a listed proxy whose re-binding is refused by the Root keeps its entry untouched', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        const entry = plain(await env.root.getProxy(n.provider.address));
        const { result } = await sendBind(env, n, { key: teeKey('refused'), image: HASHES.workerImage });
        expectAllSucceeded(result);
        expect(opsBetween(result, n.provider.address, env.root.address)).toEqual([Provider.opcodes.QueryImage]);
        expect(plain(await env.root.getProxy(n.provider.address))).toEqual(entry);
    });

    it('listed again when a suspended proxy re-binds, and when a paused Root is unpaused and re-checked', async () => {
        const { env, extra } = ctx;
        const n = extra.listed;
        setNow(env, (await n.provider.getBinding())!.expiresAt);
        await n.provider.sendRecheck(env.stranger.getSender());
        await expectUnlisted(env, n);
        const { result } = await bind(env, n, { key: teeKey('rebound'), image: HASHES.bothImage });
        expect(opsBetween(result, n.provider.address, env.root.address)).toEqual([
            Provider.opcodes.QueryImage,
            Provider.opcodes.ListProxyForRoot,
        ]);
        await expectListed(env, n);
        expect((await env.root.getProxy(n.provider.address))!.imageHash).toBe(HASHES.bothImage);

        await env.root.sendPause(env.guardian.getSender());
        await n.provider.sendRecheck(env.stranger.getSender());
        await expectUnlisted(env, n);
        await env.root.sendUnpause(env.governance.getSender());
        const r = await n.provider.sendRecheck(env.stranger.getSender());
        expect(statusChanges(r, n.provider.address)).toEqual([[STATUS_SUSPENDED, STATUS_ACTIVE]]);
        await expectListed(env, n);
    });
});
