/**
 * Parsing TDX quotes v4 and v5 (worker/src/attestation/quote.ts). The sample's expected fields were
 * read with Python's struct module at the offsets of Intel's quote format, not with this code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestationError, AttestationErrorCode } from '../../worker/src/attestation/errors';
import { imageHashFromQuote } from '../../worker/src/attestation/imageHash';
import { isDebugTd, parseQuote } from '../../worker/src/attestation/quote';
import { SimulatedAttestor, SIMULATED_USER_DATA } from '../../worker/src/attestation/simulated';

const SAMPLE = readFileSync(join(__dirname, '../fixtures/tdx/sample-tdx-quote-v4.bin'));

function codeOf(f: () => unknown): AttestationErrorCode | 'ok' {
    try {
        f();
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

describe('the public sample quote (v4, TDX 1.0 body)', () => {
    const q = parseQuote(SAMPLE);

    it('has the header, body and signature data Intel laid out', () => {
        expect([q.version, q.teeType, q.attestationKeyType]).toEqual([4, 0x81, 2]);
        expect(q.qeVendorId.toString('hex')).toBe('939a7233f79c4ca9940a0db3957f0607');
        expect(q.body.type).toBe('TDX1.0');
        expect(q.body.teeTcbSvn.toString('hex')).toBe('06010300000000000000000000000000');
        expect(q.body.tdAttributes).toBe(0x10000000n);
        expect(isDebugTd(q.body)).toBe(false);
        expect(q.body.xfam.toString('hex')).toBe('e702060000000000');
        expect(q.body.reportData.toString('hex')).toBe(
            '9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20',
        );
        expect(q.signedRegion.length).toBe(632);
        expect(q.signature.toString('hex').slice(0, 16)).toBe('f156eac8ad01d79f');
        expect(q.attestationKey.toString('hex').slice(0, 18)).toBe('04c78ac5859b9f5672');
        expect(q.qeReport.mrSigner.toString('hex')).toBe('dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5');
        expect([q.qeReport.isvProdId, q.qeReport.isvSvn]).toEqual([2, 6]);
        expect(q.qeReport.reportData.subarray(0, 32).toString('hex')).toBe(
            'c936492a774946af9b588f6b3bd8beddc5957d1761ded2c0bb61d7b64de5b324',
        );
        expect(q.qeAuthData.toString('hex')).toBe('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
        expect(q.pckChainPem.length).toBe(3678);
        expect((q.pckChainPem.toString('latin1').match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(3);
    });

    it('ends its signature data at byte 4936; the 70 bytes after are zero padding', () => {
        expect(q.end).toBe(4936);
        expect(SAMPLE.length - q.end).toBe(70);
    });

    it('has the image hash the image-hash definition gives', () => {
        expect(q.imageHash).toBe(imageHashFromQuote(SAMPLE));
    });
});

/** The sample re-wrapped as v5: descriptor (type, size) after the header, TDX 1.0 or 1.5 body. */
function asV5(type: 2 | 3): Buffer {
    const body = SAMPLE.subarray(48, 632);
    const extra = type === 3 ? Buffer.alloc(64, 0) : Buffer.alloc(0);
    const desc = Buffer.alloc(6);
    desc.writeUInt16LE(type, 0);
    desc.writeUInt32LE(body.length + extra.length, 2);
    const v5 = Buffer.concat([SAMPLE.subarray(0, 48), desc, body, extra, SAMPLE.subarray(632)]);
    v5.writeUInt16LE(5, 0);
    return v5;
}

