/**
 * Profile bounds, checked the same way at registration and at every update, each kind of problem
 * with its own exit code; updates of an accepted profile, and a listed proxy's endpoint change
 * reaching the Root's directory.
 */
import '@ton/test-utils';
import { toNano } from '@ton/core';
import {
    ERR_PROFILE_ENDPOINT,
    ERR_PROFILE_GPU,
    ERR_PROFILE_HOURS,
    ERR_PROFILE_MODELS,
    ERR_PROFILE_PRICES,
    ERR_PROFILE_TEXT,
    MAX_ENDPOINT_BYTES,
    MAX_GPU_COUNT,
    MAX_PRICE_PER_TOKEN,
    MAX_SERVED_MODELS,
    MAX_TEXT_BYTES,
    MAX_VRAM_GB,
    Prices,
    Profile,
    Provider,
    STATUS_ACTIVE,
    STATUS_REGISTERED,
} from '../../wrappers/Provider';
import { Env, HASHES } from '../fixtures/environment';
import {
    activate,
    aProxyProfile,
    aWorkerProfile,
    createNode,
    errorName,
    eventsOf,
    excessesFrom,
    Node,
    opsBetween,
    profileCell,
    readProfile,
    refuses,
    register,
    Role,
} from '../helpers/provider';
import { plain, sharedEnvironment } from '../helpers/root';

interface Setup {
    fresh: Record<Role, Node>; // never registered
    registered: Record<Role, Node>;
}

const ctx = sharedEnvironment<Setup>({}, async (env) => {
    const fresh = { worker: await createNode(env, 'worker', { nodeIndex: 0n }), proxy: await createNode(env, 'proxy', { nodeIndex: 0n }) };
    const registered = {
        worker: await createNode(env, 'worker', { nodeIndex: 1n }),
        proxy: await createNode(env, 'proxy', { nodeIndex: 1n }),
    };
    await register(registered.worker);
    await register(registered.proxy);
    return { fresh, registered };
});

const models = (n: number) => Array.from({ length: n }, (_, i) => 0x10000n + BigInt(i));
const MAX = Number(MAX_TEXT_BYTES);
const proxyPrices = aProxyProfile().prices;
const pricesWith = (o: Partial<Prices>) => {
    const { $$type: _t, ...rest } = { ...proxyPrices, ...o };
    return rest;
};

type Case = [string, bigint, Profile];

const WORKER_INVALID: Case[] = [
    ['0 online hours', ERR_PROFILE_HOURS, aWorkerProfile({ onlineHoursPerDay: 0 })],
    ['25 online hours', ERR_PROFILE_HOURS, aWorkerProfile({ onlineHoursPerDay: 25 })],
    ['0 GPUs', ERR_PROFILE_GPU, aWorkerProfile({ gpuCount: 0 })],
    [`${MAX_GPU_COUNT + 1n} GPUs`, ERR_PROFILE_GPU, aWorkerProfile({ gpuCount: Number(MAX_GPU_COUNT) + 1 })],
    ['0 GB of VRAM', ERR_PROFILE_GPU, aWorkerProfile({ vramGb: 0 })],
    [`${MAX_VRAM_GB + 1n} GB of VRAM`, ERR_PROFILE_GPU, aWorkerProfile({ vramGb: Number(MAX_VRAM_GB) + 1 })],
    ['an empty GPU model', ERR_PROFILE_TEXT, aWorkerProfile({ gpuModel: '' })],
    [`a ${MAX + 1}-byte GPU model`, ERR_PROFILE_TEXT, aWorkerProfile({ gpuModel: 'g'.repeat(MAX + 1) })],
    ['a 200-byte GPU model (more than one cell)', ERR_PROFILE_TEXT, aWorkerProfile({ gpuModel: 'g'.repeat(200) })],
    ['an empty region', ERR_PROFILE_TEXT, aWorkerProfile({ region: '' })],
    [`a ${MAX + 1}-byte region`, ERR_PROFILE_TEXT, aWorkerProfile({ region: 'r'.repeat(MAX + 1) })],
    ['a region of 22 characters but 66 bytes', ERR_PROFILE_TEXT, aWorkerProfile({ region: '€'.repeat(22) })],
    ['no served model', ERR_PROFILE_MODELS, aWorkerProfile({ models: [] })],
    [`${MAX_SERVED_MODELS + 1n} served models`, ERR_PROFILE_MODELS, aWorkerProfile({ models: models(Number(MAX_SERVED_MODELS) + 1) })],
    ...(['prompt', 'cached', 'completion', 'reasoning', 'workerFee'] as const).map((k): Case => [
        `a non-zero ${k} price`,
        ERR_PROFILE_PRICES,
        { ...aWorkerProfile(), prices: { ...aWorkerProfile().prices, [k]: 1n } },
    ]),
    ['an endpoint', ERR_PROFILE_ENDPOINT, { ...aWorkerProfile(), endpoint: 'https://worker.example' }],
];

