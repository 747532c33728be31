/**
 * RA-TLS certificates: a self-signed X.509 certificate for a fresh TLS key, carrying a TDX quote
 * whose report data binds that key, the enclave's TEE key and the Root's address:
 *
 *   reportData = SHA-512( "cocoon-ratls-v1" || 0x00 || root workchain (int8) || root account id (32)
 *                         || TEE public key (Ed25519, 32) || DER SubjectPublicKeyInfo of the TLS key )
 *
 * Every field but the last has a fixed length, so the encoding is unambiguous. Binding the TLS key
 * makes the quote useless on any other connection (the peer proves the key in the handshake);
 * binding the TEE key tells the peer which on-chain key (the Provider's binding, the vouchers) speaks
 * for this enclave; binding the Root's address means a quote made for a testnet deployment never
 * verifies against a mainnet one, or against another deployment on the same network.
 *
 * Extensions (non-critical, OIDs under a UUID arc, ITU-T X.667, so no registration is needed):
 *   2.25.2917286655005554636102917821292264921.1   OCTET STRING: the raw quote
 *   2.25.2917286655005554636102917821292264921.2   OCTET STRING: the TEE public key (32 bytes)
 *
 * The certificate's own dates and self-signature carry no trust (anyone can make one); the quote
 * does. They are made sensible anyway, so ordinary TLS stacks accept the certificate's shape.
 */
import type { Address } from '@ton/core';
import { createHash, KeyObject, randomBytes } from 'node:crypto';
import { as, ensure } from '../attestation/errors';
import { QuoteProvider } from '../attestation/provider';
import { P256Key, randomP256 } from '../attestation/simulated';
import { buildCertificate, KEY_USAGE, nameDer, parseCertificate, ParsedCertificate, toPem, verifiesUnder } from '../attestation/x509';

export const RATLS_OID_ARC = '2.25.2917286655005554636102917821292264921';
export const OID_RATLS_QUOTE = `${RATLS_OID_ARC}.1`;
export const OID_RATLS_TEE_KEY = `${RATLS_OID_ARC}.2`;
export const RATLS_TAG = 'cocoon-ratls-v1';
export const TEE_KEY_BYTES = 32;

/** The 64 bytes of report data an RA-TLS quote must carry for this TLS key, TEE key and Root. */
export function raTlsReportData(tlsSpki: Buffer, teePublicKey: Buffer, rootAddress: Address): Buffer {
    if (teePublicKey.length !== TEE_KEY_BYTES) throw new Error(`TEE public key must be ${TEE_KEY_BYTES} bytes, got ${teePublicKey.length}`);
    const wc = Buffer.alloc(1);
    wc.writeInt8(rootAddress.workChain);
    return createHash('sha512')
        .update(RATLS_TAG, 'ascii')
        .update(Buffer.from([0]))
        .update(wc)
        .update(rootAddress.hash)
        .update(teePublicKey)
        .update(tlsSpki)
        .digest();
}

export interface RaTlsIdentity {
    /** The TLS private key and the certificate, as node:tls takes them. */
    key: KeyObject;
    keyPem: string;
    cert: Buffer;
    certPem: string;
    quote: Buffer;
    teePublicKey: Buffer;
}

/** Builds the certificate around a given key and quote; createRaTlsIdentity is the normal way in. */
export function buildRaTlsCertificate(o: { tlsKey: P256Key; teePublicKey: Buffer; quote: Buffer; now?: Date; validDays?: number }): Buffer {
    const now = o.now ?? new Date();
    const name = nameDer('Cocoon RA-TLS');
    return buildCertificate({
        serial: BigInt('0x' + randomBytes(16).toString('hex')) >> 1n,
        issuer: name,
        subject: name,
        notBefore: new Date(now.getTime() - 3600_000),
        notAfter: new Date(now.getTime() + (o.validDays ?? 30) * 86400_000),
        spki: o.tlsKey.spki,
        keyUsage: [KEY_USAGE.digitalSignature],
        extensions: [
            { oid: OID_RATLS_QUOTE, critical: false, value: o.quote },
            { oid: OID_RATLS_TEE_KEY, critical: false, value: o.teePublicKey },
        ],
        signer: o.tlsKey.privateKey,
    });
}

/**
 * A fresh TLS key, a quote binding it (with the TEE key and the Root's address) from `provider`,
 * and the certificate carrying both.
 */
export async function createRaTlsIdentity(o: {
    provider: QuoteProvider;
    teePublicKey: Buffer;
    rootAddress: Address;
    validDays?: number;
}): Promise<RaTlsIdentity> {
    const tlsKey = randomP256();
    const quote = await o.provider.getQuote(raTlsReportData(tlsKey.spki, o.teePublicKey, o.rootAddress));
    const cert = buildRaTlsCertificate({ tlsKey, teePublicKey: o.teePublicKey, quote, validDays: o.validDays });
    return {
        key: tlsKey.privateKey,
        keyPem: tlsKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        cert,
        certPem: toPem(cert),
        quote,
        teePublicKey: Buffer.from(o.teePublicKey),
    };
}

export interface RaTlsCertificate {
    cert: ParsedCertificate;
    quote: Buffer;
    teePublicKey: Buffer;
}

/** Reads an RA-TLS certificate's parts; RATLS_CERT_INVALID if it is not one. */
export function readRaTlsCertificate(der: Buffer): RaTlsCertificate {
    const cert = as('RATLS_CERT_INVALID', 'peer certificate', () => parseCertificate(der, 'peer certificate'));
    ensure(
        cert.issuer.equals(cert.subject) && verifiesUnder(cert, cert),
        'RATLS_CERT_INVALID',
        'the peer certificate is not self-signed by its own key',
    );
    const ext = (oid: string) => cert.extensions.find((e) => e.oid === oid)?.value;
    const quote = ext(OID_RATLS_QUOTE);
    const teePublicKey = ext(OID_RATLS_TEE_KEY);
    ensure(quote !== undefined, 'RATLS_CERT_INVALID', `the peer certificate has no quote extension (${OID_RATLS_QUOTE})`);
    ensure(teePublicKey !== undefined, 'RATLS_CERT_INVALID', `the peer certificate has no TEE key extension (${OID_RATLS_TEE_KEY})`);
    ensure(
        teePublicKey.length === TEE_KEY_BYTES,
        'RATLS_CERT_INVALID',
        `the TEE key extension holds ${teePublicKey.length} bytes, not ${TEE_KEY_BYTES}`,
    );
    return { cert, quote: Buffer.from(quote), teePublicKey: Buffer.from(teePublicKey) };
}
