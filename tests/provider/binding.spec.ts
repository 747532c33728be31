/**
 * Attestation binding: the TEE key signs the binding claim for this Provider, the Provider checks
 * the signature and the expiry, asks the Root whether image and attestation root are allowed for
 * its role, and binds only on a clean verdict; a refusal names its reasons and keeps the previous
 * binding.
 */
import '@ton/test-utils';
import { Address } from '@ton/core';
import {
    bindingClaimHash,
    CHECK_BIND,
    CHECK_VALUE,
    ERR_BAD_TEE_SIGNATURE,
    ERR_BINDING_EXPIRED,
    ERR_CHECK_PENDING,
    loadQueryImage,
    Provider,
    REFUSED_IMAGE,
    REFUSED_LIFETIME,
    REFUSED_PAUSED,
    REFUSED_ROOT,
    ROLE_PROXY,
    ROLE_WORKER,
    signBindingClaim,
    STATUS_ACTIVE,
    STATUS_REGISTERED,
    storeBindAttestation,
    storeBindingClaim,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    activate,
    bind,
    BindArgs,
    captureProvider,
    cellOf,
    createNode,
    defaultExpiry,
    eventsOf,
    excessesFrom,
    expectAllSucceeded,
    Node,
    opsBetween,
    publicKeyInt,
    refuses,
    register,
    sendBind,
    stake,
    stepwise,
    teeKey,
} from '../helpers/provider';
import { messagesBetween, plain, sharedEnvironment } from '../helpers/root';

interface Setup {
    worker: Node; // registered, nothing bound
    proxy: Node; // registered, nothing bound
    boundWorker: Node; // active: bound to the worker image, staked
    boundProxy: Node; // active and listed
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const s: Setup = {
        worker: await createNode(env, 'worker'),
        proxy: await createNode(env, 'proxy'),
        boundWorker: await createNode(env, 'worker', { nodeIndex: 1n }),
        boundProxy: await createNode(env, 'proxy', { nodeIndex: 1n }),
    };
    await register(s.worker);
    await register(s.proxy);
    await activate(env, s.boundWorker);
    await activate(env, s.boundProxy);
    return s;
});

const now = (env: Env) => BigInt(env.blockchain.now!);