const PROXY_INVALID: Case[] = [
    ['0 online hours', ERR_PROFILE_HOURS, aProxyProfile({ onlineHoursPerDay: 0 })],
    ['25 online hours', ERR_PROFILE_HOURS, aProxyProfile({ onlineHoursPerDay: 25 })],
    ['a GPU count', ERR_PROFILE_GPU, { ...aProxyProfile(), gpuCount: 1n }],
    ['VRAM', ERR_PROFILE_GPU, { ...aProxyProfile(), vramGb: 1n }],
    [`a ${MAX + 1}-byte GPU model`, ERR_PROFILE_TEXT, { ...aProxyProfile(), gpuModel: 'g'.repeat(MAX + 1) }],
    ['an empty region', ERR_PROFILE_TEXT, aProxyProfile({ region: '' })],
    [`a ${MAX + 1}-byte region`, ERR_PROFILE_TEXT, aProxyProfile({ region: 'r'.repeat(MAX + 1) })],
    ['one served model', ERR_PROFILE_MODELS, { ...aProxyProfile(), models: aWorkerProfile({ models: [HASHES.model] }).models }],
    ['a zero completion price', ERR_PROFILE_PRICES, aProxyProfile({ prices: pricesWith({ completion: 0n }) })],
    ...(['prompt', 'cached', 'completion', 'reasoning', 'workerFee'] as const).map((k): Case => [
        `a ${k} price above MAX_PRICE_PER_TOKEN`,
        ERR_PROFILE_PRICES,
        aProxyProfile({ prices: pricesWith({ [k]: MAX_PRICE_PER_TOKEN + 1n }) }),
    ]),
    ['an empty endpoint', ERR_PROFILE_ENDPOINT, aProxyProfile({ endpoint: '' })],
    [
        `a ${MAX_ENDPOINT_BYTES + 1n}-byte endpoint`,
        ERR_PROFILE_ENDPOINT,
        aProxyProfile({ endpoint: 'https://' + 'e'.repeat(Number(MAX_ENDPOINT_BYTES) - 7) }),
    ],
    ['a 200-byte endpoint (more than one cell)', ERR_PROFILE_ENDPOINT, aProxyProfile({ endpoint: 'https://' + 'e'.repeat(192) })],
];

const WORKER_VALID: [string, Profile][] = [
    [
        'the least of everything',
        aWorkerProfile({ gpuCount: 1, vramGb: 1, onlineHoursPerDay: 1, gpuModel: 'g', region: 'r', models: models(1) }),
    ],
    [
        'the most of everything',
        aWorkerProfile({
            gpuCount: Number(MAX_GPU_COUNT),
            vramGb: Number(MAX_VRAM_GB),
            onlineHoursPerDay: 24,
            gpuModel: 'g'.repeat(MAX),
            region: 'r'.repeat(MAX),
            models: models(Number(MAX_SERVED_MODELS)),
        }),
    ],
];

const PROXY_VALID: [string, Profile][] = [
    [
        'the least of everything',
        aProxyProfile({
            onlineHoursPerDay: 1,
            region: 'r',
            endpoint: 'e',
            prices: { prompt: 0n, cached: 0n, completion: 1n, reasoning: 0n, workerFee: 0n },
        }),
    ],
    [
        'the most of everything',
        aProxyProfile({
            onlineHoursPerDay: 24,
            region: 'r'.repeat(MAX),
            endpoint: 'https://' + 'e'.repeat(Number(MAX_ENDPOINT_BYTES) - 8),
            prices: pricesWith({
                prompt: MAX_PRICE_PER_TOKEN,
                cached: MAX_PRICE_PER_TOKEN,
                completion: MAX_PRICE_PER_TOKEN,
                reasoning: MAX_PRICE_PER_TOKEN,
                workerFee: MAX_PRICE_PER_TOKEN,
            }),
        }),
    ],
];

const named = (cases: Case[]) => cases.map(([name, code, profile]) => [name, errorName(code), code, profile] as const);

function utf8(s: string) {
    return Buffer.byteLength(s, 'utf8');
}

async function refusedAtRegisterAndUpdate(env: Env, role: Role, code: bigint, profile: Profile) {
    const { fresh, registered } = ctx.extra;
    const f = fresh[role];
    await refuses(env, f.provider, f.owner.address, code, () => f.provider.sendRegister(f.owner.getSender(), role, profile));
    const r = registered[role];
    await refuses(env, r.provider, r.owner.address, code, () => r.provider.sendUpdateProfile(r.owner.getSender(), profile));
}

async function acceptedAtRegisterAndUpdate(env: Env, role: Role, profile: Profile) {
    const { fresh, registered } = ctx.extra;
    await register(fresh[role], { profile });
    expect(profileCell(await readProfile(env, fresh[role].provider))).toBe(profileCell(profile));
    const r = registered[role];
    const u = await r.provider.sendUpdateProfile(r.owner.getSender(), profile);
    expect(u.transactions).toHaveTransaction({ from: r.owner.address, to: r.provider.address, success: true });
    expect(profileCell(await readProfile(env, r.provider))).toBe(profileCell(profile));
}

