/**
 * The public sample TDX quote (tests/fixtures/tdx, a real Intel quote with its collateral) through
 * the whole verifier: it verifies at a time inside its collateral's validity (2025-06-19 to
 * 2025-07-19) and fails outside it; its image hash and its root key are the known values; every
 * collateral piece is checked, CRLs included.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collateral, parseCollateral } from '../../worker/src/attestation/collateral';
import { AttestationError, AttestationErrorCode } from '../../worker/src/attestation/errors';
import { parseQuote } from '../../worker/src/attestation/quote';
import { INTEL_SGX_ROOT_CA_HASH } from '../../worker/src/attestation/roots';
import { applyPolicy, AttestationPolicy, QuoteVerifier } from '../../worker/src/attestation/verify';
import { parseCertificate, parsePemChain } from '../../worker/src/attestation/x509';

const DIR = join(__dirname, '../fixtures/tdx');
const SAMPLE = readFileSync(join(DIR, 'sample-tdx-quote-v4.bin'));
const COLLATERAL = parseCollateral(readFileSync(join(DIR, 'sample-tdx-quote-v4.collateral.json'), 'utf8'));
const INSIDE = new Date('2025-07-01T00:00:00Z');
const IMAGE = 0xc36fdfa4bc49368f73e1b9434f87b4941b4ec2a94d35704b6636726caeef05adn;
/** From tests/fixtures/tdx/README.md: SHA-384 over 0x04||X||Y of the Intel SGX Root CA key. */
const INTEL_ROOT_SHA384 = '46e403bd34f05a3f2817ab9badcaacc7ffc98e0f261008cd30dae936cace18d5dcf58eef31463613de1570d516200993';

const POLICY: AttestationPolicy = { isTest: false, trustedRoots: new Set([INTEL_SGX_ROOT_CA_HASH]), allowedImages: new Set([IMAGE]) };
const REPORT_DATA = parseQuote(SAMPLE).body.reportData;

