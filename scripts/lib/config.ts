/**
 * The deployRoot configuration file: a RootConfig (wrappers/Root.ts) as JSON. Fields whose name
 * starts with "_" are comments and ignored; any other unknown field is an error, so a misspelt
 * "guardain" cannot silently deploy a Root without a guardian.
 *
 * In a test config (isTest true) governance, guardian and params.treasury may be "@deployer":
 * the connected wallet's address. A production config must name every address.
 */
import { readFileSync } from 'node:fs';
import { Address } from '@ton/core';
import {
    ERR_TEST_ROOT_ON_PRODUCTION,
    formatHash256,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    Params,
    ParamsConfig,
    paramsFromConfig,
    RootConfig,
    RootInit,
    rootInitFromConfig,
    roleMask,
    TEST_ATTESTATION_ROOT_HASH,
} from '../../wrappers/Root';
import { parseAddress, parseHash } from './args';
import { ScriptError } from './errors';
import { errorName, PARAM_KEYS } from './params';

export const DEPLOYER = '@deployer';

const ROOT_FIELDS = ['isTest', 'governance', 'guardian', 'nonce', 'params', 'attestationRoots', 'images', 'models'];

export interface LoadedConfig {
    /** The config with "@deployer" and model specs resolved, as passed to rootInitFromConfig. */
    config: RootConfig;
    init: RootInit;
}

/**
 * Reads and checks a config file. Every problem found is reported at once, each naming its field;
 * `deployer` is the connected wallet, if known.
 */
