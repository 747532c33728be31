/**
 * Attestation bindings as bindAttestation builds them: the expiry as the operator writes it, the TEE
 * key (a seed file, or a public key with a signature made inside the enclave), the claim the key
 * signs, and the reasons a BindingRefused event carries.
 */
import { readFileSync, statSync } from 'node:fs';
import { KeyPair, keyPairFromSeed, signVerify } from '@ton/crypto';
import { REFUSED_IMAGE, REFUSED_LIFETIME, REFUSED_PAUSED, REFUSED_ROOT } from '../../wrappers/Provider';
import { DURATION_UNITS } from './args';
import { ScriptError } from './errors';

const MAX_UINT32 = 0xffffffff;

/**
 * An expiry as unix seconds, from an ISO 8601 time with its zone ("2025-07-01T12:00:00Z"), a
 * duration from `now` ("+7d", "+12h", "+90m", "+3600"), or unix seconds ("1751371200").
 */
export function parseExpiry(v: string, now: number): bigint {
    const rel = /^\+(\d+)([smhd]?)$/.exec(v);
    let at: number;
    if (rel) {
        at = now + Number(rel[1]) * DURATION_UNITS[rel[2]];
    } else if (/^\d+$/.test(v)) {
        at = Number(v);
    } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
        const ms = Date.parse(v);
        if (Number.isNaN(ms)) throw new Error('not a valid time');
        if (ms % 1000 !== 0) throw new Error('the contract keeps whole seconds: drop the fraction');
        at = ms / 1000;
    } else {
        throw new Error(
            'expected an ISO 8601 time with its zone like 2025-07-01T12:00:00Z, a duration from now like +7d, +12h or +90m, or unix seconds',
        );
    }
    if (!Number.isSafeInteger(at) || at < 0 || at > MAX_UINT32) throw new Error('out of range for the contract (uint32 unix seconds)');
    return BigInt(at);
}

/** 64 hex digits (0x optional) as bytes, or throws naming what was expected. */
export function parseHexBytes(v: string, bytes: number, what: string): Buffer {
    const h = v.startsWith('0x') ? v.slice(2) : v;
    if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(h))
        throw new Error(`expected ${what} as ${bytes * 2} hex digits (${bytes} bytes, 0x optional)`);
    return Buffer.from(h, 'hex');
}

/** The TEE key from a file holding its 32-byte Ed25519 seed as 64 hex digits. */
export function readTeeKeyFile(path: string): { key: KeyPair; warning?: string } {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (e) {
        throw new ScriptError(`cannot read the TEE key file ${path}: ${(e as Error).message}`);
    }
    let seed: Buffer;
    try {
        seed = parseHexBytes(text.trim(), 32, 'the Ed25519 seed');
    } catch (e) {
        throw new ScriptError(`the TEE key file ${path} is refused: ${(e as Error).message}`);
    }
    let warning: string | undefined;
    try {
        if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0)
            warning = `Warning: the TEE key file ${path} is readable by other users of this machine (chmod 600 it).`;
    } catch {
        // the file was read; its mode is only advice
    }
    return { key: keyPairFromSeed(seed), warning };
}

export function verifyClaimSignature(claimHash: Buffer, signature: Buffer, publicKey: Buffer): boolean {
    try {
        return signVerify(claimHash, signature, publicKey);
    } catch {
        return false;
    }
}

export const REFUSED_REASONS: [bigint, string][] = [
    [REFUSED_IMAGE, 'the image is not allowed for the role'],
    [REFUSED_ROOT, 'the attestation root is not allowed'],
    [REFUSED_PAUSED, 'the Root is paused'],
    [REFUSED_LIFETIME, "the expiry is past, or later than the Root's attestationLifetime from now"],
];

/** The reasons of a BindingRefused event's bit set, in words. */
export function refusedReasons(bits: bigint): string[] {
    const out = REFUSED_REASONS.filter(([bit]) => (bits & bit) !== 0n).map(([, text]) => text);
    const known = REFUSED_REASONS.reduce((m, [bit]) => m | bit, 0n);
    if ((bits & ~known) !== 0n) out.push(`unknown reason bits 0x${(bits & ~known).toString(16)}`);
    return out;
}
