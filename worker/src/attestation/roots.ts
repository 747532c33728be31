/**
 * The attestation roots the toolkit knows by name. A root is identified by its key hash, SHA-256
 * over the SEC1 uncompressed point 0x04||X||Y of its P-256 key (testRoot.ts), which is also the key
 * of the Root contract's attestation-root allowlist.
 */
import { attestationRootHash, testRootPublicKey } from './testRoot';

/**
 * The Intel SGX Root CA, which issues the PCK hierarchy of every Intel TDX platform. Its key hashes
 * to 46e403bd...16200993 under SHA-384, the form other tools print;
 * tests/attestation/sample.spec.ts recomputes both from the root certificate in the public sample
 * quote.
 */
export const INTEL_SGX_ROOT_CA_HASH = 0xa512ddae5b8a05fd0738d708f29ddccaca53aad8b3698e77194cb05cc0723e89n;

/** The simulated root: its private key is public, so only a test Root may trust it. */
export const TEST_ROOT_HASH: bigint = attestationRootHash(testRootPublicKey());

export function rootName(hash: bigint): string | undefined {
    if (hash === INTEL_SGX_ROOT_CA_HASH) return 'Intel SGX Root CA';
    if (hash === TEST_ROOT_HASH) return 'simulated TEST root (private key is public)';
    return undefined;
}

export function formatRootHash(hash: bigint): string {
    const hex = '0x' + hash.toString(16).padStart(64, '0');
    const name = rootName(hash);
    return name ? `${hex} (${name})` : hex;
}
