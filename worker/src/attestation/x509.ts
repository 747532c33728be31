/**
 * X.509 for the attestation toolkit: strict PEM, a certificate reader that exposes what the chain
 * checks need (names as DER, validity, basic constraints, key usage, Intel's SGX extension), the
 * chain check itself, and a certificate writer for the simulated chain and RA-TLS.
 *
 * Every certificate is also handed to node's X509Certificate, i.e. OpenSSL, so a certificate that
 * OpenSSL would not parse is refused even where this reader might have been more lenient.
 * Signatures are checked with crypto.verify over the exact TBS bytes; OpenSSL refuses an ECDSA
 * signature whose DER is not canonical, so a re-encoded signature does not verify either.
 *
 * Only ECDSA P-256 with SHA-256 is accepted anywhere: it is what Intel's PCK hierarchy, TCB signing
 * chain and the simulated chain use, and one algorithm is less to get wrong.
 */
import { createHash, createPublicKey, KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import {
    der,
    DerError,
    DerReader,
    integerBytes,
    readBitStringBytes,
    readBoolean,
    readNamedBits,
    readOid,
    readSmallUnsigned,
    readTime,
    TAG,
    Tlv,
} from './der';
import { AttestationError, AttestationErrorCode, ensure } from './errors';

export const OID = {
    ecdsaWithSha256: '1.2.840.10045.4.3.2',
    ecPublicKey: '1.2.840.10045.2.1',
    prime256v1: '1.2.840.10045.3.1.7',
    commonName: '2.5.4.3',
    organization: '2.5.4.10',
    basicConstraints: '2.5.29.19',
    keyUsage: '2.5.29.15',
    subjectKeyIdentifier: '2.5.29.14',
    authorityKeyIdentifier: '2.5.29.35',
    crlNumber: '2.5.29.20',
    crlReason: '2.5.29.21',
    /** Intel SGX extension in PCK certificates (FMSPC, TCB, PCE ID, ...). */
    sgxExtension: '1.2.840.113741.1.13.1',
} as const;

/** Extensions this reader understands; a critical extension outside this set makes a certificate unusable (RFC 5280 4.2). */
const UNDERSTOOD = new Set<string>([OID.basicConstraints, OID.keyUsage]);

export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** The AlgorithmIdentifier of ecdsa-with-SHA256: SEQUENCE { OID } with no parameters (RFC 5758). */
export const ECDSA_SHA256_ALG = der.seq(der.oid(OID.ecdsaWithSha256));

export interface Extension {
    oid: string;
    critical: boolean;
    value: Buffer;
}

export interface ParsedCertificate {
    der: Buffer;
    tbs: Buffer;
    /** Serial as lowercase hex of its unsigned value, no leading zeros (how CRL entries are compared). */
    serial: string;
    issuer: Buffer;
    subject: Buffer;
    /** A readable subject for messages, e.g. "CN=Intel SGX PCK Certificate". */
    name: string;
    notBefore: Date;
    notAfter: Date;
    spki: Buffer;
    /** The P-256 public key as SEC1 uncompressed bytes 0x04||X||Y. */
    publicKeyPoint: Buffer;
    publicKey: KeyObject;
    extensions: Extension[];
    basicConstraints?: { ca: boolean; pathLen?: number };
    keyUsage?: Set<number>;
    signature: Buffer;
}

/** Lowercase hex of an INTEGER's unsigned value without leading zeros ("0" for zero). */
export function serialHex(content: Buffer): string {
    return BigInt('0x' + (content.toString('hex') || '0')).toString(16);
}

function readName(t: Tlv, what: string): string {
    // Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }; kept as DER for comparison,
    // decoded only to print the CN.
    if (t.tag !== TAG.SEQUENCE) throw new DerError(`${what}: Name is not a SEQUENCE`);
    const parts: string[] = [];
    const rdns = DerReader.inside(t);
    while (!rdns.done) {
        const set = DerReader.inside(rdns.read(TAG.SET, what));
        while (!set.done) {
            const atv = DerReader.inside(set.read(TAG.SEQUENCE, what));
            const oid = readOid(atv.read(TAG.OID, what), what);
            const value = atv.read(undefined, what);
            atv.finish(what);
            if (oid === OID.commonName) parts.push(`CN=${value.value.toString('utf8')}`);
        }
    }
    return parts.join(', ') || '(no CN)';
}

/** SubjectPublicKeyInfo of a P-256 key: returns the 65-byte uncompressed point. */
export function readP256Spki(t: Tlv, what: string): Buffer {
    const r = DerReader.inside(t);
    const alg = DerReader.inside(r.read(TAG.SEQUENCE, what));
    const kind = readOid(alg.read(TAG.OID, what), what);
    if (kind !== OID.ecPublicKey) throw new DerError(`${what}: key algorithm ${kind} is not an EC public key`);
    const curve = readOid(alg.read(TAG.OID, what), what);
    if (curve !== OID.prime256v1) throw new DerError(`${what}: curve ${curve} is not P-256`);
    alg.finish(what);
    const point = readBitStringBytes(r.read(TAG.BIT_STRING, what), what);
    r.finish(what);
    if (point.length !== 65 || point[0] !== 0x04) throw new DerError(`${what}: the public key is not an uncompressed P-256 point`);
    return point;
}

/** Parses one DER certificate; throws DerError (or OpenSSL's error) on anything malformed. */
export function parseCertificate(certDer: Buffer, what = 'certificate'): ParsedCertificate {
    const outer = DerReader.one(certDer, what);
    if (outer.tag !== TAG.SEQUENCE) throw new DerError(`${what}: not a SEQUENCE`);
    const c = DerReader.inside(outer);
    const tbsTlv = c.read(TAG.SEQUENCE, `${what} TBS`);
    const sigAlg = c.read(TAG.SEQUENCE, `${what} signature algorithm`);
    const signature = readBitStringBytes(c.read(TAG.BIT_STRING, `${what} signature`), `${what} signature`);
    c.finish(what);
    if (!sigAlg.bytes.equals(ECDSA_SHA256_ALG)) throw new DerError(`${what}: signature algorithm is not ecdsa-with-SHA256`);

    const t = DerReader.inside(tbsTlv);
    const version = t.read(0xa0, `${what} version`);
    if (!version.value.equals(Buffer.from([2, 1, 2]))) throw new DerError(`${what}: not an X.509 v3 certificate`);
    const serial = serialHex(integerBytes(t.read(TAG.INTEGER, `${what} serial`), `${what} serial`));
    const innerAlg = t.read(TAG.SEQUENCE, `${what} TBS signature algorithm`);
    if (!innerAlg.bytes.equals(sigAlg.bytes)) throw new DerError(`${what}: the TBS and outer signature algorithms differ`);
    const issuerTlv = t.read(TAG.SEQUENCE, `${what} issuer`);
    const validity = DerReader.inside(t.read(TAG.SEQUENCE, `${what} validity`));
    const notBefore = readTime(validity.read(undefined, `${what} notBefore`), `${what} notBefore`);
    const notAfter = readTime(validity.read(undefined, `${what} notAfter`), `${what} notAfter`);
    validity.finish(`${what} validity`);
    const subjectTlv = t.read(TAG.SEQUENCE, `${what} subject`);
    const spkiTlv = t.read(TAG.SEQUENCE, `${what} public key`);
    const publicKeyPoint = readP256Spki(spkiTlv, `${what} public key`);
    const extensions: Extension[] = [];
    const extsTlv = t.optional(0xa3, `${what} extensions`);
    t.finish(`${what} TBS`);
    if (extsTlv) {
        const seq = DerReader.inside(extsTlv);
        const list = DerReader.inside(seq.read(TAG.SEQUENCE, `${what} extensions`));
        seq.finish(`${what} extensions`);
        while (!list.done) {
            const e = DerReader.inside(list.read(TAG.SEQUENCE, `${what} extension`));
            const oid = readOid(e.read(TAG.OID, `${what} extension`), `${what} extension`);
            const critTlv = e.optional(TAG.BOOLEAN, `${what} extension ${oid}`);
            const critical = critTlv ? readBoolean(critTlv, `${what} extension ${oid}`) : false;
            if (critTlv && !critical) throw new DerError(`${what}: extension ${oid} encodes critical=FALSE (DER omits defaults)`);
            const value = e.read(TAG.OCTET_STRING, `${what} extension ${oid}`).value;
            e.finish(`${what} extension ${oid}`);
            if (extensions.some((x) => x.oid === oid)) throw new DerError(`${what}: extension ${oid} appears twice`);
            extensions.push({ oid, critical, value });
        }
        if (extensions.length === 0) throw new DerError(`${what}: empty extensions`);
    }

    let basicConstraints: ParsedCertificate['basicConstraints'];
    const bc = extensions.find((e) => e.oid === OID.basicConstraints);
    if (bc) {
        const r = DerReader.inside(DerReader.one(bc.value, `${what} basicConstraints`));
        const caTlv = r.optional(TAG.BOOLEAN, `${what} basicConstraints`);
        const ca = caTlv ? readBoolean(caTlv, `${what} basicConstraints cA`) : false;
        if (caTlv && !ca) throw new DerError(`${what}: basicConstraints encodes cA=FALSE (DER omits defaults)`);
        const plTlv = r.optional(TAG.INTEGER, `${what} pathLenConstraint`);
        r.finish(`${what} basicConstraints`);
        const pathLen = plTlv ? readSmallUnsigned(plTlv, `${what} pathLenConstraint`) : undefined;
        basicConstraints = { ca, pathLen };
    }
    const ku = extensions.find((e) => e.oid === OID.keyUsage);
    const keyUsage = ku ? readNamedBits(DerReader.one(ku.value, `${what} keyUsage`), `${what} keyUsage`) : undefined;

    // OpenSSL's own parse: the same bytes must be a certificate to it too (it throws if not).
    new X509Certificate(certDer);
    return {
        der: certDer,
        tbs: tbsTlv.bytes,
        serial,
        issuer: issuerTlv.bytes,
        subject: subjectTlv.bytes,
        name: readName(subjectTlv, `${what} subject`),
        notBefore,
        notAfter,
        spki: spkiTlv.bytes,
        publicKeyPoint,
        publicKey: createPublicKey({ key: spkiTlv.bytes, format: 'der', type: 'spki' }),
        extensions,
        basicConstraints,
        keyUsage,
        signature,
    };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n((?:[A-Za-z0-9+/=]{1,76}\r?\n)+)-----END CERTIFICATE-----(?:\r?\n|$)/y;

/**
 * A concatenation of PEM certificates, parsed strictly: nothing but certificate blocks, then
 * optionally NUL padding (Intel's quote ends the chain with one NUL). Base64 must be canonical: it
 * is re-encoded and compared, so the unused low bits of a final character cannot be flipped
 * unnoticed (Buffer.from(_, 'base64') would ignore them, and any character outside the alphabet).
 */
export function parsePemChain(text: Buffer | string, what: string): Buffer[] {
    let s = typeof text === 'string' ? text : text.toString('latin1');
    s = s.replace(/\0+$/, '');
    const out: Buffer[] = [];
    PEM_BLOCK.lastIndex = 0;
    while (PEM_BLOCK.lastIndex < s.length) {
        const at = PEM_BLOCK.lastIndex;
        const m = PEM_BLOCK.exec(s);
        if (!m) throw new DerError(`${what}: not a PEM certificate block at character ${at}`);
        const b64 = m[1].replace(/\r?\n/g, '');
        const bytes = Buffer.from(b64, 'base64');
        if (bytes.toString('base64') !== b64) throw new DerError(`${what}: certificate ${out.length + 1} is not canonical base64`);
        out.push(bytes);
    }
    if (out.length === 0) throw new DerError(`${what}: no certificate`);
    return out;
}

export function toPem(certDer: Buffer): string {
    const b64 = certDer.toString('base64').replace(/(.{64})/g, '$1\n');
    return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** SHA-256 over 0x04||X||Y: the attestation root hash of a CA key (see testRoot.ts). */
export function keyHash(point: Buffer): bigint {
    return BigInt('0x' + createHash('sha256').update(point).digest('hex'));
}

/** A period during which something (a certificate, a TCB info) is valid. */
export interface ValidityWindow {
    what: string;
    kind: 'certificate' | 'collateral';
    notBefore: Date;
    notAfter: Date;
}

export function certificateWindow(c: ParsedCertificate, role: string): ValidityWindow {
    return { what: `${role} (${c.name}, serial ${c.serial})`, kind: 'certificate', notBefore: c.notBefore, notAfter: c.notAfter };
}

/** Refuses when `at` lies outside any window, naming the first such window. */
export function checkWindows(windows: readonly ValidityWindow[], at: Date): void {
    for (const w of windows) {
        const cert = w.kind === 'certificate';
        if (at < w.notBefore)
            throw new AttestationError(
                cert ? 'CERT_NOT_YET_VALID' : 'COLLATERAL_NOT_YET_VALID',
                `${w.what} is valid from ${w.notBefore.toISOString()}, after the verification time ${at.toISOString()}`,
            );
        if (at > w.notAfter)
            throw new AttestationError(
                cert ? 'CERT_EXPIRED' : 'COLLATERAL_EXPIRED',
                `${w.what} is valid until ${w.notAfter.toISOString()}, before the verification time ${at.toISOString()}`,
            );
    }
}

export function verifiesUnder(c: ParsedCertificate, issuer: ParsedCertificate): boolean {
    return verify('sha256', c.tbs, issuer.publicKey, c.signature);
}

export interface ChainResult {
    certs: ParsedCertificate[];
    root: ParsedCertificate;
    /** The attestation root hash of the chain's self-signed root. */
    rootKeyHash: bigint;
    windows: ValidityWindow[];
}

/**
 * Checks a chain given leaf first, root last, without regard to time (the caller checks the
 * windows at its own time, so the result can be cached): each certificate is issued and signed by
 * the next, the last is self-issued and self-signed, every issuer is a CA (basicConstraints cA,
 * keyCertSign when keyUsage is present) within its path length, and no certificate carries a
 * critical extension this reader does not understand. Whether the root is trusted is the policy's
 * decision (its key hash against the allowlist), not this function's.
 */
export function verifyChain(
    certs: ParsedCertificate[],
    roles: string[],
    opts: { code: AttestationErrorCode; leafMayBeCa?: boolean; minLength?: number },
): ChainResult {
    const code = opts.code;
    ensure(certs.length >= (opts.minLength ?? 2), code, () => `${roles[0]} chain has ${certs.length} certificate(s), too few`);
    ensure(certs.length <= 5, code, () => `${roles[0]} chain has ${certs.length} certificates, more than 5`);
    const role = (i: number) => (i === certs.length - 1 ? 'root CA' : (roles[i] ?? `CA ${i}`));
    for (let i = 0; i < certs.length; i++) {
        const c = certs[i];
        for (const e of c.extensions)
            ensure(!e.critical || UNDERSTOOD.has(e.oid), code, () => `${role(i)} has an unknown critical extension ${e.oid}`);
        const issuer = i + 1 < certs.length ? certs[i + 1] : c;
        ensure(c.issuer.equals(issuer.subject), code, () => `${role(i)} (${c.name}) is not issued by ${issuer.name}`);
        ensure(verifiesUnder(c, issuer), code, () => `${role(i)} (${c.name}) signature does not verify under ${issuer.name}'s key`);
        const isCa = c.basicConstraints?.ca === true;
        if (i === 0) {
            ensure(opts.leafMayBeCa || !isCa, code, () => `${role(i)} (${c.name}) is a CA certificate`);
        } else {
            ensure(isCa, code, () => `${role(i)} (${c.name}) is not a CA (basicConstraints)`);
            ensure(!c.keyUsage || c.keyUsage.has(KEY_USAGE.keyCertSign), code, () => `${role(i)} (${c.name}) may not sign certificates`);
            // pathLenConstraint counts the CA certificates below this one, not counting the chain's end.
            const below = i - 1;
            const pathLen = c.basicConstraints?.pathLen;
            ensure(
                pathLen === undefined || below <= pathLen,
                code,
                () => `${role(i)} (${c.name}) allows ${pathLen} CA(s) below it, the chain has ${below}`,
            );
        }
    }
    const root = certs[certs.length - 1];
    return {
        certs,
        root,
        rootKeyHash: keyHash(root.publicKeyPoint),
        windows: certs.map((c, i) => certificateWindow(c, role(i))),
    };
}

// ---------------------------------------------------------------------------------------------
// Intel's SGX extension of PCK certificates.

export interface PckExtension {
    /** CPUSVN components 1..16 of the TCB the PCK certificate was issued for. */
    cpuSvn: number[];
    pceSvn: number;
    pceId: Buffer;
    fmspc: Buffer;
}

/** Reads the FMSPC, PCE ID and TCB from a PCK certificate; undefined when it has no SGX extension. */
export function readPckExtension(c: ParsedCertificate): PckExtension | undefined {
    const ext = c.extensions.find((e) => e.oid === OID.sgxExtension);
    if (!ext) return undefined;
    const what = `${c.name} SGX extension`;
    const entries = new Map<string, Tlv>();
    const top = DerReader.inside(DerReader.one(ext.value, what));
    while (!top.done) {
        const e = DerReader.inside(top.read(TAG.SEQUENCE, what));
        const oid = readOid(e.read(TAG.OID, what), what);
        entries.set(oid, e.read(undefined, what));
        e.finish(what);
    }
    const get = (suffix: string, tag: number): Tlv => {
        const t = entries.get(`${OID.sgxExtension}.${suffix}`);
        if (!t || t.tag !== tag) throw new DerError(`${what}: entry .${suffix} missing or of the wrong type`);
        return t;
    };
    const tcb = new Map<string, Tlv>();
    const tr = DerReader.inside(get('2', TAG.SEQUENCE));
    while (!tr.done) {
        const e = DerReader.inside(tr.read(TAG.SEQUENCE, what));
        const oid = readOid(e.read(TAG.OID, what), what);
        tcb.set(oid, e.read(undefined, what));
        e.finish(what);
    }
    const svn = (n: number): number => {
        const t = tcb.get(`${OID.sgxExtension}.2.${n}`);
        if (!t) throw new DerError(`${what}: TCB component ${n} missing`);
        const v = BigInt('0x' + integerBytes(t, `${what} TCB ${n}`).toString('hex'));
        if (v > 0xffffn) throw new DerError(`${what}: TCB component ${n} out of range`);
        return Number(v);
    };
    const cpuSvn = Array.from({ length: 16 }, (_, i) => svn(i + 1));
    const fmspc = get('4', TAG.OCTET_STRING).value;
    const pceId = get('3', TAG.OCTET_STRING).value;
    if (fmspc.length !== 6) throw new DerError(`${what}: FMSPC is ${fmspc.length} bytes, not 6`);
    if (pceId.length !== 2) throw new DerError(`${what}: PCE ID is ${pceId.length} bytes, not 2`);
    return { cpuSvn, pceSvn: svn(17), pceId: Buffer.from(pceId), fmspc: Buffer.from(fmspc) };
}

/** The SGX extension's value for the given TCB and platform, as a simulated PCK certificate carries it. */
export function encodePckExtension(p: PckExtension & { ppid: Buffer }): Buffer {
    const o = (s: string) => der.oid(`${OID.sgxExtension}.${s}`);
    const comps = p.cpuSvn.map((v, i) => der.seq(o(`2.${i + 1}`), der.uint(v)));
    return der.seq(
        der.seq(o('1'), der.octets(p.ppid)),
        der.seq(
            o('2'),
            der.seq(
                ...comps,
                der.seq(o('2.17'), der.uint(p.pceSvn)),
                der.seq(o('2.18'), der.octets(Buffer.from(p.cpuSvn.map((v) => v & 0xff)))),
            ),
        ),
        der.seq(o('3'), der.octets(p.pceId)),
        der.seq(o('4'), der.octets(p.fmspc)),
        der.seq(o('5'), der.enumerated(0)),
    );
}

// ---------------------------------------------------------------------------------------------
// Writing certificates (the simulated chain and RA-TLS); never on the verification path.

export function nameDer(cn: string, org = 'Cocoon on TON'): Buffer {
    const rdn = (oid: string, v: string) => der.set(der.seq(der.oid(oid), der.utf8(v)));
    return der.seq(rdn(OID.organization, org), rdn(OID.commonName, cn));
}

export interface CertificateSpec {
    serial: bigint;
    issuer: Buffer;
    subject: Buffer;
    notBefore: Date;
    notAfter: Date;
    /** DER SubjectPublicKeyInfo of the subject's key. */
    spki: Buffer;
    ca?: { pathLen?: number };
    keyUsage: number[];
    extensions?: Extension[];
    /** The issuer's private key (the subject's own for a self-signed certificate). */
    signer: KeyObject;
}

export function buildCertificate(s: CertificateSpec): Buffer {
    const ext = (e: Extension) => der.seq(der.oid(e.oid), ...(e.critical ? [der.bool(true)] : []), der.octets(e.value));
    const exts: Extension[] = [
        {
            oid: OID.basicConstraints,
            critical: true,
            value: s.ca ? der.seq(der.bool(true), ...(s.ca.pathLen !== undefined ? [der.uint(s.ca.pathLen)] : [])) : der.seq(),
        },
        { oid: OID.keyUsage, critical: true, value: der.namedBits(s.keyUsage) },
        ...(s.extensions ?? []),
    ];
    const tbs = der.seq(
        der.explicit(0, der.uint(2)),
        der.uint(s.serial),
        ECDSA_SHA256_ALG,
        s.issuer,
        der.seq(der.time(s.notBefore), der.time(s.notAfter)),
        s.subject,
        s.spki,
        der.explicit(3, der.seq(...exts.map(ext))),
    );
    const signature = sign('sha256', tbs, s.signer);
    return der.seq(tbs, ECDSA_SHA256_ALG, der.bits(signature));
}
