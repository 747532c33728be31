/**
 * Collateral checks that need collateral Intel never signed: a revoked PCK certificate, a CRL by the
 * wrong key or out of date, a TCB level the policy refuses, collateral for another platform or under
 * another root, a quoting enclave the QE identity does not describe. The simulated attestor signs
 * such collateral under the test root; each case changes one thing and is refused for that reason.
 */
import { sign } from 'node:crypto';
import { Collateral } from '../../worker/src/attestation/collateral';
import { buildCrl } from '../../worker/src/attestation/crl';
import { AttestationError, AttestationErrorCode } from '../../worker/src/attestation/errors';
import { TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { SimulatedAttestor } from '../../worker/src/attestation/simulated';
import { applyPolicy, AttestationPolicy, QuoteVerifier } from '../../worker/src/attestation/verify';
import { nameDer } from '../../worker/src/attestation/x509';

const attestor = new SimulatedAttestor();
const REPORT_DATA = Buffer.alloc(64, 0x31);
const QUOTE = attestor.quote({ reportData: REPORT_DATA });
const FROM = new Date('2025-01-01T00:00:00Z');
const UNTIL = new Date('2025-02-01T00:00:00Z');
const INSIDE = new Date('2025-01-15T00:00:00Z');
const GOOD = attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL });

function codeOf(f: () => unknown): AttestationErrorCode | 'ok' {
    try {
        f();
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

const policy = (p: Partial<AttestationPolicy> = {}): AttestationPolicy => ({
    isTest: true,
    trustedRoots: new Set([TEST_ROOT_HASH]),
    allowedImages: new Set([new QuoteVerifier().verifyEvidence(QUOTE).imageHash]),
    ...p,
});

const check = (collateral: Collateral, at = INSIDE, p: Partial<AttestationPolicy> = {}) =>
    codeOf(() => new QuoteVerifier().verify(QUOTE, policy(p), REPORT_DATA, { at, collateral }));

/** Signs a changed TCB info or QE identity body with the simulated TCB signing key, as Intel would. */
const resign = (text: string) =>
    sign('sha256', Buffer.from(text), { key: attestor.tcbSigning.privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');

/** A CRL under the simulated root's name, signed by `key` (the root's unless given). */
function crl(o: { thisUpdate?: Date; nextUpdate?: Date; revoked?: bigint[]; key?: SimulatedAttestor['root'] }): string {
    const rootName = nameDer('Cocoon simulated TDX root, TEST ONLY (the test root)');
    return buildCrl({
        issuer: rootName,
        thisUpdate: o.thisUpdate ?? FROM,
        nextUpdate: o.nextUpdate ?? UNTIL,
        revoked: (o.revoked ?? []).map((serial) => ({ serial, at: FROM })),
        sign: (tbs) => sign('sha256', tbs, (o.key ?? attestor.root).privateKey),
    }).toString('hex');
}

describe('simulated collateral', () => {
    it('verifies with the simulated quote and gives its TCB status', () => {
        expect(check(GOOD)).toBe('ok');
        const v = new QuoteVerifier().verifyEvidence(QUOTE, { at: INSIDE, collateral: GOOD });
        expect(v.tcb?.status).toBe('UpToDate');
        expect([v.validFrom, v.validUntil]).toEqual([FROM, UNTIL]);
    });

    it('a CRL we build ourselves is read as the collateral built it', () => {
        expect(check({ ...GOOD, pck_crl: crl({}) })).toBe('ok');
    });
});

describe('CRLs', () => {
    it('a PCK certificate listed in the PCK CRL is CERT_REVOKED', () => {
        expect(check(attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL, revokedPckSerials: [attestor.pckSerial] }))).toBe(
            'CERT_REVOKED',
        );
        expect(check({ ...GOOD, pck_crl: crl({ revoked: [1n, attestor.pckSerial, 99n] }) })).toBe('CERT_REVOKED');
        expect(check({ ...GOOD, pck_crl: crl({ revoked: [1n, 99n] }) })).toBe('ok');
    });

    it('a signing certificate listed in the root CA CRL is CERT_REVOKED', () => {
        // Serial 2 is the simulated TCB signing certificate.
        expect(check({ ...GOOD, root_ca_crl: crl({ revoked: [2n] }) })).toBe('CERT_REVOKED');
    });

    it('a CRL signed by another key is COLLATERAL_SIGNATURE_INVALID, even under the right issuer name', () => {
        const other = new SimulatedAttestor({ rootSeed: 'cocoon-ton/crl forger' }).root;
        expect(check({ ...GOOD, pck_crl: crl({ key: other }) })).toBe('COLLATERAL_SIGNATURE_INVALID');
        expect(check({ ...GOOD, root_ca_crl: crl({ key: other }) })).toBe('COLLATERAL_SIGNATURE_INVALID');
    });

    it('a CRL is used only from thisUpdate to nextUpdate', () => {
        const late = crl({ thisUpdate: new Date('2025-01-20T00:00:00Z') });
        expect(check({ ...GOOD, pck_crl: late })).toBe('COLLATERAL_NOT_YET_VALID');
        const stale = crl({ nextUpdate: new Date('2025-01-10T00:00:00Z') });
        expect(check({ ...GOOD, pck_crl: stale })).toBe('COLLATERAL_EXPIRED');
        expect(check({ ...GOOD, root_ca_crl: stale })).toBe('COLLATERAL_EXPIRED');
        expect(check({ ...GOOD, root_ca_crl: stale }, new Date('2025-01-09T00:00:00Z'))).toBe('ok');
    });
});

describe('TCB info and QE identity', () => {
    it('are used only from issueDate to nextUpdate', () => {
        expect(check(GOOD, new Date('2024-12-31T23:59:59Z'))).toBe('COLLATERAL_NOT_YET_VALID');
        expect(check(GOOD, new Date('2025-02-01T00:00:01Z'))).toBe('COLLATERAL_EXPIRED');
    });

    it('a TCB status outside the policy is TCB_STATUS_REFUSED; a policy may accept it', () => {
        const outOfDate = attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL, tcbStatus: 'OutOfDate' });
        expect(check(outOfDate)).toBe('TCB_STATUS_REFUSED');
        expect(check(outOfDate, INSIDE, { tcbStatuses: ['UpToDate', 'OutOfDate'] })).toBe('ok');
        expect(check(attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL, tcbStatus: 'Revoked' }))).toBe('TCB_STATUS_REFUSED');
        expect(check(attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL, tcbStatus: 'SWHardeningNeeded' }))).toBe('ok');
    });

    it('a platform below every TCB level is NotSupported, refused by default', () => {
        const info = GOOD.tcb_info.replace('"pcesvn":11', '"pcesvn":12');
        const v = new QuoteVerifier().verifyEvidence(QUOTE, {
            at: INSIDE,
            collateral: { ...GOOD, tcb_info: info, tcb_info_signature: resign(info) },
        });
        expect(v.tcb?.status).toBe('NotSupported');
        expect(codeOf(() => applyPolicy(v, policy(), REPORT_DATA))).toBe('TCB_STATUS_REFUSED');
    });

    it('an out-of-date TDX module or quoting enclave makes the whole TCB OutOfDate', () => {
        const module = GOOD.tcb_info.replace(
            '"tcb":{"isvsvn":3},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"UpToDate"',
            '"tcb":{"isvsvn":3},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"OutOfDate"',
        );
        expect(module).not.toBe(GOOD.tcb_info);
        const v1 = new QuoteVerifier().verifyEvidence(QUOTE, {
            at: INSIDE,
            collateral: { ...GOOD, tcb_info: module, tcb_info_signature: resign(module) },
        });
        expect(v1.tcb?.status).toBe('OutOfDate');
        const qe = GOOD.qe_identity.replace('"tcbStatus":"UpToDate"', '"tcbStatus":"OutOfDate"');
        const v2 = new QuoteVerifier().verifyEvidence(QUOTE, {
            at: INSIDE,
            collateral: { ...GOOD, qe_identity: qe, qe_identity_signature: resign(qe) },
        });
        expect(v2.tcb?.status).toBe('OutOfDate');
    });

    it('collateral for another FMSPC is COLLATERAL_MISMATCH', () => {
        expect(check(attestor.collateral({ issueDate: FROM, nextUpdate: UNTIL, fmspc: Buffer.from('b0c06f000000', 'hex') }))).toBe(
            'COLLATERAL_MISMATCH',
        );
    });

    it('collateral signed under another root is COLLATERAL_MISMATCH', () => {
        const other = new SimulatedAttestor({ rootSeed: 'cocoon-ton/other platform root' });
        expect(check(other.collateral({ issueDate: FROM, nextUpdate: UNTIL }))).toBe('COLLATERAL_MISMATCH');
    });

    it('a TCB info body re-signed by a key outside the chain is COLLATERAL_SIGNATURE_INVALID', () => {
        const info = GOOD.tcb_info.replace('"tcbStatus":"UpToDate"}]}', '"tcbStatus":"UpToDate"}] }');
        const forged = sign('sha256', Buffer.from(info), { key: attestor.pck.privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');
        expect(check({ ...GOOD, tcb_info: info, tcb_info_signature: forged })).toBe('COLLATERAL_SIGNATURE_INVALID');
    });

    it('a quoting enclave other than the QE identity describes is QE_IDENTITY_MISMATCH', () => {
        for (const [from, to] of [
            [/"mrsigner":"[0-9A-F]{64}"/, `"mrsigner":"${'AB'.repeat(32)}"`],
            ['"isvprodid":2', '"isvprodid":1'],
            ['"miscselect":"00000000"', '"miscselect":"00000001"'],
            ['"attributes":"11000000000000000000000000000000"', '"attributes":"31000000000000000000000000000000"'],
        ] as const) {
            const qe = GOOD.qe_identity.replace(from, to);
            expect(qe).not.toBe(GOOD.qe_identity);
            expect([String(from), check({ ...GOOD, qe_identity: qe, qe_identity_signature: resign(qe) })]).toEqual([
                String(from),
                'QE_IDENTITY_MISMATCH',
            ]);
        }
    });

    it('a TCB info for SGX, not TDX, is COLLATERAL_MISMATCH', () => {
        const info = GOOD.tcb_info.replace('"id":"TDX"', '"id":"SGX"');
        expect(check({ ...GOOD, tcb_info: info, tcb_info_signature: resign(info) })).toBe('COLLATERAL_MISMATCH');
    });
});