describe('Binding a TEE key', () => {
    it('a bind the Root confirms: QueryImage for the role, BindingChanged, the getter, the excess back', async () => {
        const { env, extra } = ctx;
        for (const [node, role] of [
            [extra.worker, ROLE_WORKER],
            [extra.proxy, ROLE_PROXY],
        ] as const) {
            const p = node.provider;
            const { result, expiresAt } = await sendBind(env, node, { queryId: 41n });
            expectAllSucceeded(result);
            const q = messagesBetween(result, p.address, env.root.address);
            expect(q).toHaveLength(1);
            expect(plain(loadQueryImage(q[0].body.beginParse()))).toEqual(
                plain({ $$type: 'QueryImage', queryId: 41n, imageHash: node.image, role, attestationRoot: HASHES.root }),
            );
            expect(opsBetween(result, env.root.address, p.address)).toEqual([Provider.opcodes.ImageVerdict]);
            const binding = {
                $$type: 'Binding',
                imageHash: node.image,
                attestationRoot: HASHES.root,
                teeKey: publicKeyInt(node.key),
                expiresAt,
                revoked: false,
            };
            expect(plain(eventsOf(result, p.address, 'BindingChanged'))).toEqual(plain([{ ...binding, $$type: 'BindingChanged' }]));
            expect(eventsOf(result, p.address, 'BindingRefused')).toEqual([]);
            expect(plain(await p.getBinding())).toEqual(plain(binding));
            expect(excessesFrom(result, p.address, node.owner.address).queryId).toBe(41n);
            // bound but not staked: still registered
            expect((await p.getState()).status).toBe(STATUS_REGISTERED);
            expect(await p.getPendingCheck()).toBeNull();
        }
    });

    it("the wrapper's bindingClaimHash equals the getBindingClaimHash getter and the BindingClaim cell", async () => {
        const { env, extra } = ctx;
        const p = extra.worker.provider;
        for (const [image, root, expiresAt] of [
            [HASHES.workerImage, HASHES.root, now(env) + 100n],
            [0n, 0n, 0n],
            [(1n << 256n) - 1n, TEST_ATTESTATION_ROOT_HASH, (1n << 32n) - 1n],
        ]) {
            const off = BigInt('0x' + bindingClaimHash(p.address, image, root, expiresAt).toString('hex'));
            expect(await p.getBindingClaimHash(image, root, expiresAt)).toBe(off);
            const cell = cellOf(
                storeBindingClaim({ $$type: 'BindingClaim', provider: p.address, imageHash: image, attestationRoot: root, expiresAt }),
            );
            expect(BigInt('0x' + cell.hash().toString('hex'))).toBe(off);
            // another Provider's claim hashes differently
            expect(await extra.proxy.provider.getBindingClaimHash(image, root, expiresAt)).not.toBe(off);
        }
    });

    const BAD_SIGNATURES: [string, (env: Env, n: Node, other: Address) => BindArgs][] = [
        [
            'a signature by another key',
            (env, n) => ({ signature: signBindingClaim(teeKey('intruder'), n.provider.address, n.image, HASHES.root, defaultExpiry(env)) }),
        ],
        [
            'a signature over the claim for another Provider',
            (env, n, other) => ({ signature: signBindingClaim(n.key, other, n.image, HASHES.root, defaultExpiry(env)) }),
        ],
        [
            'a signature over another expiresAt',
            (env, n) => ({ signature: signBindingClaim(n.key, n.provider.address, n.image, HASHES.root, defaultExpiry(env) - 1n) }),
        ],
        [
            'a signature over another image hash',
            (env, n) => ({ signature: signBindingClaim(n.key, n.provider.address, HASHES.bothImage, HASHES.root, defaultExpiry(env)) }),
        ],
        [
            'a signature over another attestation root',
            (env, n) => ({ signature: signBindingClaim(n.key, n.provider.address, n.image, HASHES.newRoot, defaultExpiry(env)) }),
        ],
        ['64 zero bytes as signature', () => ({ signature: Buffer.alloc(64) })],
    ];

    it.each(BAD_SIGNATURES)('a bind with %s is refused with ERR_BAD_TEE_SIGNATURE; the binding stays', async (_name, make) => {
        const { env, extra } = ctx;
        for (const n of [extra.worker, extra.boundWorker]) {
            // the message names the node's own key; only the signature is not its signature over this claim
            const args = { key: n.key, ...make(env, n, extra.proxy.provider.address) };
            await refuses(env, n.provider, n.owner.address, ERR_BAD_TEE_SIGNATURE, async () => (await sendBind(env, n, args)).result);
        }
    });

    it.each([
        ['now', 0n],
        ['a second ago', -1n],
        ['the epoch', null],
    ])('an expiry of %s is refused with ERR_BINDING_EXPIRED', async (_name, offset) => {
        const { env, extra } = ctx;
        const expiresAt = offset === null ? 0n : now(env) + offset;
        for (const n of [extra.worker, extra.boundWorker]) {
            await refuses(
                env,
                n.provider,
                n.owner.address,
                ERR_BINDING_EXPIRED,
                async () => (await sendBind(env, n, { expiresAt })).result,
            );
        }
    });

    it('an expiry one second ahead and one exactly at now + attestationLifetime are accepted', async () => {
        const { env, extra } = ctx;
        await bind(env, extra.worker, { expiresAt: now(env) + 1n });
        const lifetime = (await env.root.getParams()).attestationLifetime;
        await bind(env, extra.worker, { expiresAt: now(env) + lifetime, key: teeKey('second') });
    });

    it('while the Root is being asked the check is pending: another bind, a re-check and an exit wait (ERR_CHECK_PENDING)', async () => {
        const { env, extra } = ctx;
        const n = extra.boundWorker;
        const p = n.provider;
        const key = teeKey('in-flight');
        const expiresAt = defaultExpiry(env);
        const body = cellOf(
            storeBindAttestation({
                $$type: 'BindAttestation',
                queryId: 5n,
                imageHash: HASHES.bothImage,
                attestationRoot: HASHES.root,
                teeKey: publicKeyInt(key),
                expiresAt,
                signature: signBindingClaim(key, p.address, HASHES.bothImage, HASHES.root, expiresAt),
            }),
        );
        const flight = await stepwise(env, n.owner.address, p.address, body, CHECK_VALUE);
        await flight.step();
        expect(plain(await p.getPendingCheck())).toEqual(
            plain({
                $$type: 'PendingCheck',
                kind: CHECK_BIND,
                queryId: 5n,
                replyTo: n.owner.address,
                binding: {
                    $$type: 'Binding',
                    imageHash: HASHES.bothImage,
                    attestationRoot: HASHES.root,
                    teeKey: publicKeyInt(key),
                    expiresAt,
                    revoked: false,
                },
            }),
        );
        expect((await p.getState()).checkPending).toBe(true);
        // the old binding still counts until the verdict
        expect((await p.getBinding())!.teeKey).toBe(publicKeyInt(n.key));
        await refuses(env, p, n.owner.address, ERR_CHECK_PENDING, async () => (await sendBind(env, n, { key: teeKey('other') })).result);
        await refuses(env, p, env.stranger.address, ERR_CHECK_PENDING, () => p.sendRecheck(env.stranger.getSender()));
        await refuses(env, p, n.owner.address, ERR_CHECK_PENDING, () => p.sendRequestExit(n.owner.getSender()));
        // staking does not wait
        await stake(n, 1_000_000_000n);
        const rest = await flight.rest();
        expect(eventsOf(rest, p.address, 'BindingChanged')).toHaveLength(1);
        expect(excessesFrom(rest, p.address, n.owner.address).queryId).toBe(5n);
        expect(await p.getPendingCheck()).toBeNull();
        expect((await p.getBinding())!.teeKey).toBe(publicKeyInt(key));
    });
});