describe('Provider profile bounds', () => {
    it('the sample texts have the byte lengths the cases claim', () => {
        expect(utf8('€'.repeat(22))).toBe(66);
        expect(utf8('https://' + 'e'.repeat(Number(MAX_ENDPOINT_BYTES) - 7))).toBe(Number(MAX_ENDPOINT_BYTES) + 1);
        expect(utf8(PROXY_VALID[1][1].endpoint)).toBe(Number(MAX_ENDPOINT_BYTES));
    });

    it.each(named(WORKER_INVALID))(
        'a worker profile with %s is refused with %s at registration and at update',
        async (_name, _code, code, profile) => {
            await refusedAtRegisterAndUpdate(ctx.env, 'worker', code, profile);
        },
    );

    it.each(named(PROXY_INVALID))(
        'a proxy profile with %s is refused with %s at registration and at update',
        async (_name, _code, code, profile) => {
            await refusedAtRegisterAndUpdate(ctx.env, 'proxy', code, profile);
        },
    );

    it.each(WORKER_VALID)('a worker profile with %s is accepted at registration and at update', async (_name, profile) => {
        await acceptedAtRegisterAndUpdate(ctx.env, 'worker', profile);
    });

    it.each(PROXY_VALID)('a proxy profile with %s is accepted at registration and at update', async (_name, profile) => {
        await acceptedAtRegisterAndUpdate(ctx.env, 'proxy', profile);
    });

    it('a worker profile is refused for a proxy and a proxy profile for a worker', async () => {
        await refusedAtRegisterAndUpdate(ctx.env, 'proxy', ERR_PROFILE_GPU, aWorkerProfile());
        await refusedAtRegisterAndUpdate(ctx.env, 'worker', ERR_PROFILE_GPU, aProxyProfile());
    });
});

describe('Provider profile updates', () => {
    it('a worker updates its profile: ProfileUpdated, the getter, the excess back, nothing sent to the Root', async () => {
        const { env, extra } = ctx;
        const w = extra.registered.worker;
        const next = aWorkerProfile({ gpuCount: 4, region: 'us-east', models: [HASHES.model, HASHES.newModel] });
        const r = await w.provider.sendUpdateProfile(w.owner.getSender(), next, 31n);
        const updated = eventsOf(r, w.provider.address, 'ProfileUpdated');
        expect(updated).toHaveLength(1);
        expect(profileCell(updated[0].profile)).toBe(profileCell(next));
        expect(profileCell(await readProfile(env, w.provider))).toBe(profileCell(next));
        expect(excessesFrom(r, w.provider.address, w.owner.address).queryId).toBe(31n);
        expect(opsBetween(r, w.provider.address, env.root.address)).toEqual([]);
        expect((await w.provider.getState()).status).toBe(STATUS_REGISTERED);
    });

    it('a listed proxy that changes its endpoint updates its directory entry', async () => {
        const { env, extra } = ctx;
        const x = extra.fresh.proxy;
        await activate(env, x);
        expect((await env.root.getProxy(x.provider.address))!.endpoint).toBe(x.profile.endpoint);
        env.blockchain.now! += 60;
        const next = aProxyProfile({ endpoint: 'https://moved.example:9443' });
        const r = await x.provider.sendUpdateProfile(x.owner.getSender(), next);
        expect(opsBetween(r, x.provider.address, env.root.address)).toEqual([Provider.opcodes.ListProxyForRoot]);
        expect(r.transactions).toHaveTransaction({ from: x.provider.address, to: env.root.address, success: true });
        const entry = (await env.root.getProxy(x.provider.address))!;
        expect(entry.endpoint).toBe('https://moved.example:9443');
        expect(entry.listedAt).toBe(BigInt(env.blockchain.now!));
        expect((await env.root.getState()).proxyCount).toBe(1n);
        const s = await x.provider.getState();
        expect([s.status, s.listed]).toEqual([STATUS_ACTIVE, true]);
    });

    it('a listed proxy that keeps its endpoint sends nothing to the Root; its entry stays as it was', async () => {
        const { env, extra } = ctx;
        const x = extra.fresh.proxy;
        await activate(env, x);
        const entry = plain(await env.root.getProxy(x.provider.address));
        env.blockchain.now! += 60;
        const next = aProxyProfile({ region: 'ap-south', prices: pricesWith({ completion: toNano('0.0000005') }) });
        const r = await x.provider.sendUpdateProfile(x.owner.getSender(), next);
        expect(opsBetween(r, x.provider.address, env.root.address)).toEqual([]);
        expect(plain(await env.root.getProxy(x.provider.address))).toEqual(entry);
        expect(profileCell(await readProfile(env, x.provider))).toBe(profileCell(next));
    });

    it('an unlisted proxy that changes its endpoint sends nothing to the Root', async () => {
        const { env, extra } = ctx;
        const x = extra.registered.proxy;
        const r = await x.provider.sendUpdateProfile(x.owner.getSender(), aProxyProfile({ endpoint: 'https://elsewhere.example' }));
        expect(r.transactions).toHaveTransaction({ from: x.owner.address, to: x.provider.address, success: true });
        expect(opsBetween(r, x.provider.address, env.root.address)).toEqual([]);
        expect(await env.root.getProxy(x.provider.address)).toBeNull();
    });
});
