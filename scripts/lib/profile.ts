/**
 * Provider profiles: the JSON files registerProvider and updateProfile read, checked against the
 * bounds of checkProfile in contracts/provider/provider.tact (the constants come from the
 * generated wrapper), and shown in human units. tests/scripts/providerProfile.spec.ts checks every
 * bound against the contract, so this check cannot drift from checkProfile unnoticed.
 *
 * A worker file:  { gpuModel, gpuCount, vramGb, onlineHoursPerDay, region, models: [...] }
 * A proxy file:   { onlineHoursPerDay, region, endpoint, pricesPerMillionTokens: { prompt, cached,
 *                   completion, reasoning, workerFee }, optionally gpuModel }
 *
 * Models are 64-hex-digit model hashes or name@revision:weightsSha256 (hashed as modelHash does).
 * Prices are TON per 1M tokens as strings ("0.4"); the contract stores nanoton per token, so a
 * price must be a multiple of 0.001 TON per 1M tokens. Fields starting with "_" are comments.
 */
import { beginCell, fromNano, toNano } from '@ton/core';
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
    proxyProfile,
    storeProfile,
    workerProfile,
} from '../../wrappers/Provider';
import { parseModel } from './args';
import { isObject, readJsonFile } from './config';
import { ScriptError } from './errors';
import { formatHash } from './format';
import { errorName } from './params';

export type ProviderRole = 'worker' | 'proxy';

export const WORKER_FIELDS = ['gpuModel', 'gpuCount', 'vramGb', 'onlineHoursPerDay', 'region', 'models'];
export const PROXY_FIELDS = ['onlineHoursPerDay', 'region', 'endpoint', 'pricesPerMillionTokens', 'gpuModel'];
export const PRICE_KEYS = ['prompt', 'cached', 'completion', 'reasoning', 'workerFee'] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

const TOKENS_PER_MILLION = 1_000_000n;

/** The exit code checkProfile refuses a field of the other role with (a proxy may name a GPU model). */
const OTHER_ROLE_FIELD: Record<string, bigint> = {
    gpuCount: ERR_PROFILE_GPU,
    vramGb: ERR_PROFILE_GPU,
    models: ERR_PROFILE_MODELS,
    endpoint: ERR_PROFILE_ENDPOINT,
    pricesPerMillionTokens: ERR_PROFILE_PRICES,
};

export interface LoadedProfile {
    profile: Profile;
    /** name@revision:weightsSha256 of the models given that way, by hash. */
    modelSpecs: Map<bigint, string>;
}

/**
 * Reads a profile file for `role` and checks it against the contract's bounds. Every problem is
 * reported at once, each naming its field.
 */
