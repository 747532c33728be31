/**
 * The negative matrix: each case differs from a quote that verifies in exactly one way, and is
 * refused with its own named reason (AttestationError.code). Simulated quotes under the test
 * policy cover every case; the real sample under a production policy pinning Intel covers those a
 * real quote can show without re-signing it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestationError, ATTESTATION_ERROR_CODES, AttestationErrorCode } from '../../worker/src/attestation/errors';
import { imageHash } from '../../worker/src/attestation/imageHash';
import { parseQuote, TD_ATTRIBUTE_SEPT_VE_DISABLE } from '../../worker/src/attestation/quote';
import { INTEL_SGX_ROOT_CA_HASH, TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { SIMULATED_REGISTERS, SimulatedAttestor } from '../../worker/src/attestation/simulated';
import { AttestationPolicy, QuoteVerifier } from '../../worker/src/attestation/verify';

const REPORT_DATA = Buffer.alloc(64, 0xd0);
const GOOD_IMAGE = imageHash(SIMULATED_REGISTERS);
const TEST_POLICY: AttestationPolicy = { isTest: true, trustedRoots: new Set([TEST_ROOT_HASH]), allowedImages: new Set([GOOD_IMAGE]) };
// Even an allowlist that names the test root does not make a production policy accept it.
const PRODUCTION_POLICY: AttestationPolicy = {
    ...TEST_POLICY,
    isTest: false,
    trustedRoots: new Set([TEST_ROOT_HASH, INTEL_SGX_ROOT_CA_HASH]),
};

const test = new SimulatedAttestor();
const good = test.quote({ reportData: REPORT_DATA });

interface Case {
    quote: Buffer;
    policy?: AttestationPolicy;
    reportData?: Buffer;
    at?: Date;
}

const MATRIX: [string, AttestationErrorCode, Case][] = [
    [
        'wrong root',
        'ROOT_NOT_TRUSTED',
        { quote: new SimulatedAttestor({ rootSeed: 'cocoon-ton/not the test root' }).quote({ reportData: REPORT_DATA }) },
    ],
    ['revoked (absent) image', 'IMAGE_NOT_ALLOWED', { quote: good, policy: { ...TEST_POLICY, allowedImages: new Set() } }],
    ['debug TD', 'DEBUG_TD', { quote: test.quote({ reportData: REPORT_DATA, tdAttributes: TD_ATTRIBUTE_SEPT_VE_DISABLE | 1n }) }],
    ['report data mismatch', 'REPORT_DATA_MISMATCH', { quote: good, reportData: Buffer.alloc(64, 0xd1) }],
    [
        'expired certificate',
        'CERT_EXPIRED',
        {
            quote: new SimulatedAttestor({ pckNotAfter: new Date('2025-06-30T00:00:00Z') }).quote({ reportData: REPORT_DATA }),
            at: new Date('2025-07-01T00:00:00Z'),
        },
    ],
    ['truncated quote', 'QUOTE_TRUNCATED', { quote: good.subarray(0, good.length - 1) }],
    ['simulated quote against a production policy', 'SIMULATED_ON_PRODUCTION', { quote: good, policy: PRODUCTION_POLICY }],
];

function run(c: Case): AttestationErrorCode | 'ok' {
    try {
        new QuoteVerifier().verify(c.quote, c.policy ?? TEST_POLICY, c.reportData ?? REPORT_DATA, {
            at: c.at ?? new Date('2026-01-01T00:00:00Z'),
        });
        return 'ok';
    } catch (e) {
        expect(e).toBeInstanceOf(AttestationError);
        expect((e as Error).name).toBe('AttestationError');
        expect(ATTESTATION_ERROR_CODES).toContain((e as AttestationError).code);
        return (e as AttestationError).code;
    }
}

describe('negative matrix, simulated quotes under the test policy', () => {
    it('the unmodified quote verifies (the control)', () => {
        expect(run({ quote: good })).toBe('ok');
    });

    it.each(MATRIX)('%s is refused: %s', (_what, code, c) => {
        expect(run(c)).toBe(code);
    });

    it('each case has its own reason', () => {
        const codes = MATRIX.map(([, code]) => code);
        expect(new Set(codes).size).toBe(codes.length);
    });

    it('the expired-certificate case verifies before the certificate expires', () => {
        const [, , c] = MATRIX.find(([what]) => what === 'expired certificate')!;
        expect(run({ ...c, at: new Date('2025-06-01T00:00:00Z') })).toBe('ok');
    });
});

describe('negative matrix, the real sample under a production policy pinning Intel', () => {
    const SAMPLE = readFileSync(join(__dirname, '../fixtures/tdx/sample-tdx-quote-v4.bin'));
    const parsed = parseQuote(SAMPLE);
    const policy: AttestationPolicy = {
        isTest: false,
        trustedRoots: new Set([INTEL_SGX_ROOT_CA_HASH]),
        allowedImages: new Set([parsed.imageHash]),
    };
    const base: Case = { quote: SAMPLE, policy, reportData: parsed.body.reportData, at: new Date('2025-07-01T00:00:00Z') };

    const cases: [string, AttestationErrorCode | 'ok', Case][] = [
        ['the sample itself', 'ok', base],
        [
            'wrong root (only the test root trusted)',
            'ROOT_NOT_TRUSTED',
            { ...base, policy: { ...policy, isTest: true, trustedRoots: new Set([TEST_ROOT_HASH]) } },
        ],
        ['revoked (absent) image', 'IMAGE_NOT_ALLOWED', { ...base, policy: { ...policy, allowedImages: new Set([GOOD_IMAGE]) } }],
        ['report data mismatch', 'REPORT_DATA_MISMATCH', { ...base, reportData: REPORT_DATA }],
        ['expired certificate (after the PCK certificate, 2032-02-06)', 'CERT_EXPIRED', { ...base, at: new Date('2032-03-01T00:00:00Z') }],
        ['truncated quote', 'QUOTE_TRUNCATED', { ...base, quote: SAMPLE.subarray(0, 4000) }],
    ];
    it.each(cases)('%s: %s', (_what, code, c) => {
        expect(run(c)).toBe(code);
    });
});
