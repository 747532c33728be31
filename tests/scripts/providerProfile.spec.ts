/**
 * The scripts' profile check (scripts/lib/profile.ts) against the contract: at each bound of
 * checkProfile the Provider accepts a RegisterProvider, one step outside it refuses with the exit
 * code the check names, and the check agrees. Also the profile file format and its examples.
 */
import '@ton/test-utils';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import {
    ERR_PROFILE_ENDPOINT,
    ERR_PROFILE_GPU,
    ERR_PROFILE_HOURS,
    ERR_PROFILE_MODELS,
    ERR_PROFILE_PRICES,
    ERR_PROFILE_TEXT,
    ExtendedProvider,
    MAX_ENDPOINT_BYTES,
    MAX_GPU_COUNT,
    MAX_PRICE_PER_TOKEN,
    MAX_SERVED_MODELS,
    MAX_TEXT_BYTES,
    MAX_VRAM_GB,
    Profile,
    proxyProfile,
    servedModels,
    workerProfile,
} from '../../wrappers/Provider';
import { modelHash } from '../../wrappers/Root';
import { loadProfileFile, parsePricePerMillion, profileProblems, ProviderRole } from '../../scripts/lib/profile';
import { errorName } from '../../scripts/lib/params';
import { createHarness, deployDevnetRoot, Harness } from './harness';

const hashes = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));
const worker = (o: Partial<Profile> = {}): Profile => ({
    ...workerProfile({ gpuModel: 'H100', gpuCount: 1, vramGb: 1, onlineHoursPerDay: 1, region: 'r', models: [1n] }),
    ...o,
});
const proxy = (o: Partial<Profile> = {}): Profile => ({
    ...proxyProfile({
        onlineHoursPerDay: 1,
        region: 'r',
        endpoint: 'e',
        prices: { prompt: 0n, cached: 0n, completion: 1n, reasoning: 0n, workerFee: 0n },
    }),
    ...o,
});
const prices = (p: Partial<Profile['prices']>) => ({ ...proxy().prices, ...p });

/** [label, role, profile, exit code or null when accepted] */
const CASES: [string, ProviderRole, Profile, bigint | null][] = [
    ['worker at the lower bounds', 'worker', worker(), null],
    [
        'worker at the upper bounds',
        'worker',
        worker({
            gpuCount: MAX_GPU_COUNT,
            vramGb: MAX_VRAM_GB,
            onlineHoursPerDay: 24n,
            gpuModel: 'g'.repeat(Number(MAX_TEXT_BYTES)),
            region: 'é'.repeat(Number(MAX_TEXT_BYTES) / 2),
            models: servedModels(hashes(Number(MAX_SERVED_MODELS))),
        }),
        null,
    ],
    ['onlineHoursPerDay 0', 'worker', worker({ onlineHoursPerDay: 0n }), ERR_PROFILE_HOURS],
    ['onlineHoursPerDay 25', 'proxy', proxy({ onlineHoursPerDay: 25n }), ERR_PROFILE_HOURS],
    ['worker gpuCount 0', 'worker', worker({ gpuCount: 0n }), ERR_PROFILE_GPU],
    ['worker gpuCount above the most', 'worker', worker({ gpuCount: MAX_GPU_COUNT + 1n }), ERR_PROFILE_GPU],
    ['worker vramGb 0', 'worker', worker({ vramGb: 0n }), ERR_PROFILE_GPU],
    ['worker vramGb above the most', 'worker', worker({ vramGb: MAX_VRAM_GB + 1n }), ERR_PROFILE_GPU],
    ['worker gpuModel empty', 'worker', worker({ gpuModel: '' }), ERR_PROFILE_TEXT],
    ['worker gpuModel one byte too long', 'worker', worker({ gpuModel: 'g'.repeat(Number(MAX_TEXT_BYTES) + 1) }), ERR_PROFILE_TEXT],
    [
        'worker region of multi-byte characters, too long',
        'worker',
        worker({ region: 'é'.repeat(Number(MAX_TEXT_BYTES) / 2 + 1) }),
        ERR_PROFILE_TEXT,
    ],
    ['worker region empty', 'worker', worker({ region: '' }), ERR_PROFILE_TEXT],
    ['worker without models', 'worker', worker({ models: servedModels([]) }), ERR_PROFILE_MODELS],
    ['worker with too many models', 'worker', worker({ models: servedModels(hashes(Number(MAX_SERVED_MODELS) + 1)) }), ERR_PROFILE_MODELS],
    ['worker with a price', 'worker', worker({ prices: { ...worker().prices, workerFee: 1n } }), ERR_PROFILE_PRICES],
    ['worker with an endpoint', 'worker', worker({ endpoint: 'https://x' }), ERR_PROFILE_ENDPOINT],
    ['proxy at the lower bounds', 'proxy', proxy(), null],
    [
        'proxy at the upper bounds',
        'proxy',
        proxy({
            onlineHoursPerDay: 24n,
            region: 'r'.repeat(Number(MAX_TEXT_BYTES)),
            endpoint: 'e'.repeat(Number(MAX_ENDPOINT_BYTES)),
            prices: {
                $$type: 'Prices',
                prompt: MAX_PRICE_PER_TOKEN,
                cached: MAX_PRICE_PER_TOKEN,
                completion: MAX_PRICE_PER_TOKEN,
                reasoning: MAX_PRICE_PER_TOKEN,
                workerFee: MAX_PRICE_PER_TOKEN,
            },
        }),
        null,
    ],
    ['proxy with GPUs', 'proxy', proxy({ gpuCount: 1n }), ERR_PROFILE_GPU],
    ['proxy with VRAM', 'proxy', proxy({ vramGb: 1n }), ERR_PROFILE_GPU],
    // checkProfile lets a proxy name a GPU model (textFits(gpuModel, 0); storage.tact: optional for a proxy).
    ['proxy with a GPU model', 'proxy', proxy({ gpuModel: 'g'.repeat(Number(MAX_TEXT_BYTES)) }), null],
    ['proxy with a GPU model one byte too long', 'proxy', proxy({ gpuModel: 'g'.repeat(Number(MAX_TEXT_BYTES) + 1) }), ERR_PROFILE_TEXT],
    ['proxy region empty', 'proxy', proxy({ region: '' }), ERR_PROFILE_TEXT],
    ['proxy with models', 'proxy', proxy({ models: servedModels([1n]) }), ERR_PROFILE_MODELS],
    ['proxy with a free completion', 'proxy', proxy({ prices: prices({ completion: 0n }) }), ERR_PROFILE_PRICES],
    ...(['prompt', 'cached', 'completion', 'reasoning', 'workerFee'] as const).map((k): [string, ProviderRole, Profile, bigint] => [
        `proxy ${k} above the most`,
        'proxy',
        proxy({ prices: prices({ [k]: MAX_PRICE_PER_TOKEN + 1n }) }),
        ERR_PROFILE_PRICES,
    ]),
    ['proxy endpoint empty', 'proxy', proxy({ endpoint: '' }), ERR_PROFILE_ENDPOINT],
    ['proxy endpoint one byte too long', 'proxy', proxy({ endpoint: 'e'.repeat(Number(MAX_ENDPOINT_BYTES) + 1) }), ERR_PROFILE_ENDPOINT],
];

