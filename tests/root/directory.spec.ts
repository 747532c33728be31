/**
 * The proxy directory: only a proxy's own Provider contract (address derived from root, owner and
 * node index) lists or delists itself, with an allowlisted proxy image and attestation root and a
 * short single-cell endpoint, within the directory's bound. Governance and the guardian may delist.
 */
import '@ton/test-utils';
import { beginCell, Cell, contractAddress } from '@ton/core';
import { Provider } from '../../build/Provider/tact_Provider';
import {
    ERR_ATTESTATION_ROOT_NOT_ALLOWED,
    ERR_DIRECTORY_FULL,
    ERR_IMAGE_NOT_ALLOWED,
    ERR_INVALID_ENDPOINT,
    ERR_NOT_LISTED,
    ERR_NOT_PROVIDER,
    loadProxyDelisted,
    loadProxyListed,
    MAX_ENDPOINT_BYTES,
    MAX_PROXIES,
    ROLE_PROXY,
    ROLE_WORKER,
    Root,
    storeListProxyForRoot,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { Env, HASHES } from '../fixtures/environment';
import {
    captureRoot,
    delistProxyForRoot,
    deployRoot,
    excessesTo,
    expectAccepted,
    expectUnchanged,
    listProxy,
    ListArgs,
    plain,
    providerSender,
    refuses,
    replyFrom,
    rootEvents,
    sendRaw,
    sharedEnvironment,
} from '../helpers/root';

const ctx = sharedEnvironment();

const ENDPOINT = 'https://proxy-1.example:8443';

function args(env: Env, over: Partial<ListArgs> = {}): ListArgs {
    return {
        owner: env.stranger.address,
        nodeIndex: 0n,
        imageHash: HASHES.proxyImage,
        attestationRoot: HASHES.root,
        endpoint: ENDPOINT,
        ...over,
    };
}

/** Lists and checks that the Root accepted it. */
async function listOk(env: Env, over: Partial<ListArgs> = {}) {
    const l = await listProxy(env, args(env, over));
    expectAccepted(l.result, l.provider, env.root.address);
    return l;
}

/** Lists and checks that the Root refused it with `code`, changing nothing. */
async function listRefused(env: Env, code: bigint, over: Partial<ListArgs> = {}) {
    const a = args(env, over);
    const from = await env.root.getProviderAddress(a.owner, a.nodeIndex ?? 0n);
    await refuses(env, from, code, async () => (await listProxy(env, a)).result);
}

/** ListProxyForRoot body with a hand-made endpoint cell. */
function rawListBody(env: Env, endpoint: Cell, queryId = 0n) {
    return beginCell()
        .storeUint(Root.opcodes.ListProxyForRoot, 32)
        .storeUint(queryId, 64)
        .storeAddress(env.stranger.address)
        .storeUint(0, 32)
        .storeUint(HASHES.proxyImage, 256)
        .storeUint(HASHES.root, 256)
        .storeRef(endpoint)
        .endCell();
}

describe('Provider addresses', () => {
    it('getProviderAddress equals the address of Provider.fromInit(root, owner, nodeIndex)', async () => {
        const { env } = ctx;
        const seen = new Set<string>();
        for (const owner of [env.stranger.address, env.governance.address]) {
            for (const nodeIndex of [0n, 1n, 0xffffffffn]) {
                const expected = contractAddress(0, (await Provider.fromInit(env.root.address, owner, nodeIndex)).init!);
                const got = await env.root.getProviderAddress(owner, nodeIndex);
                expect(got.equals(expected)).toBe(true);
                seen.add(got.toRawString());
            }
        }
        expect(seen.size).toBe(6);
        // the Root's address is part of the derivation
        const other = await deployRoot(env, { nonce: 1n });
        const a = await other.root.getProviderAddress(env.stranger.address, 0n);
        expect(a.equals(contractAddress(0, (await Provider.fromInit(other.root.address, env.stranger.address, 0n)).init!))).toBe(true);
        expect(seen.has(a.toRawString())).toBe(false);
    });
});

describe('ListProxyForRoot', () => {
    it('lists the proxy: entry, ProxyListed reply with the configVersion, DirectoryChanged event', async () => {
        const { env } = ctx;
        const before = await env.root.getState();
        const { result, provider } = await listOk(env, { queryId: 21n });
        const state = await env.root.getState();
        expect(state.proxyCount).toBe(before.proxyCount + 1n);
        expect(state.configVersion).toBe(before.configVersion + 1n);

        const entry = await env.root.getProxy(provider);
        expect(plain(entry)).toEqual(
            plain({
                $$type: 'ProxyEntry',
                owner: env.stranger.address,
                nodeIndex: 0n,
                imageHash: HASHES.proxyImage,
                attestationRoot: HASHES.root,
                endpoint: ENDPOINT,
                listedAt: BigInt(env.blockchain.now!),
            }),
        );
        expect((await env.root.getProxies()).keys().map((k) => k.toRawString())).toEqual([provider.toRawString()]);

        const reply = replyFrom(result, env.root.address, provider, loadProxyListed);
        expect(reply).toEqual({ $$type: 'ProxyListed', queryId: 21n, configVersion: state.configVersion });

        const events = rootEvents(result, env.root.address);
        expect(plain(events)).toEqual(
            plain([{ $$type: 'DirectoryChanged', configVersion: state.configVersion, provider, listed: true, endpoint: ENDPOINT }]),
        );
    });

    it('accepts an image allowed for both roles and the test attestation root on a test Root', async () => {
        const { env } = ctx;
        await listOk(env, { imageHash: HASHES.bothImage, attestationRoot: TEST_ATTESTATION_ROOT_HASH });
    });

    it('re-listing updates the entry without growing the count', async () => {
        const { env } = ctx;
        const { provider } = await listOk(env);
        await listOk(env, { nodeIndex: 1n });
        const before = await env.root.getState();
        env.blockchain.now! += 600;
        const { result } = await listOk(env, {
            imageHash: HASHES.bothImage,
            attestationRoot: TEST_ATTESTATION_ROOT_HASH,
            endpoint: 'https://moved.example',
        });
        const state = await env.root.getState();
        expect(state.proxyCount).toBe(before.proxyCount);
        expect(state.configVersion).toBe(before.configVersion + 1n);
        const entry = (await env.root.getProxy(provider))!;
        expect(entry.imageHash).toBe(HASHES.bothImage);
        expect(entry.attestationRoot).toBe(TEST_ATTESTATION_ROOT_HASH);
        expect(entry.endpoint).toBe('https://moved.example');
        expect(entry.listedAt).toBe(BigInt(env.blockchain.now!));
        expect(replyFrom(result, env.root.address, provider, loadProxyListed).configVersion).toBe(state.configVersion);
    });

    it('is refused with ERR_NOT_PROVIDER from any other address, including the right owner with the wrong node index', async () => {
        const { env } = ctx;
        const msg = args(env);
        const wrong = [
            { address: env.stranger.address, sender: env.stranger.getSender() }, // the owner itself
            await providerSender(env, env.stranger.address, 1n), // wrong node index
            await providerSender(env, env.governance.address, 0n), // another owner's Provider
            { address: env.governance.address, sender: env.governance.getSender() },
        ];
        for (const w of wrong) {
            await refuses(env, w.address, ERR_NOT_PROVIDER, async () => (await listProxy(env, { ...msg, via: w.sender })).result);
        }
    });

    it('is refused with ERR_IMAGE_NOT_ALLOWED for an image without the proxy role', async () => {
        const { env } = ctx;
        await listRefused(env, ERR_IMAGE_NOT_ALLOWED, { imageHash: HASHES.workerImage }); // worker role only
        await listRefused(env, ERR_IMAGE_NOT_ALLOWED, { imageHash: HASHES.newImage }); // unknown
        expectAccepted(
            await env.root.sendRevokeImage(env.guardian.getSender(), HASHES.bothImage, ROLE_PROXY),
            env.guardian.address,
            env.root.address,
        );
        expect(await env.root.getIsImageAllowed(HASHES.bothImage, ROLE_WORKER)).toBe(true);
        await listRefused(env, ERR_IMAGE_NOT_ALLOWED, { imageHash: HASHES.bothImage }); // proxy role revoked
    });

    it('is refused with ERR_ATTESTATION_ROOT_NOT_ALLOWED for an unknown or revoked attestation root', async () => {
        const { env } = ctx;
        await listRefused(env, ERR_ATTESTATION_ROOT_NOT_ALLOWED, { attestationRoot: HASHES.newRoot });
        expectAccepted(
            await env.root.sendRevokeAttestationRoot(env.guardian.getSender(), HASHES.root),
            env.guardian.address,
            env.root.address,
        );
        await listRefused(env, ERR_ATTESTATION_ROOT_NOT_ALLOWED, { attestationRoot: HASHES.root });
    });

    it(`accepts an endpoint of exactly ${MAX_ENDPOINT_BYTES} bytes`, async () => {
        const { env } = ctx;
        const endpoint = 'h'.repeat(Number(MAX_ENDPOINT_BYTES));
        const { provider } = await listOk(env, { endpoint });
        expect((await env.root.getProxy(provider))!.endpoint).toBe(endpoint);
    });

    it.each([
        ['empty', ''],
        [`${MAX_ENDPOINT_BYTES + 1n} bytes`, 'h'.repeat(Number(MAX_ENDPOINT_BYTES) + 1)],
        ['200 bytes (snake of two cells)', 'h'.repeat(200)],
    ])('refuses an endpoint that is %s with ERR_INVALID_ENDPOINT', async (_l, endpoint) => {
        const { env } = ctx;
        await listRefused(env, ERR_INVALID_ENDPOINT, { endpoint });
    });

    it('refuses a short endpoint split over two cells with ERR_INVALID_ENDPOINT', async () => {
        const { env } = ctx;
        const { address } = await providerSender(env, env.stranger.address, 0n);
        // the hand-made layout matches the generated serializer for a single-cell endpoint
        const single = beginCell().storeStringTail('https://a.example').endCell();
        const generated = beginCell()
            .store(
                storeListProxyForRoot({
                    $$type: 'ListProxyForRoot',
                    queryId: 0n,
                    owner: env.stranger.address,
                    nodeIndex: 0n,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    endpoint: 'https://a.example',
                }),
            )
            .endCell();
        expect(rawListBody(env, single).equals(generated)).toBe(true);
        // a single-cell hand-made body is accepted, a two-cell one refused
        const split = beginCell()
            .storeBuffer(Buffer.from('https://a'))
            .storeRef(beginCell().storeBuffer(Buffer.from('.example')).endCell())
            .endCell();
        await refuses(env, address, ERR_INVALID_ENDPOINT, () => sendRaw(env, address, rawListBody(env, split)));
        const ok = await sendRaw(env, address, rawListBody(env, single));
        expectAccepted(ok, address, env.root.address);
    });

    it(`lists up to ${MAX_PROXIES} proxies, then refuses new ones with ERR_DIRECTORY_FULL`, async () => {
        const { env } = ctx;
        for (let i = 0n; i < MAX_PROXIES; i++) await listOk(env, { nodeIndex: i });
        expect((await env.root.getState()).proxyCount).toBe(MAX_PROXIES);
        expect((await env.root.getProxies()).size).toBe(Number(MAX_PROXIES));
        await listRefused(env, ERR_DIRECTORY_FULL, { nodeIndex: MAX_PROXIES });
        await listRefused(env, ERR_DIRECTORY_FULL, { owner: env.governance.address, nodeIndex: 0n });
        // a listed proxy can still update its entry
        await listOk(env, { nodeIndex: 5n, endpoint: 'https://updated.example' });
        expect((await env.root.getState()).proxyCount).toBe(MAX_PROXIES);
        // leaving frees a slot
        const d = await delistProxyForRoot(env, { owner: env.stranger.address, nodeIndex: 7n });
        expectAccepted(d.result, d.provider, env.root.address);
        await listOk(env, { nodeIndex: MAX_PROXIES });
        expect((await env.root.getState()).proxyCount).toBe(MAX_PROXIES);
    });
});

describe('DelistProxyForRoot', () => {
    it('is idempotent: wasListed true the first time, false (and nothing changes) the second', async () => {
        const { env } = ctx;
        const { provider } = await listOk(env);
        const v0 = (await env.root.getState()).configVersion;

        const first = await delistProxyForRoot(env, { owner: env.stranger.address, queryId: 1n });
        expectAccepted(first.result, provider, env.root.address);
        const s1 = await env.root.getState();
        expect(s1.configVersion).toBe(v0 + 1n);
        expect(s1.proxyCount).toBe(0n);
        expect(await env.root.getProxy(provider)).toBeNull();
        expect(replyFrom(first.result, env.root.address, provider, loadProxyDelisted)).toEqual({
            $$type: 'ProxyDelisted',
            queryId: 1n,
            configVersion: v0 + 1n,
            wasListed: true,
        });
        expect(plain(rootEvents(first.result, env.root.address))).toEqual(
            plain([{ $$type: 'DirectoryChanged', configVersion: v0 + 1n, provider, listed: false, endpoint: '' }]),
        );

        const before = await captureRoot(env);
        const second = await delistProxyForRoot(env, { owner: env.stranger.address, queryId: 2n });
        expectAccepted(second.result, provider, env.root.address);
        expect(replyFrom(second.result, env.root.address, provider, loadProxyDelisted)).toEqual({
            $$type: 'ProxyDelisted',
            queryId: 2n,
            configVersion: v0 + 1n,
            wasListed: false,
        });
        await expectUnchanged(env, before, second.result);
    });

    it('a never-listed Provider gets wasListed false', async () => {
        const { env } = ctx;
        const before = await captureRoot(env);
        const d = await delistProxyForRoot(env, { owner: env.governance.address, nodeIndex: 3n });
        expectAccepted(d.result, d.provider, env.root.address);
        expect(replyFrom(d.result, env.root.address, d.provider, loadProxyDelisted).wasListed).toBe(false);
        await expectUnchanged(env, before, d.result);
    });

    it('is refused with ERR_NOT_PROVIDER from any other address', async () => {
        const { env } = ctx;
        await listOk(env);
        const wrong = [
            { address: env.stranger.address, sender: env.stranger.getSender() },
            await providerSender(env, env.stranger.address, 1n),
            { address: env.guardian.address, sender: env.guardian.getSender() },
        ];
        for (const w of wrong) {
            await refuses(
                env,
                w.address,
                ERR_NOT_PROVIDER,
                async () => (await delistProxyForRoot(env, { owner: env.stranger.address, via: w.sender })).result,
            );
        }
    });
});

describe('DelistProxy', () => {
    it.each(['governance', 'guardian'] as const)('%s removes a listed proxy at once', async (who) => {
        const { env } = ctx;
        const { provider } = await listOk(env);
        const actor = env[who];
        const r = await env.root.sendDelistProxy(actor.getSender(), provider, 13n);
        expectAccepted(r, actor.address, env.root.address);
        expect(excessesTo(r, env.root.address, actor.address).queryId).toBe(13n);
        expect(await env.root.getProxy(provider)).toBeNull();
        expect((await env.root.getState()).proxyCount).toBe(0n);
        // delisting it again: not listed
        await refuses(env, actor.address, ERR_NOT_LISTED, () => env.root.sendDelistProxy(actor.getSender(), provider));
    });

    it('refuses an address that is not listed with ERR_NOT_LISTED', async () => {
        const { env } = ctx;
        await listOk(env);
        const other = await env.root.getProviderAddress(env.stranger.address, 1n);
        await refuses(env, env.governance.address, ERR_NOT_LISTED, () => env.root.sendDelistProxy(env.governance.getSender(), other));
        await refuses(env, env.guardian.address, ERR_NOT_LISTED, () =>
            env.root.sendDelistProxy(env.guardian.getSender(), env.stranger.address),
        );
    });

    it('a delisted proxy may list itself again', async () => {
        const { env } = ctx;
        const { provider } = await listOk(env);
        expectAccepted(await env.root.sendDelistProxy(env.guardian.getSender(), provider), env.guardian.address, env.root.address);
        await listOk(env);
        expect(await env.root.getProxy(provider)).not.toBeNull();
    });
});