export function loadRootConfig(path: string, deployer: Address | undefined): LoadedConfig {
    const raw = readJsonFile(path, 'config file');
    const problems: string[] = [];
    const config = checkConfig(raw, deployer, problems);
    if (problems.length > 0 || !config) {
        throw new ScriptError(`the config file ${path} is refused, nothing was sent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    try {
        return { config, init: rootInitFromConfig(config) };
    } catch (e) {
        throw new ScriptError(`the config file ${path} is refused, nothing was sent:\n  - ${(e as Error).message}`);
    }
}

export function readJsonFile(path: string, what: string): unknown {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (e) {
        throw new ScriptError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new ScriptError(`the ${what} ${path} is not valid JSON: ${(e as Error).message}`);
    }
}

/** A parameters file: a ParamsConfig object (the "params" of a deploy config) as JSON. */
export function loadParamsFile(path: string): Params {
    const raw = readJsonFile(path, 'parameters file');
    const problems: string[] = [];
    if (!isObject(raw)) problems.push('the file must hold a JSON object');
    else unknownFields(raw, PARAM_KEYS, '', problems);
    try {
        if (problems.length === 0) return paramsFromConfig(raw as unknown as ParamsConfig);
    } catch (e) {
        problems.push((e as Error).message);
    }
    throw new ScriptError(`the parameters file ${path} is refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownFields(obj: Record<string, unknown>, known: string[], prefix: string, problems: string[]) {
    for (const k of Object.keys(obj)) {
        if (!k.startsWith('_') && !known.includes(k)) problems.push(`unknown field "${prefix}${k}" (known: ${known.join(', ')})`);
    }
}

function checkConfig(raw: unknown, deployer: Address | undefined, problems: string[]): RootConfig | undefined {
    if (!isObject(raw)) {
        problems.push('the file must hold a JSON object');
        return undefined;
    }
    unknownFields(raw, ROOT_FIELDS, '', problems);
    const isTest = raw.isTest;
    if (typeof isTest !== 'boolean') problems.push('isTest must be true or false');

    /** An address field: required or optional, "@deployer" allowed in test configs. */
    const address = (field: string, value: unknown, required: boolean): string | null => {
        if (value === undefined || value === null || value === '') {
            if (required) problems.push(`${field} is missing: it must be a TON address`);
            return null;
        }
        if (value === DEPLOYER) {
            if (isTest !== true) {
                problems.push(`${field} is "${DEPLOYER}", which only a test config (isTest true) may use; name the address`);
                return null;
            }
            if (!deployer) {
                problems.push(`${field} is "${DEPLOYER}" but the wallet provider does not reveal the deployer's address`);
                return null;
            }
            return deployer.toString();
        }
        try {
            return parseAddress(String(value)).toString();
        } catch (e) {
            problems.push(`${field} ${JSON.stringify(value)} is not a valid address: ${(e as Error).message}`);
            return null;
        }
    };

    const governance = address('governance', raw.governance, true);
    const guardian = address('guardian', raw.guardian, false);

    const nonce = raw.nonce ?? 0;
    if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0)
        problems.push(`nonce must be a non-negative integer, got ${JSON.stringify(raw.nonce)}`);

    let params: ParamsConfig | undefined;
    if (!isObject(raw.params)) {
        problems.push('params is missing: an object with every parameter (see scripts/config/README.md)');
    } else {
        unknownFields(raw.params, PARAM_KEYS, 'params.', problems);
        const treasury = address('params.treasury', raw.params.treasury, true);
        params = { ...(raw.params as unknown as ParamsConfig), treasury: treasury ?? '' };
    }

    const hashes = (field: string, value: unknown): bigint[] => {
        if (value === undefined) return [];
        if (!Array.isArray(value)) {
            problems.push(`${field} must be an array`);
            return [];
        }
        const out: bigint[] = [];
        value.forEach((v, i) => {
            try {
                const h = parseHash(String(v));
                if (out.includes(h)) problems.push(`${field}[${i}] repeats ${formatHash256(h)}`);
                out.push(h);
            } catch (e) {
                problems.push(`${field}[${i}] ${JSON.stringify(v)}: ${(e as Error).message}`);
            }
        });
        return out;
    };

    const roots = hashes('attestationRoots', raw.attestationRoots);
    if (isTest === false && roots.includes(TEST_ATTESTATION_ROOT_HASH)) {
        problems.push(
            `isTest is false but attestationRoots lists the simulated test root TEST_ATTESTATION_ROOT_HASH (${formatHash256(TEST_ATTESTATION_ROOT_HASH)}); ` +
                `a production Root refuses it (${errorName(ERR_TEST_ROOT_ON_PRODUCTION)}): remove it, or deploy a test Root`,
        );
    }
    if (roots.length > Number(MAX_ATTESTATION_ROOTS))
        problems.push(`attestationRoots has ${roots.length} entries, at most ${MAX_ATTESTATION_ROOTS} are allowed`);

    const images: { hash: string; roles: string[] }[] = [];
    if (raw.images !== undefined && !Array.isArray(raw.images))
        problems.push('images must be an array of { "hash": ..., "roles": ["worker", "proxy"] }');
    if (Array.isArray(raw.images)) {
        const seen: bigint[] = [];
        raw.images.forEach((image: unknown, n) => {
            if (!isObject(image)) {
                problems.push(`images[${n}] must be { "hash": ..., "roles": ["worker", "proxy"] }`);
                return;
            }
            unknownFields(image, ['hash', 'roles'], `images[${n}].`, problems);
            let hash: bigint | undefined;
            try {
                hash = parseHash(String(image.hash));
                if (seen.includes(hash)) problems.push(`images[${n}].hash repeats ${formatHash256(hash)}`);
                seen.push(hash);
            } catch (e) {
                problems.push(`images[${n}].hash ${JSON.stringify(image.hash)}: ${(e as Error).message}`);
            }
            if (!Array.isArray(image.roles)) {
                problems.push(`images[${n}].roles must be an array such as ["worker", "proxy"]`);
                return;
            }
            const roles = image.roles.map(String);
            try {
                roleMask(roles);
            } catch (e) {
                problems.push(`images[${n}].roles: ${(e as Error).message}`);
                return;
            }
            if (hash !== undefined) images.push({ hash: formatHash256(hash), roles });
        });
        if (raw.images.length > Number(MAX_IMAGES))
            problems.push(`images has ${raw.images.length} entries, at most ${MAX_IMAGES} are allowed`);
    }

    const models = hashes('models', raw.models);
    if (models.length > Number(MAX_MODELS)) problems.push(`models has ${models.length} entries, at most ${MAX_MODELS} are allowed`);

    if (problems.length > 0 || typeof isTest !== 'boolean' || !governance || !params) return undefined;
    return {
        isTest,
        governance,
        guardian,
        nonce: nonce as number,
        params,
        attestationRoots: roots.map(formatHash256),
        images,
        models: models.map(formatHash256),
    };
}
