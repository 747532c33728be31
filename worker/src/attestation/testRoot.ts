import { createECDH, createHash } from 'node:crypto';

/**
 * The simulated TDX attestation root.
 *
 * Machines without TDX sign simulated quotes through a test certificate chain whose root is this
 * P-256 key. Its private scalar is public on purpose (derived from a fixed seed), so it can never
 * stand for real hardware: a Root deployed with `isTest = false` refuses its hash, and the
 * production entry points of the reference programs refuse it too.
 *
 * The attestation root hash of any CA (Intel's included) is SHA-256 over the 64-byte raw public
 * key X||Y of its ECDSA P-256 key; docs/contracts/root.md defines it.
 */
export const TEST_ROOT_SEED = 'cocoon-ton/simulated-tdx-attestation-root/v1';

/** Private scalar of the simulated root: SHA-256 of the seed (below the P-256 group order). */
export function testRootPrivateKey(): Buffer {
    return createHash('sha256').update(TEST_ROOT_SEED).digest();
}

/** Raw 64-byte public key X||Y of the simulated root. */
export function testRootPublicKey(): Buffer {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(testRootPrivateKey());
    return ecdh.getPublicKey().subarray(1); // drop the 0x04 uncompressed-point prefix
}

/** Attestation root hash of a raw 64-byte P-256 public key. */
export function attestationRootHash(rawPublicKey: Buffer): bigint {
    if (rawPublicKey.length !== 64) {
        throw new Error(`attestation root key must be 64 bytes (X||Y), got ${rawPublicKey.length}`);
    }
    return BigInt('0x' + createHash('sha256').update(rawPublicKey).digest('hex'));
}