describe('v5 quotes', () => {
    it('parse with a TDX 1.0 or a TDX 1.5 body, the signed region including the descriptor', () => {
        const v10 = parseQuote(asV5(2));
        expect([v10.version, v10.body.type, v10.signedRegion.length]).toEqual([5, 'TDX1.0', 48 + 6 + 584]);
        const v15 = parseQuote(asV5(3));
        expect([v15.version, v15.body.type, v15.signedRegion.length]).toEqual([5, 'TDX1.5', 48 + 6 + 648]);
        expect(v15.body.teeTcbSvn2?.length).toBe(16);
        expect(v15.body.mrServiceTd?.length).toBe(48);
        expect(v10.imageHash).toBe(parseQuote(SAMPLE).imageHash);
        expect(v15.imageHash).toBe(parseQuote(SAMPLE).imageHash);
    });

    it('the simulated provider writes all three layouts, and marks them in the user data', () => {
        const a = new SimulatedAttestor();
        for (const [version, body] of [
            [4, 'TDX1.0'],
            [5, 'TDX1.0'],
            [5, 'TDX1.5'],
        ] as const) {
            const q = parseQuote(a.quote({ reportData: Buffer.alloc(64, 9), version, body }));
            expect([q.version, q.body.type]).toEqual([version, body]);
            expect(q.body.reportData.equals(Buffer.alloc(64, 9))).toBe(true);
            expect(q.userData.equals(SIMULATED_USER_DATA)).toBe(true);
            expect(q.end).toBe(q.raw.length);
        }
    });
});

describe('malformed quotes are refused with a named reason', () => {
    it('every prefix of the sample shorter than its signature data is QUOTE_TRUNCATED', () => {
        const end = parseQuote(SAMPLE).end;
        for (let n = 0; n < end; n++) expect([n, codeOf(() => parseQuote(SAMPLE.subarray(0, n)))]).toEqual([n, 'QUOTE_TRUNCATED']);
    });

    it('a prefix that cuts only padding still parses', () => {
        expect(codeOf(() => parseQuote(SAMPLE.subarray(0, 4936)))).toBe('ok');
        expect(codeOf(() => parseQuote(SAMPLE.subarray(0, 4990)))).toBe('ok');
    });

    const edit = (f: (b: Buffer) => void, from: Buffer = SAMPLE) => {
        const b = Buffer.from(from);
        f(b);
        return b;
    };
    const cases: [string, Buffer, AttestationErrorCode, RegExp][] = [
        ['version 3', edit((b) => b.writeUInt16LE(3, 0)), 'QUOTE_UNSUPPORTED', /version 3/],
        ['an SGX TEE type', edit((b) => b.writeUInt32LE(0, 4)), 'QUOTE_UNSUPPORTED', /TEE type 0x0/],
        ['attestation key type 3', edit((b) => b.writeUInt16LE(3, 2)), 'QUOTE_UNSUPPORTED', /key type 3/],
        ['a v5 SGX body', edit((b) => b.writeUInt16LE(1, 48), asV5(2)), 'QUOTE_UNSUPPORTED', /body type 1/],
        ['a v5 size that does not match the type', edit((b) => b.writeUInt32LE(600, 50), asV5(2)), 'QUOTE_MALFORMED', /must be 584 bytes/],
        ['signature data longer than the quote', edit((b) => b.writeUInt32LE(9999, 632)), 'QUOTE_TRUNCATED', /signature data/],
        ['signature data shorter than its content', edit((b) => b.writeUInt32LE(4299, 632)), 'QUOTE_MALFORMED', /runs past/],
        [
            'signature data longer than its content',
            edit((b) => b.writeUInt32LE(4301, 632)),
            'QUOTE_MALFORMED',
            /left over in the signature data/,
        ],
        ['certification data type 5 at the top', edit((b) => b.writeUInt16LE(5, 764)), 'QUOTE_UNSUPPORTED', /certification data type 5/],
        [
            'a PCK chain of type 3 (encrypted PPID)',
            edit((b) => b.writeUInt16LE(3, 1252)),
            'QUOTE_UNSUPPORTED',
            /PCK certification data type 3/,
        ],
        ['QE auth data overrunning the certification data', edit((b) => b.writeUInt16LE(0xffff, 1218)), 'QUOTE_MALFORMED', /QE auth data/],
        ['non-zero bytes in the padding', edit((b) => (b[5000] = 1)), 'QUOTE_MALFORMED', /non-zero byte 0x1 at 5000/],
    ];
    it.each(cases)('%s', (_what, quote, code, message) => {
        expect(codeOf(() => parseQuote(quote))).toBe(code);
        expect(() => parseQuote(quote)).toThrow(message);
    });
});