function codeOf(f: () => unknown): AttestationErrorCode | 'ok' {
    try {
        f();
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

const at = (iso: string) => new Date(iso);
/** Verifies the sample at `when` with `collateral` (null: none). */
const verifyAt = (when: Date, collateral: Collateral | null = COLLATERAL) =>
    codeOf(() => new QuoteVerifier().verify(SAMPLE, POLICY, REPORT_DATA, { at: when, collateral: collateral ?? undefined }));

describe('the public sample quote', () => {
    it('verifies with its collateral inside the validity, under a production policy pinning the Intel root', () => {
        const v = new QuoteVerifier().verify(SAMPLE, POLICY, REPORT_DATA, { at: INSIDE, collateral: COLLATERAL });
        expect(v.rootKeyHash).toBe(INTEL_SGX_ROOT_CA_HASH);
        expect(v.imageHash).toBe(IMAGE);
        expect(v.debug).toBe(false);
        expect(v.tcb).toEqual({ status: 'UpToDate', advisoryIds: [], fmspc: 'b0c06f000000', tcbDate: '2024-03-13T00:00:00Z' });
        expect(v.pck).toEqual({
            serial: '3c16ed54eacbb4ced072be72630c85788cf46e36',
            name: 'CN=Intel SGX PCK Certificate',
            fmspc: 'b0c06f000000',
        });
        // The intersection of every window: the QE identity's issue date to the PCK CRL's next update.
        expect([v.validFrom.toISOString(), v.validUntil.toISOString()]).toEqual(['2025-06-19T10:32:27.000Z', '2025-07-19T10:00:35.000Z']);
    });

    it('fails outside its collateral validity, naming the piece', () => {
        expect(verifyAt(at('2025-06-19T10:32:27Z'))).toBe('ok');
        expect(verifyAt(at('2025-07-19T10:00:35Z'))).toBe('ok');
        expect(verifyAt(at('2025-06-19T10:32:26Z'))).toBe('COLLATERAL_NOT_YET_VALID');
        expect(verifyAt(at('2025-07-19T10:00:36Z'))).toBe('COLLATERAL_EXPIRED');
        expect(verifyAt(at('2025-06-01T00:00:00Z'))).toBe('COLLATERAL_NOT_YET_VALID');
        expect(verifyAt(at('2025-08-01T00:00:00Z'))).toBe('COLLATERAL_EXPIRED');
        expect(() => new QuoteVerifier().verifyEvidence(SAMPLE, { at: at('2025-08-01T00:00:00Z'), collateral: COLLATERAL })).toThrow(
            /tcb_info is valid until 2025-07-19T10:16:03.000Z/,
        );
    });

    it('without collateral, is bounded by its certificates: the PCK certificate from 2025-02-06 to 2032-02-06', () => {
        expect(verifyAt(at('2025-03-01T00:00:00Z'), null)).toBe('ok');
        expect(verifyAt(at('2025-02-06T23:25:50Z'), null)).toBe('CERT_NOT_YET_VALID');
        expect(verifyAt(at('2032-02-06T23:25:52Z'), null)).toBe('CERT_EXPIRED');
    });

    it('has the known image hash', () => {
        expect(parseQuote(SAMPLE).imageHash.toString(16)).toBe('c36fdfa4bc49368f73e1b9434f87b4941b4ec2a94d35704b6636726caeef05ad');
    });

    it('chains to the Intel SGX Root CA, whose key hashes to the known SHA-384 and to INTEL_SGX_ROOT_CA_HASH', () => {
        const certs = parsePemChain(parseQuote(SAMPLE).pckChainPem, 'chain').map((d) => parseCertificate(d));
        const root = certs[certs.length - 1];
        expect(root.name).toBe('CN=Intel SGX Root CA');
        expect(root.publicKeyPoint.length).toBe(65);
        expect(createHash('sha384').update(root.publicKeyPoint).digest('hex')).toBe(INTEL_ROOT_SHA384);
        expect(BigInt('0x' + createHash('sha256').update(root.publicKeyPoint).digest('hex'))).toBe(INTEL_SGX_ROOT_CA_HASH);
        expect(new QuoteVerifier().verifyEvidence(SAMPLE, { at: INSIDE }).rootKeyHash).toBe(INTEL_SGX_ROOT_CA_HASH);
    });

    it('fails the policy for a wrong root, an image not allowed, other report data, or a refused TCB status', () => {
        const v = new QuoteVerifier().verifyEvidence(SAMPLE, { at: INSIDE, collateral: COLLATERAL });
        const policy = (p: Partial<AttestationPolicy>) => codeOf(() => applyPolicy(v, { ...POLICY, ...p }, REPORT_DATA));
        expect(policy({})).toBe('ok');
        expect(policy({ trustedRoots: new Set([0x1234n]) })).toBe('ROOT_NOT_TRUSTED');
        expect(policy({ allowedImages: new Set([IMAGE + 1n]) })).toBe('IMAGE_NOT_ALLOWED');
        expect(policy({ tcbStatuses: ['SWHardeningNeeded'] })).toBe('TCB_STATUS_REFUSED');
        expect(codeOf(() => applyPolicy(v, POLICY, Buffer.alloc(64)))).toBe('REPORT_DATA_MISMATCH');
        const bare = new QuoteVerifier().verifyEvidence(SAMPLE, { at: INSIDE });
        expect(codeOf(() => applyPolicy(bare, { ...POLICY, requireCollateral: true }, REPORT_DATA))).toBe('COLLATERAL_REQUIRED');
    });

    it('is verified once and then served from the cache by its hash, the time still checked on every call', () => {
        const verifier = new QuoteVerifier();
        verifier.verifyEvidence(SAMPLE, { at: INSIDE, collateral: COLLATERAL });
        verifier.verifyEvidence(SAMPLE, { at: at('2025-07-02T00:00:00Z'), collateral: COLLATERAL });
        expect(verifier.stats).toEqual({ hits: 1, misses: 1 });
        expect(codeOf(() => verifier.verifyEvidence(SAMPLE, { at: at('2025-08-01T00:00:00Z'), collateral: COLLATERAL }))).toBe(
            'COLLATERAL_EXPIRED',
        );
        expect(verifier.stats.hits).toBe(2);
        // Without collateral it is another cache entry: the evidence differs.
        verifier.verifyEvidence(SAMPLE, { at: INSIDE });
        expect(verifier.stats.misses).toBe(2);
    });
});

describe("the sample's collateral, piece by piece", () => {
    const withPiece = (k: keyof Collateral, f: (v: string) => string) => ({ ...COLLATERAL, [k]: f(COLLATERAL[k]) });
    const flipHex = (h: string, i: number) => h.slice(0, i) + (parseInt(h[i], 16) ^ 1).toString(16) + h.slice(i + 1);

    const cases: [string, Collateral, AttestationErrorCode][] = [
        [
            'tcb_info text changed (one digit of an SVN)',
            withPiece('tcb_info', (t) => t.replace('"pcesvn":11', '"pcesvn":10')),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        [
            'tcb_info nextUpdate pushed a year (signature no longer matches)',
            withPiece('tcb_info', (t) => t.replace('"nextUpdate":"2025', '"nextUpdate":"2026')),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        ['tcb_info signature bit flipped', withPiece('tcb_info_signature', (s) => flipHex(s, 10)), 'COLLATERAL_SIGNATURE_INVALID'],
        [
            'qe_identity text changed',
            withPiece('qe_identity', (t) => t.replace('"isvprodid":2', '"isvprodid":3')),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        ['qe_identity signature bit flipped', withPiece('qe_identity_signature', (s) => flipHex(s, 100)), 'COLLATERAL_SIGNATURE_INVALID'],
        [
            'pck_crl: a revoked serial changed',
            withPiece('pck_crl', (h) => h.replace('6fc34e5023e7', '6fc34e5023e6')),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        [
            'pck_crl: nextUpdate changed',
            withPiece('pck_crl', (h) =>
                h.replace(Buffer.from('250719100035Z').toString('hex'), Buffer.from('260719100035Z').toString('hex')),
            ),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        ['root_ca_crl signature bit flipped', withPiece('root_ca_crl', (h) => flipHex(h, h.length - 10)), 'COLLATERAL_SIGNATURE_INVALID'],
        [
            'root_ca_crl given as the pck_crl (issued by another CA)',
            { ...COLLATERAL, pck_crl: COLLATERAL.root_ca_crl },
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        [
            'tcb_info_issuer_chain without its root',
            withPiece('tcb_info_issuer_chain', (p) => p.slice(0, p.indexOf('-----END CERTIFICATE-----') + 26)),
            'COLLATERAL_SIGNATURE_INVALID',
        ],
        ['tcb_info not JSON', withPiece('tcb_info', () => '{'), 'COLLATERAL_SIGNATURE_INVALID'],
        ['pck_crl not hex', withPiece('pck_crl', () => 'zz'), 'COLLATERAL_MALFORMED'],
        ['pck_crl not a CRL', withPiece('pck_crl', () => '3000'), 'COLLATERAL_MALFORMED'],
    ];
    it.each(cases)('%s', (_what, collateral, code) => {
        expect(verifyAt(INSIDE, collateral)).toBe(code);
    });

    it('is refused as malformed when a field is missing', () => {
        const partial: Record<string, unknown> = { ...COLLATERAL };
        delete partial.pck_crl;
        expect(codeOf(() => parseCollateral(partial))).toBe('COLLATERAL_MALFORMED');
        expect(codeOf(() => parseCollateral('not json'))).toBe('COLLATERAL_MALFORMED');
    });
});