describe('Bindings the Root refuses', () => {
    type Refusal = [string, string, 'worker' | 'proxy', bigint, (env: Env) => Promise<BindArgs>];
    const REFUSALS: Refusal[] = [
        ['a worker binding the proxy-only image', 'REFUSED_IMAGE', 'worker', REFUSED_IMAGE, async () => ({ image: HASHES.proxyImage })],
        ['a proxy binding the worker-only image', 'REFUSED_IMAGE', 'proxy', REFUSED_IMAGE, async () => ({ image: HASHES.workerImage })],
        ['an image never allowlisted', 'REFUSED_IMAGE', 'worker', REFUSED_IMAGE, async () => ({ image: HASHES.newImage })],
        ['an unknown attestation root', 'REFUSED_ROOT', 'worker', REFUSED_ROOT, async () => ({ attestationRoot: HASHES.newRoot })],
        [
            'a paused Root',
            'REFUSED_PAUSED',
            'proxy',
            REFUSED_PAUSED,
            async (env) => {
                await env.root.sendPause(env.guardian.getSender());
                return {};
            },
        ],
        [
            'an expiry beyond now + attestationLifetime',
            'REFUSED_LIFETIME',
            'worker',
            REFUSED_LIFETIME,
            async (env) => ({ expiresAt: now(env) + (await env.root.getParams()).attestationLifetime + 1n }),
        ],
        [
            'everything wrong at once',
            'all four bits',
            'worker',
            REFUSED_IMAGE | REFUSED_ROOT | REFUSED_PAUSED | REFUSED_LIFETIME,
            async (env) => {
                await env.root.sendPause(env.guardian.getSender());
                return { image: HASHES.proxyImage, attestationRoot: HASHES.newRoot, expiresAt: now(env) + 90n * 86_400n };
            },
        ],
    ];

    it.each(REFUSALS)('%s: BindingRefused with %s, the previous binding and status kept', async (_name, _label, role, reasons, prepare) => {
        const { env, extra } = ctx;
        const n = role === 'worker' ? extra.boundWorker : extra.boundProxy;
        const p = n.provider;
        const args = { key: teeKey('refused'), queryId: 8n, ...(await prepare(env)) };
        const before = await captureProvider(env, p);
        const { result, expiresAt, args: sent } = await sendBind(env, n, args);
        expectAllSucceeded(result);
        expect(plain(eventsOf(result, p.address, 'BindingRefused'))).toEqual(
            plain([
                {
                    $$type: 'BindingRefused',
                    imageHash: sent.imageHash,
                    attestationRoot: sent.attestationRoot,
                    teeKey: publicKeyInt(sent.teeKey),
                    reasons,
                },
            ]),
        );
        expect(eventsOf(result, p.address, 'BindingChanged')).toEqual([]);
        expect(eventsOf(result, p.address, 'ProviderStatusChanged')).toEqual([]);
        expect(expiresAt).toBe(sent.expiresAt);
        const after = await captureProvider(env, p);
        expect(after.binding).toEqual(before.binding);
        expect((await p.getState()).status).toBe(STATUS_ACTIVE);
        expect(await p.getPendingCheck()).toBeNull();
        expect(excessesFrom(result, p.address, n.owner.address).queryId).toBe(8n);
        // and a first bind refused the same way leaves nothing bound
        const fresh = role === 'worker' ? extra.worker : extra.proxy;
        const r2 = await sendBind(env, fresh, { ...args, queryId: 9n });
        expect(eventsOf(r2.result, fresh.provider.address, 'BindingRefused').map((e) => e.reasons)).toEqual([reasons]);
        expect(await fresh.provider.getBinding()).toBeNull();
    });

    it('an expiry that passes while the query is in flight is refused with REFUSED_LIFETIME', async () => {
        const { env, extra } = ctx;
        const n = extra.worker;
        const p = n.provider;
        const expiresAt = now(env) + 10n;
        const body = cellOf(
            storeBindAttestation({
                $$type: 'BindAttestation',
                queryId: 6n,
                imageHash: n.image,
                attestationRoot: HASHES.root,
                teeKey: publicKeyInt(n.key),
                expiresAt,
                signature: signBindingClaim(n.key, p.address, n.image, HASHES.root, expiresAt),
            }),
        );
        const flight = await stepwise(env, n.owner.address, p.address, body, CHECK_VALUE);
        await flight.step(); // accepted: the expiry is still ahead
        env.blockchain.now! += 10;
        const rest = await flight.rest();
        expect(eventsOf(rest, p.address, 'BindingRefused').map((e) => e.reasons)).toEqual([REFUSED_LIFETIME]);
        expect(await p.getBinding()).toBeNull();
    });
});