export function loadProfileFile(path: string, role: ProviderRole): LoadedProfile {
    const raw = readJsonFile(path, 'profile file');
    const problems: string[] = [];
    const loaded = profileFromJson(raw, role, problems);
    if (loaded) problems.push(...profileProblems(role, loaded.profile));
    if (problems.length > 0 || !loaded) {
        throw new ScriptError(
            `the ${role} profile file ${path} is refused, nothing was sent:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        );
    }
    return loaded;
}

/** The Profile a file's contents describe; undefined (with problems) when its shape is wrong. */
export function profileFromJson(raw: unknown, role: ProviderRole, problems: string[]): LoadedProfile | undefined {
    if (!isObject(raw)) {
        problems.push(`the file must hold a JSON object with the fields of a ${role} profile: ${fieldsOf(role).join(', ')}`);
        return undefined;
    }
    const known = fieldsOf(role);
    for (const k of Object.keys(raw)) {
        if (k.startsWith('_') || known.includes(k)) continue;
        const other = role === 'worker' ? 'proxy' : 'worker';
        if (fieldsOf(other).includes(k)) {
            problems.push(
                `${k} belongs to a ${other} profile: a ${role} has none (the Provider refuses it with ${errorName(OTHER_ROLE_FIELD[k])})`,
            );
        } else {
            problems.push(`unknown field "${k}" (a ${role} profile has: ${known.join(', ')})`);
        }
    }
    const before = problems.length;
    const int = (k: string): number => {
        const v = raw[k];
        if (v === undefined) problems.push(`${k} is missing: a non-negative integer`);
        else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
            problems.push(`${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
        else return v;
        return 0;
    };
    const text = (k: string): string => {
        const v = raw[k];
        if (v === undefined) problems.push(`${k} is missing: a string`);
        else if (typeof v !== 'string') problems.push(`${k} must be a string, got ${JSON.stringify(v)}`);
        else return v;
        return '';
    };
    const onlineHoursPerDay = int('onlineHoursPerDay');
    const region = text('region');
    if (role === 'worker') {
        const gpuModel = text('gpuModel');
        const gpuCount = int('gpuCount');
        const vramGb = int('vramGb');
        const { hashes, specs } = models(raw.models, problems);
        if (problems.length > before) return undefined;
        return { profile: workerProfile({ gpuModel, gpuCount, vramGb, onlineHoursPerDay, region, models: hashes }), modelSpecs: specs };
    }
    const endpoint = text('endpoint');
    const gpuModel = raw.gpuModel === undefined ? '' : text('gpuModel');
    const prices = pricesFromJson(raw.pricesPerMillionTokens, problems);
    if (problems.length > before || !prices) return undefined;
    return { profile: { ...proxyProfile({ onlineHoursPerDay, region, endpoint, prices }), gpuModel }, modelSpecs: new Map() };
}

function fieldsOf(role: ProviderRole): string[] {
    return role === 'worker' ? WORKER_FIELDS : PROXY_FIELDS;
}

function models(raw: unknown, problems: string[]): { hashes: bigint[]; specs: Map<bigint, string> } {
    const hashes: bigint[] = [];
    const specs = new Map<bigint, string>();
    if (raw === undefined) {
        problems.push('models is missing: an array of model hashes or name@revision:weightsSha256');
    } else if (!Array.isArray(raw)) {
        problems.push('models must be an array of model hashes or name@revision:weightsSha256');
    } else {
        raw.forEach((v, i) => {
            try {
                const m = parseModel(String(v));
                if (hashes.includes(m.hash)) problems.push(`models[${i}] repeats ${formatHash(m.hash)}`);
                hashes.push(m.hash);
                if (m.spec) specs.set(m.hash, m.spec);
            } catch (e) {
                problems.push(`models[${i}] ${JSON.stringify(v)}: ${(e as Error).message}`);
            }
        });
    }
    return { hashes, specs };
}

function pricesFromJson(raw: unknown, problems: string[]): Omit<Prices, '$$type'> | undefined {
    const field = 'pricesPerMillionTokens';
    if (raw === undefined) {
        problems.push(`${field} is missing: { ${PRICE_KEYS.map((k) => `"${k}": "<TON per 1M tokens>"`).join(', ')} }`);
        return undefined;
    }
    if (!isObject(raw)) {
        problems.push(`${field} must be an object with ${PRICE_KEYS.join(', ')}, each TON per 1M tokens as a string like "0.4"`);
        return undefined;
    }
    for (const k of Object.keys(raw)) {
        if (!k.startsWith('_') && !(PRICE_KEYS as readonly string[]).includes(k))
            problems.push(`unknown field "${field}.${k}" (known: ${PRICE_KEYS.join(', ')})`);
    }
    const out: Partial<Record<PriceKey, bigint>> = {};
    for (const k of PRICE_KEYS) {
        const v = raw[k];
        try {
            if (v === undefined) throw new Error('is missing: TON per 1M tokens as a string like "0.4" (use "0" for none)');
            out[k] = parsePricePerMillion(v);
        } catch (e) {
            problems.push(`${field}.${k} ${v === undefined ? '' : `${JSON.stringify(v)}: `}${(e as Error).message}`);
        }
    }
    return PRICE_KEYS.every((k) => out[k] !== undefined) ? (out as Record<PriceKey, bigint>) : undefined;
}

/** TON per 1M tokens, as a string, to nanoton per token. */
export function parsePricePerMillion(v: unknown): bigint {
    if (typeof v !== 'string' || !/^\d+(\.\d{1,9})?$/.test(v)) throw new Error('must be TON per 1M tokens as a string like "0.4"');
    const perMillion = toNano(v);
    if (perMillion % TOKENS_PER_MILLION !== 0n)
        throw new Error('must be a whole number of nanoton per token, i.e. a multiple of 0.001 TON per 1M tokens');
    return perMillion / TOKENS_PER_MILLION;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function range(field: string, v: bigint, min: bigint, max: bigint, code: bigint, problems: string[]) {
    if (v < min || v > max) problems.push(`${field} = ${v} is outside [${min}, ${max}] (the Provider refuses it with ${errorName(code)})`);
}

function textLength(field: string, s: string, min: number, max: number, code: bigint, problems: string[]) {
    const n = bytes(s);
    if (n < min || n > max) {
        const want = min === max ? `${field} must be empty` : `${field} must be ${min} to ${max} bytes of UTF-8`;
        problems.push(`${want}, it is ${n} bytes (the Provider refuses it with ${errorName(code)})`);
    }
}

/**
 * Every reason checkProfile would refuse `p` for `role`, naming the field as a profile file does
 * and the exit code; empty when the Provider accepts it.
 */
export function profileProblems(role: ProviderRole, p: Profile): string[] {
    const problems: string[] = [];
    range('onlineHoursPerDay', p.onlineHoursPerDay, 1n, 24n, ERR_PROFILE_HOURS, problems);
    const modelCount = p.models.size;
    const prices = PRICE_KEYS.map((k) => [k, p.prices[k]] as const);
    if (role === 'worker') {
        range('gpuCount', p.gpuCount, 1n, MAX_GPU_COUNT, ERR_PROFILE_GPU, problems);
        range('vramGb', p.vramGb, 1n, MAX_VRAM_GB, ERR_PROFILE_GPU, problems);
        textLength('gpuModel', p.gpuModel, 1, Number(MAX_TEXT_BYTES), ERR_PROFILE_TEXT, problems);
        textLength('region', p.region, 1, Number(MAX_TEXT_BYTES), ERR_PROFILE_TEXT, problems);
        if (modelCount < 1 || modelCount > Number(MAX_SERVED_MODELS)) {
            problems.push(
                `models lists ${modelCount}; a worker serves 1 to ${MAX_SERVED_MODELS} (the Provider refuses it with ${errorName(ERR_PROFILE_MODELS)})`,
            );
        }
        if (prices.some(([, v]) => v !== 0n))
            problems.push(`a worker has no prices (the Provider refuses them with ${errorName(ERR_PROFILE_PRICES)})`);
        textLength('endpoint', p.endpoint, 0, 0, ERR_PROFILE_ENDPOINT, problems);
    } else {
        if (p.gpuCount !== 0n || p.vramGb !== 0n)
            problems.push(`a proxy has no GPUs (the Provider refuses them with ${errorName(ERR_PROFILE_GPU)})`);
        textLength('gpuModel', p.gpuModel, 0, Number(MAX_TEXT_BYTES), ERR_PROFILE_TEXT, problems);
        textLength('region', p.region, 1, Number(MAX_TEXT_BYTES), ERR_PROFILE_TEXT, problems);
        if (modelCount !== 0)
            problems.push(`a proxy serves no models itself (the Provider refuses them with ${errorName(ERR_PROFILE_MODELS)})`);
        if (p.prices.completion <= 0n) {
            problems.push(
                `pricesPerMillionTokens.completion must be above 0 (the Provider refuses a free completion price with ${errorName(ERR_PROFILE_PRICES)})`,
            );
        }
        for (const [k, v] of prices) {
            if (v > MAX_PRICE_PER_TOKEN) {
                problems.push(
                    `pricesPerMillionTokens.${k} = ${formatPerMillion(v)} is above the most a token may cost, ${formatPerMillion(MAX_PRICE_PER_TOKEN)} (the Provider refuses it with ${errorName(ERR_PROFILE_PRICES)})`,
                );
            }
        }
        textLength('endpoint', p.endpoint, 1, Number(MAX_ENDPOINT_BYTES), ERR_PROFILE_ENDPOINT, problems);
    }
    return problems;
}

export function formatPerMillion(nanoPerToken: bigint): string {
    return `${fromNano(nanoPerToken * TOKENS_PER_MILLION)} TON per 1M tokens`;
}

/** A price in both units: per token (and in nanoton) and per 1M tokens. */
export function formatPrice(nanoPerToken: bigint): string {
    return `${fromNano(nanoPerToken)} TON per token (${nanoPerToken} nanoton), ${formatPerMillion(nanoPerToken)}`;
}

/**
 * Label/value rows of a profile in human units. `modelNote` adds a remark per served model (for
 * instance whether the Root allowlists it).
 */
export function profileRows(role: ProviderRole, p: Profile, modelNote?: (hash: bigint) => string): [string, string][] {
    const rows: [string, string][] = [];
    if (role === 'worker') {
        rows.push(['GPUs', `${p.gpuCount} x ${p.gpuModel}, ${p.vramGb} GB VRAM each`]);
    } else if (p.gpuModel !== '') {
        rows.push(['GPU model', p.gpuModel]);
    }
    rows.push(['online', `${p.onlineHoursPerDay} hours a day`]);
    rows.push(['region', p.region]);
    if (role === 'worker') {
        const hashes = p.models.keys().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        hashes.forEach((h, i) =>
            rows.push([i === 0 ? `models (${hashes.length})` : '', `${formatHash(h)}${modelNote ? modelNote(h) : ''}`]),
        );
    } else {
        rows.push(['endpoint', p.endpoint]);
        for (const k of PRICE_KEYS) rows.push([k === 'workerFee' ? 'workerFee (paid to workers)' : `price ${k}`, formatPrice(p.prices[k])]);
    }
    return rows;
}

/** Whether two profiles serialise to the same cell. */
export function sameProfile(a: Profile, b: Profile): boolean {
    return profileCellHash(a) === profileCellHash(b);
}

function profileCellHash(p: Profile): string {
    return beginCell().store(storeProfile(p)).endCell().hash().toString('hex');
}

/** "field: old -> new" rows for the fields that differ, in the units of a profile file. */
export function profileChanges(from: Profile, to: Profile): [string, string][] {
    const rows: [string, string][] = [];
    const plain = ['gpuModel', 'gpuCount', 'vramGb', 'onlineHoursPerDay', 'region', 'endpoint'] as const;
    for (const k of plain) if (from[k] !== to[k]) rows.push([k, `${JSON.stringify(String(from[k]))} -> ${JSON.stringify(String(to[k]))}`]);
    const a = from.models.keys();
    const b = to.models.keys();
    const added = b.filter((h) => !a.includes(h));
    const removed = a.filter((h) => !b.includes(h));
    if (added.length > 0) rows.push(['models added', added.map(formatHash).join(', ')]);
    if (removed.length > 0) rows.push(['models removed', removed.map(formatHash).join(', ')]);
    for (const k of PRICE_KEYS) {
        if (from.prices[k] !== to.prices[k])
            rows.push([`pricesPerMillionTokens.${k}`, `${formatPerMillion(from.prices[k])} -> ${formatPerMillion(to.prices[k])}`]);
    }
    return rows;
}
