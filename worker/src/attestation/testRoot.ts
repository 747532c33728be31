import { createECDH, createHash } from 'node:crypto';

/**
 * The simulated TDX attestation root.
 *
 * Machines without TDX sign simulated quotes through a test certificate chain whose root is this
 * P-256 key. Its private scalar is public on purpose (derived from a fixed seed), so it can never
 * stand for real hardware: a Root deployed with `isTest = false` refuses its hash, and the
 * production entry points of the reference programs refuse it too.
 *
 * The attestation root hash of any CA (Intel's included) is SHA-256 over the SEC1 uncompressed
 * encoding 0x04||X||Y (65 bytes) of its ECDSA P-256 public key, the same bytes a certificate's
 * SubjectPublicKeyInfo carries; docs/contracts/root.md defines it. (It is SHA-256, not the
 * SHA-384 some tools print, so that it fits the Root's 256-bit allowlist keys.)
 */
export const TEST_ROOT_SEED = 'cocoon-ton/simulated-tdx-attestation-root/v1';

/** Private scalar of the simulated root: SHA-256 of the seed (below the P-256 group order). */
export function testRootPrivateKey(): Buffer {
    return createHash('sha256').update(TEST_ROOT_SEED).digest();
}

/** Public key of the simulated root, SEC1 uncompressed (0x04||X||Y, 65 bytes). */
export function testRootPublicKey(): Buffer {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(testRootPrivateKey());
    return ecdh.getPublicKey();
}

/** Attestation root hash of a P-256 public key given as SEC1 uncompressed bytes (0x04||X||Y). */
export function attestationRootHash(uncompressedPublicKey: Buffer): bigint {
    if (uncompressedPublicKey.length !== 65 || uncompressedPublicKey[0] !== 0x04) {
        throw new Error(`attestation root key must be 65 bytes 0x04||X||Y, got ${uncompressedPublicKey.length} bytes`);
    }
    return BigInt('0x' + createHash('sha256').update(uncompressedPublicKey).digest('hex'));
}