describe('Re-binding', () => {
    it('a new binding replaces the previous one (key, image, root and expiry)', async () => {
        const { env, extra } = ctx;
        const n = extra.boundWorker;
        const p = n.provider;
        const key = teeKey('replacement');
        env.blockchain.now! += 3600;
        const { result, expiresAt } = await bind(env, n, { key, image: HASHES.bothImage, attestationRoot: TEST_ATTESTATION_ROOT_HASH });
        expect(plain(await p.getBinding())).toEqual(
            plain({
                $$type: 'Binding',
                imageHash: HASHES.bothImage,
                attestationRoot: TEST_ATTESTATION_ROOT_HASH,
                teeKey: publicKeyInt(key),
                expiresAt,
                revoked: false,
            }),
        );
        expect(eventsOf(result, p.address, 'BindingChanged').map((e) => e.teeKey)).toEqual([publicKeyInt(key)]);
        expect((await p.getState()).status).toBe(STATUS_ACTIVE);
    });

    it('the same key may be re-bound with a later expiry', async () => {
        const { env, extra } = ctx;
        const n = extra.boundWorker;
        const first = (await n.provider.getBinding())!.expiresAt;
        env.blockchain.now! += 86_400;
        const { expiresAt } = await bind(env, n);
        expect(expiresAt).toBeGreaterThan(first);
        expect((await n.provider.getBinding())!.teeKey).toBe(publicKeyInt(n.key));
    });

    it('a verdict also refreshes the Root parameters the Provider knows', async () => {
        const { env, extra } = ctx;
        const versionBefore = await env.root.getConfigVersion();
        expect((await extra.boundWorker.provider.getRootView()).configVersion).toBeLessThan(versionBefore);
        await env.root.sendPause(env.guardian.getSender());
        await env.root.sendUnpause(env.governance.getSender());
        await bind(env, extra.boundWorker);
        expect((await extra.boundWorker.provider.getRootView()).configVersion).toBe(versionBefore + 2n);
    });
});
