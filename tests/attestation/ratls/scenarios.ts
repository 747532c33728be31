/**
 * The RA-TLS test matrix, shared by the spec (tests/attestation/ratls.spec.ts) and the peer process
 * it starts (peer.ts): each scenario makes an RA-TLS identity with one defect, or none, and names
 * the reason a verifier must give.
 */
import { Address } from '@ton/core';
import { AttestationErrorCode } from '../../../worker/src/attestation/errors';
import { imageHash } from '../../../worker/src/attestation/imageHash';
import { TD_ATTRIBUTE_SEPT_VE_DISABLE } from '../../../worker/src/attestation/quote';
import { INTEL_SGX_ROOT_CA_HASH, TEST_ROOT_HASH } from '../../../worker/src/attestation/roots';
import { ChainPolicy } from '../../../worker/src/attestation/runtime';
import { randomP256, SIMULATED_REGISTERS, SimulatedAttestor, SimulatedQuoteProvider } from '../../../worker/src/attestation/simulated';
import { buildRaTlsCertificate, createRaTlsIdentity, raTlsReportData, RaTlsIdentity } from '../../../worker/src/ratls/cert';
import { toPem } from '../../../worker/src/attestation/x509';

/** The Root of the test deployment the peers belong to, and another deployment's ("mainnet"). */
export const ROOT_ADDRESS = Address.parse('0:' + 'c0'.repeat(32));
export const OTHER_ROOT_ADDRESS = Address.parse('-1:' + 'ab'.repeat(32));
export const GOOD_IMAGE = imageHash(SIMULATED_REGISTERS);
export const TEE_KEY = Buffer.alloc(32, 0x7e);

/** The Root with isTest = true: trusts the simulated root, allows the simulated image. */
export function testPolicy(): ChainPolicy {
    return { isTest: true, rootAddress: ROOT_ADDRESS, trustedRoots: new Set([TEST_ROOT_HASH]), allowedImages: new Set([GOOD_IMAGE]) };
}

/** A production Root (isTest = false) whose allowlists list everything the test one does, and Intel. */
export function productionPolicy(): ChainPolicy {
    return {
        isTest: false,
        rootAddress: ROOT_ADDRESS,
        trustedRoots: new Set([TEST_ROOT_HASH, INTEL_SGX_ROOT_CA_HASH]),
        allowedImages: new Set([GOOD_IMAGE]),
    };
}

const identity = (provider: SimulatedQuoteProvider, rootAddress = ROOT_ADDRESS) =>
    createRaTlsIdentity({ provider, teePublicKey: TEE_KEY, rootAddress });

export interface Scenario {
    expect: AttestationErrorCode | 'ok';
    /** The verifier's policy; the test deployment's unless given. */
    policy: 'test' | 'production';
    make(): Promise<RaTlsIdentity>;
}

export const SCENARIOS: Record<string, Scenario> = {
    good: { expect: 'ok', policy: 'test', make: () => identity(new SimulatedQuoteProvider()) },
    wrongRoot: {
        expect: 'ROOT_NOT_TRUSTED',
        policy: 'test',
        make: () => identity(new SimulatedQuoteProvider(new SimulatedAttestor({ rootSeed: 'cocoon-ton/an untrusted root' }))),
    },
    revokedImage: {
        expect: 'IMAGE_NOT_ALLOWED',
        policy: 'test',
        make: () => identity(new SimulatedQuoteProvider(new SimulatedAttestor(), { registers: { mrtd: Buffer.alloc(48, 0x66) } })),
    },
    debugTd: {
        expect: 'DEBUG_TD',
        policy: 'test',
        make: () => identity(new SimulatedQuoteProvider(new SimulatedAttestor(), { tdAttributes: TD_ATTRIBUTE_SEPT_VE_DISABLE | 1n })),
    },
    reportDataMismatch: {
        // A quote bound to another deployment's Root: what a testnet node would show a mainnet peer.
        expect: 'REPORT_DATA_MISMATCH',
        policy: 'test',
        make: () => identity(new SimulatedQuoteProvider(), OTHER_ROOT_ADDRESS),
    },
    expiredCertificate: {
        expect: 'CERT_EXPIRED',
        policy: 'test',
        make: () => identity(new SimulatedQuoteProvider(new SimulatedAttestor({ pckNotAfter: new Date('2025-01-01T00:00:00Z') }))),
    },
    truncatedQuote: {
        expect: 'QUOTE_TRUNCATED',
        policy: 'test',
        make: async () => {
            const tlsKey = randomP256();
            const quote = new SimulatedAttestor().quote({ reportData: raTlsReportData(tlsKey.spki, TEE_KEY, ROOT_ADDRESS) });
            const cert = buildRaTlsCertificate({ tlsKey, teePublicKey: TEE_KEY, quote: quote.subarray(0, 1000) });
            return {
                key: tlsKey.privateKey,
                keyPem: tlsKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
                cert,
                certPem: toPem(cert),
                quote: quote.subarray(0, 1000),
                teePublicKey: TEE_KEY,
            };
        },
    },
    simulatedOnProduction: { expect: 'SIMULATED_ON_PRODUCTION', policy: 'production', make: () => identity(new SimulatedQuoteProvider()) },
};

export const policyFor = (s: Scenario): ChainPolicy => (s.policy === 'production' ? productionPolicy() : testPolicy());
