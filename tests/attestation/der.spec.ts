/**
 * The DER reader and writer (worker/src/attestation/der.ts), the X.509 certificate and CRL code
 * built on them. Expected encodings are from X.690 and RFC 5280 examples; generated certificates
 * are read back by node's X509Certificate (OpenSSL), independently of this reader; the sample CRL's
 * facts were read with `openssl crl -text`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { der, DerError, DerReader, readBoolean, readOid, readTime, readUnsigned, TAG, tlv } from '../../worker/src/attestation/der';
import { buildCrl, crlSignedBy, parseCrl } from '../../worker/src/attestation/crl';
import { p256FromSeed, randomP256 } from '../../worker/src/attestation/simulated';
import {
    buildCertificate,
    KEY_USAGE,
    nameDer,
    parseCertificate,
    parsePemChain,
    toPem,
    verifyChain,
    ParsedCertificate,
} from '../../worker/src/attestation/x509';
import { AttestationError } from '../../worker/src/attestation/errors';
import { sign } from 'node:crypto';
import { parseQuote } from '../../worker/src/attestation/quote';

const SAMPLE = readFileSync(join(__dirname, '../fixtures/tdx/sample-tdx-quote-v4.bin'));

const hex = (b: Buffer) => b.toString('hex');
const one = (h: string) => DerReader.one(Buffer.from(h, 'hex'), 'test');

describe('DER writer', () => {
    it('encodes INTEGERs minimally, with a sign byte when the top bit is set', () => {
        expect(hex(der.uint(0))).toBe('020100');
        expect(hex(der.uint(127))).toBe('02017f');
        expect(hex(der.uint(128))).toBe('02020080');
        expect(hex(der.uint(256))).toBe('02020100');
        expect(hex(der.uint(Buffer.from('0000ff', 'hex')))).toBe('020200ff');
        expect(hex(der.uint(2n ** 64n))).toBe('0209010000000000000000');
    });

    it('encodes lengths in short and long form', () => {
        expect(hex(tlv(TAG.OCTET_STRING, Buffer.alloc(127))).slice(0, 4)).toBe('047f');
        expect(hex(tlv(TAG.OCTET_STRING, Buffer.alloc(128))).slice(0, 6)).toBe('048180');
        expect(hex(tlv(TAG.OCTET_STRING, Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
    });

    it('encodes OIDs, including large arcs', () => {
        expect(hex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
        expect(hex(der.oid('2.5.29.19'))).toBe('0603551d13');
        // X.667 UUID arc: 2.25.<128-bit integer>
        const arc = '2.25.2917286655005554636102917821292264921.1';
        expect(readOid(DerReader.one(der.oid(arc), 'oid'))).toBe(arc);
    });

    it('encodes times as UTCTime before 2050 and GeneralizedTime from 2050', () => {
        expect(der.time(new Date('2025-06-19T10:00:35Z')).toString('latin1').slice(2)).toBe('250619100035Z');
        expect(der.time(new Date('2099-12-31T23:59:59Z')).toString('latin1').slice(2)).toBe('20991231235959Z');
        expect(der.time(new Date('2025-06-19T10:00:35Z'))[0]).toBe(TAG.UTC_TIME);
        expect(der.time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(TAG.GENERALIZED_TIME);
    });

    it('encodes named bits with trailing zero bits trimmed', () => {
        expect(hex(der.namedBits([KEY_USAGE.digitalSignature]))).toBe('03020780');
        expect(hex(der.namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]))).toBe('03020106');
    });

    it('reads back what it writes', () => {
        expect(readUnsigned(DerReader.one(der.uint(123456789n), 'i'))).toBe(123456789n);
        expect(readBoolean(DerReader.one(der.bool(true), 'b'))).toBe(true);
        const d = new Date('2031-02-03T04:05:06Z');
        expect(readTime(DerReader.one(der.time(d), 't')).getTime()).toBe(d.getTime());
    });
});

describe('DER reader refuses what is not DER', () => {
    const cases: [string, string][] = [
        ['indefinite length', '3080000000'],
        ['long-form length for a short value', '04810100'],
        ['length with a leading zero byte', '0482000100'],
        ['content running past the end', '040501'],
        ['trailing bytes', '0401000000'],
        ['multi-byte tag', '1f2100'],
        ['empty input', ''],
    ];
    it.each(cases)('%s', (_what, h) => {
        expect(() => one(h)).toThrow(DerError);
    });

    it('non-minimal INTEGERs, BOOLEAN other than 00/ff, malformed times and OIDs', () => {
        expect(() => readUnsigned(one('0202007f'))).toThrow(/shortest/);
        expect(() => readUnsigned(one('0202ff80'))).toThrow(/shortest/);
        expect(() => readUnsigned(one('020180'))).toThrow(/negative/);
        expect(() => readBoolean(one('010101'))).toThrow(/0x00 and 0xff/);
        expect(() => readTime(one('170d3235303631393130303033355a'.replace('5a', '2b')))).toThrow(DerError);
        expect(() => readTime(one(hex(tlv(TAG.UTC_TIME, Buffer.from('250230100035Z')))))).toThrow(/no such date/);
        expect(() => readOid(one('06022a86'))).toThrow(/truncated/);
        expect(() => readOid(one('0603808001'))).toThrow(/leading 0x80/);
    });
});

function makeCa(
    seed: string,
    name: string,
    opts: { pathLen?: number; issuer?: { key: ReturnType<typeof p256FromSeed>; name: Buffer } } = {},
) {
    const key = p256FromSeed(seed);
    const subject = nameDer(name);
    const cert = buildCertificate({
        serial: 10n,
        issuer: opts.issuer?.name ?? subject,
        subject,
        notBefore: new Date('2024-01-01T00:00:00Z'),
        notAfter: new Date('2030-01-01T00:00:00Z'),
        spki: key.spki,
        ca: { pathLen: opts.pathLen },
        keyUsage: [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign],
        signer: (opts.issuer?.key ?? key).privateKey,
    });
    return { key, name: subject, cert };
}

describe('certificates', () => {
    const root = makeCa('der-test/root', 'Test Root', { pathLen: 0 });
    const leafKey = randomP256();
    const leafDer = buildCertificate({
        serial: 0x00c0ffeen,
        issuer: root.name,
        subject: nameDer('Test Leaf'),
        notBefore: new Date('2025-01-01T00:00:00Z'),
        notAfter: new Date('2026-01-01T00:00:00Z'),
        spki: leafKey.spki,
        keyUsage: [KEY_USAGE.digitalSignature],
        extensions: [{ oid: '1.2.3.4', critical: false, value: Buffer.from('hello') }],
        signer: root.key.privateKey,
    });

    it('are well-formed to OpenSSL, with the fields they were made with', () => {
        const x = new X509Certificate(leafDer);
        expect(x.subject).toContain('CN=Test Leaf');
        expect(x.issuer).toContain('CN=Test Root');
        expect(x.serialNumber.toLowerCase()).toBe('c0ffee');
        expect(new Date(x.validFrom).toISOString()).toBe('2025-01-01T00:00:00.000Z');
        expect(x.ca).toBe(false);
        expect(x.verify(new X509Certificate(root.cert).publicKey)).toBe(true);
        expect(x.checkIssued(new X509Certificate(root.cert))).toBe(true);
        expect(new X509Certificate(root.cert).ca).toBe(true);
    });

    it('parse back to the same fields', () => {
        const c = parseCertificate(leafDer);
        expect(c.serial).toBe('c0ffee');
        expect(c.name).toBe('CN=Test Leaf');
        expect(c.notAfter.toISOString()).toBe('2026-01-01T00:00:00.000Z');
        expect(c.publicKeyPoint.equals(leafKey.point)).toBe(true);
        expect(c.basicConstraints).toEqual({ ca: false, pathLen: undefined });
        expect([...c.keyUsage!]).toEqual([KEY_USAGE.digitalSignature]);
        expect(c.extensions.find((e) => e.oid === '1.2.3.4')?.value.toString()).toBe('hello');
        const r = parseCertificate(root.cert);
        expect(r.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    });

    it('PEM round-trips, and non-canonical base64 or stray characters are refused', () => {
        const pem = toPem(leafDer) + toPem(root.cert);
        expect(parsePemChain(pem + '\0', 'chain').map(hex)).toEqual([hex(leafDer), hex(root.cert)]);
        expect(() => parsePemChain(pem.replace('\n', '\n \n'), 'chain')).toThrow(DerError);
        expect(() => parsePemChain(pem + 'x', 'chain')).toThrow(DerError);
        expect(() => parsePemChain('', 'chain')).toThrow(/no certificate/);

        // The sample's chain ends in "...RXaqI=": with one '=' of padding, the low 2 bits of "I" are
        // unused, so changing them leaves the bytes Buffer.from decodes unchanged. Refused anyway.
        const chain = parseQuote(SAMPLE).pckChainPem.toString('latin1');
        const at = chain.lastIndexOf('qI=\n-----END') + 1;
        const tweaked = chain.slice(0, at) + 'J' + chain.slice(at + 1);
        const b64 = (t: string) => t.slice(t.lastIndexOf('-----BEGIN CERTIFICATE-----') + 28, t.lastIndexOf('-----END')).replace(/\n/g, '');
        expect(Buffer.from(b64(tweaked), 'base64').equals(Buffer.from(b64(chain), 'base64'))).toBe(true);
        expect(parsePemChain(chain, 'chain')).toHaveLength(3);
        expect(() => parsePemChain(tweaked, 'chain')).toThrow(/certificate 3 is not canonical base64/);
    });

    it('chains: signatures, names, CA flags and path lengths are checked', () => {
        const parsed = [parseCertificate(leafDer), parseCertificate(root.cert)];
        const ok = verifyChain(parsed, ['leaf'], { code: 'CERT_CHAIN_INVALID' });
        expect(ok.root.name).toBe('CN=Test Root');

        const fails = (certs: ParsedCertificate[], re: RegExp) => {
            try {
                verifyChain(certs, ['leaf'], { code: 'CERT_CHAIN_INVALID' });
                throw new Error('verified');
            } catch (e) {
                expect(e).toBeInstanceOf(AttestationError);
                expect((e as AttestationError).code).toBe('CERT_CHAIN_INVALID');
                expect((e as Error).message).toMatch(re);
            }
        };
        // signed by another key under the same name
        const impostor = makeCa('der-test/impostor', 'Test Root', { pathLen: 0 });
        fails([parseCertificate(leafDer), parseCertificate(impostor.cert)], /does not verify/);
        // an intermediate that is not a CA
        const notCaKey = randomP256();
        const notCa = buildCertificate({
            serial: 3n,
            issuer: root.name,
            subject: nameDer('Not a CA'),
            notBefore: new Date('2025-01-01'),
            notAfter: new Date('2026-01-01'),
            spki: notCaKey.spki,
            keyUsage: [KEY_USAGE.digitalSignature],
            signer: root.key.privateKey,
        });
        const under = (issuerKey: typeof notCaKey, issuerName: Buffer) =>
            buildCertificate({
                serial: 4n,
                issuer: issuerName,
                subject: nameDer('Leaf 2'),
                notBefore: new Date('2025-01-01'),
                notAfter: new Date('2026-01-01'),
                spki: randomP256().spki,
                keyUsage: [KEY_USAGE.digitalSignature],
                signer: issuerKey.privateKey,
            });
        fails([parseCertificate(under(notCaKey, nameDer('Not a CA'))), parseCertificate(notCa), parseCertificate(root.cert)], /not a CA/);
        // an intermediate CA below a root with pathLen 0
        const mid = makeCa('der-test/mid', 'Mid CA', { issuer: root });
        fails([parseCertificate(under(mid.key, mid.name)), parseCertificate(mid.cert), parseCertificate(root.cert)], /allows 0 CA/);
        // a leaf that is a CA
        fails([parseCertificate(mid.cert), parseCertificate(root.cert)], /is a CA certificate/);
        // an unknown critical extension
        const crit = buildCertificate({
            serial: 5n,
            issuer: root.name,
            subject: nameDer('Critical'),
            notBefore: new Date('2025-01-01'),
            notAfter: new Date('2026-01-01'),
            spki: randomP256().spki,
            keyUsage: [KEY_USAGE.digitalSignature],
            extensions: [{ oid: '1.2.3.4.5', critical: true, value: Buffer.from([5, 0]) }],
            signer: root.key.privateKey,
        });
        fails([parseCertificate(crit), parseCertificate(root.cert)], /unknown critical extension 1.2.3.4.5/);
    });
});

describe('CRLs', () => {
    const collateral = JSON.parse(readFileSync(join(__dirname, '../fixtures/tdx/sample-tdx-quote-v4.collateral.json'), 'utf8'));

    it("read Intel's PCK CRL as openssl does: dates, 44 revoked serials", () => {
        const crl = parseCrl(Buffer.from(collateral.pck_crl, 'hex'));
        expect(crl.thisUpdate.toISOString()).toBe('2025-06-19T10:00:35.000Z');
        expect(crl.nextUpdate.toISOString()).toBe('2025-07-19T10:00:35.000Z');
        expect(crl.revoked.size).toBe(44);
        expect(crl.revoked.has('6fc34e5023e728923435d61aa4b83c618166ad35')).toBe(true);
        expect(crl.revoked.has('8af924184e1d5afddd73c3d63a12f5e8b5737e56')).toBe(true);
        const issuer = parseCertificate(parsePemChain(collateral.pck_crl_issuer_chain, 'chain')[0]);
        expect(issuer.name).toBe('CN=Intel SGX PCK Platform CA');
        expect(crlSignedBy(crl, issuer)).toBe(true);
        const root = parseCertificate(parsePemChain(collateral.pck_crl_issuer_chain, 'chain')[1]);
        expect(crlSignedBy(crl, root)).toBe(false);
    });

    it("read Intel's root CA CRL: no revocations, valid 2025-03-20..2026-04-03", () => {
        const crl = parseCrl(Buffer.from(collateral.root_ca_crl, 'hex'));
        expect(crl.revoked.size).toBe(0);
        expect(crl.thisUpdate.toISOString()).toBe('2025-03-20T11:21:57.000Z');
        expect(crl.nextUpdate.toISOString()).toBe('2026-04-03T11:21:57.000Z');
    });

    it('built ones round-trip, and their signature binds every byte of the TBS', () => {
        const ca = p256FromSeed('der-test/crl-ca');
        const name = nameDer('CRL CA');
        const caCert = parseCertificate(
            buildCertificate({
                serial: 1n,
                issuer: name,
                subject: name,
                notBefore: new Date('2024-01-01'),
                notAfter: new Date('2030-01-01'),
                spki: ca.spki,
                ca: {},
                keyUsage: [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign],
                signer: ca.privateKey,
            }),
        );
        const crlDer = buildCrl({
            issuer: name,
            thisUpdate: new Date('2025-01-01T00:00:00Z'),
            nextUpdate: new Date('2025-02-01T00:00:00Z'),
            revoked: [
                { serial: 0x0100n, at: new Date('2025-01-01T00:00:00Z') },
                { serial: 0xabcdefn, at: new Date('2025-01-01T00:00:00Z') },
            ],
            sign: (tbs) => sign('sha256', tbs, ca.privateKey),
        });
        const crl = parseCrl(crlDer);
        expect([...crl.revoked]).toEqual(['100', 'abcdef']);
        expect(crlSignedBy(crl, caCert)).toBe(true);
        const tampered = Buffer.from(crlDer);
        tampered[tampered.indexOf(Buffer.from([0xab, 0xcd, 0xef]))] ^= 1; // a revoked serial
        expect(crlSignedBy(parseCrl(tampered), caCert)).toBe(false);
    });

    it('refuse a CRL without nextUpdate or with an unknown critical extension', () => {
        const ca = p256FromSeed('der-test/crl-ca');
        const name = nameDer('CRL CA');
        const alg = der.seq(der.oid('1.2.840.10045.4.3.2'));
        const wrap = (tbs: Buffer) => der.seq(tbs, alg, der.bits(sign('sha256', tbs, ca.privateKey)));
        const noNext = der.seq(der.uint(1), alg, name, der.time(new Date('2025-01-01')));
        expect(() => parseCrl(wrap(noNext))).toThrow(/no nextUpdate/);
        const critExt = der.seq(
            der.uint(1),
            alg,
            name,
            der.time(new Date('2025-01-01')),
            der.time(new Date('2025-02-01')),
            der.explicit(0, der.seq(der.seq(der.oid('2.5.29.27'), der.bool(true), der.octets(der.uint(1))))),
        );
        expect(() => parseCrl(wrap(critExt))).toThrow(/unknown critical extension 2.5.29.27/);
    });
});