describe('profile bounds', () => {
    let h: Harness;
    let root: Address;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
    });

    it.each(CASES.map((c, i) => [c[0], i, c] as const))(
        '%s: the script check agrees with the contract',
        async (_label, i, [, role, profile, code]) => {
            const owner = await h.blockchain.treasury('profile-owner');
            const p = h.blockchain.openContract(await ExtendedProvider.forNode(root, owner.address, BigInt(i)));
            const problems = profileProblems(role, profile);
            const result = (await p.sendRegister(owner.getSender(), role, profile)) as unknown as SendMessageResult;
            if (code === null) {
                expect(problems).toEqual([]);
                expect(result.transactions).toHaveTransaction({ from: owner.address, to: p.address, success: true });
            } else {
                expect(problems).toHaveLength(1);
                expect(problems[0]).toContain(errorName(code));
                expect(result.transactions).toHaveTransaction({
                    from: owner.address,
                    to: p.address,
                    success: false,
                    exitCode: Number(code),
                });
            }
        },
    );
});

describe('profile files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cocoon-profile-'));
    const file = (name: string, content: unknown) => {
        const path = join(dir, name);
        writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 4));
        return path;
    };
    const example = (role: ProviderRole) => JSON.parse(readFileSync(`scripts/config/${role}-profile.example.json`, 'utf8'));
    const refusal = (path: string, role: ProviderRole) => {
        try {
            loadProfileFile(path, role);
        } catch (e) {
            return (e as Error).message;
        }
        throw new Error(`${path} was accepted`);
    };

    it('the examples are valid profiles of their role', () => {
        const w = loadProfileFile('scripts/config/worker-profile.example.json', 'worker').profile;
        expect(w.gpuCount).toBe(8n);
        expect(w.models.size).toBe(1);
        const p = loadProfileFile('scripts/config/proxy-profile.example.json', 'proxy').profile;
        expect(p.endpoint).toBe('https://proxy.example.com:8443');
        // "0.4" TON per 1M tokens is 400 nanoton per token
        expect(p.prices.completion).toBe(400n);
        expect(p.prices.cached).toBe(10n);
    });

    it('models may be given as name@revision:weightsSha256', () => {
        const spec = `Qwen/Qwen3-8B@main:${'dd'.repeat(32)}`;
        const loaded = loadProfileFile(file('spec.json', { ...example('worker'), models: [spec] }), 'worker');
        const hash = modelHash('Qwen/Qwen3-8B', 'main', 'dd'.repeat(32));
        expect(loaded.profile.models.keys()).toEqual([hash]);
        expect(loaded.modelSpecs.get(hash)).toBe(spec);
    });

    it('lists every problem at once, each naming its field', () => {
        const message = refusal(
            file('bad-worker.json', {
                ...example('worker'),
                gpuCount: 65,
                vramGb: '80',
                region: '',
                endpoint: 'https://x',
                gpus: 2,
                models: ['0x' + 'ab'.repeat(32), '0x' + 'ab'.repeat(32), 'llama'],
            }),
            'worker',
        );
        expect(message).toContain('the worker profile file');
        expect(message).toContain('is refused, nothing was sent');
        expect(message).toContain(
            `endpoint belongs to a proxy profile: a worker has none (the Provider refuses it with ${errorName(ERR_PROFILE_ENDPOINT)})`,
        );
        expect(message).toContain(
            'unknown field "gpus" (a worker profile has: gpuModel, gpuCount, vramGb, onlineHoursPerDay, region, models)',
        );
        expect(message).toContain('vramGb must be a non-negative integer, got "80"');
        expect(message).toContain(`models[1] repeats 0x${'ab'.repeat(32)}`);
        expect(message).toContain('models[2] "llama": expected a 64-hex-digit model hash or name@revision:weightsSha256');
        // bounds are checked once the shape is right
        const bounds = refusal(file('bounds.json', { ...example('worker'), gpuCount: 65, region: '' }), 'worker');
        expect(bounds).toContain(`gpuCount = 65 is outside [1, 64] (the Provider refuses it with ${errorName(ERR_PROFILE_GPU)})`);
        expect(bounds).toContain(
            `region must be 1 to 64 bytes of UTF-8, it is 0 bytes (the Provider refuses it with ${errorName(ERR_PROFILE_TEXT)})`,
        );
    });

    it('proxy prices are TON per 1M tokens, whole nanoton per token, at most 0.001 TON per token', () => {
        const prices = example('proxy').pricesPerMillionTokens;
        const withPrices = (p: object) => file('prices.json', { ...example('proxy'), pricesPerMillionTokens: { ...prices, ...p } });
        expect(refusal(withPrices({ prompt: '0.0001' }), 'proxy')).toContain(
            'pricesPerMillionTokens.prompt "0.0001": must be a whole number of nanoton per token, i.e. a multiple of 0.001 TON per 1M tokens',
        );
        expect(refusal(withPrices({ prompt: 0.1 }), 'proxy')).toContain(
            'pricesPerMillionTokens.prompt 0.1: must be TON per 1M tokens as a string',
        );
        expect(refusal(withPrices({ completion: '0' }), 'proxy')).toContain('pricesPerMillionTokens.completion must be above 0');
        expect(refusal(withPrices({ workerFee: '1000.001' }), 'proxy')).toContain(
            'pricesPerMillionTokens.workerFee = 1000.001 TON per 1M tokens is above the most a token may cost, 1000 TON per 1M tokens',
        );
        expect(refusal(file('noprices.json', { ...example('proxy'), pricesPerMillionTokens: { prompt: '1' } }), 'proxy')).toContain(
            'pricesPerMillionTokens.cached is missing',
        );
        expect(refusal(file('gpu.json', { ...example('proxy'), gpuCount: 1 }), 'proxy')).toContain(
            `gpuCount belongs to a worker profile: a proxy has none (the Provider refuses it with ${errorName(ERR_PROFILE_GPU)})`,
        );
        expect(parsePricePerMillion('1000')).toBe(MAX_PRICE_PER_TOKEN);
        // a proxy may name a GPU model (storage.tact: optional for a proxy), within the text bound
        expect(loadProfileFile(file('gpu-model.json', { ...example('proxy'), gpuModel: 'NVIDIA H100' }), 'proxy').profile.gpuModel).toBe(
            'NVIDIA H100',
        );
        expect(refusal(file('long-model.json', { ...example('proxy'), gpuModel: 'g'.repeat(65) }), 'proxy')).toContain(
            'gpuModel must be 0 to 64 bytes of UTF-8, it is 65 bytes',
        );
    });

    it('names unreadable and malformed files', () => {
        expect(refusal(join(dir, 'missing.json'), 'worker')).toContain('cannot read the profile file');
        expect(refusal(file('broken.json', '{ "region": '), 'proxy')).toContain('is not valid JSON');
        expect(refusal(file('array.json', []), 'proxy')).toContain('the file must hold a JSON object with the fields of a proxy profile');
    });
});
