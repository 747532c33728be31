/**
 * Certificate revocation lists (RFC 5280 section 5), read with the strict DER reader because
 * node:crypto has no CRL API. Intel publishes two for TDX: the Root CA's (revoking intermediate CAs)
 * and the PCK CA's (revoking PCK certificates).
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version INTEGER (v2) OPTIONAL, signature AlgorithmIdentifier,
 *       issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *       revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *                                                  crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *       crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * A CRL without nextUpdate is refused: it would never go stale, and staleness is what the dates
 * are for. So is one with a critical extension this reader does not know (e.g. a delta-CRL
 * indicator), because honouring it would change which certificates count as revoked.
 */
import { der, DerError, DerReader, integerBytes, readBitStringBytes, readBoolean, readOid, readTime, TAG } from './der';
import { ECDSA_SHA256_ALG, OID, ParsedCertificate, serialHex } from './x509';
import { verify } from 'node:crypto';

export interface ParsedCrl {
    der: Buffer;
    tbs: Buffer;
    issuer: Buffer;
    thisUpdate: Date;
    nextUpdate: Date;
    /** Revoked serials as lowercase hex without leading zeros, as ParsedCertificate.serial. */
    revoked: Set<string>;
    signature: Buffer;
}

function checkExtensions(list: DerReader, what: string, understood: Set<string>): void {
    const seen = new Set<string>();
    while (!list.done) {
        const e = DerReader.inside(list.read(TAG.SEQUENCE, what));
        const oid = readOid(e.read(TAG.OID, what), what);
        const crit = e.optional(TAG.BOOLEAN, what);
        const critical = crit ? readBoolean(crit, what) : false;
        if (crit && !critical) throw new DerError(`${what}: extension ${oid} encodes critical=FALSE`);
        e.read(TAG.OCTET_STRING, what);
        e.finish(what);
        if (seen.has(oid)) throw new DerError(`${what}: extension ${oid} appears twice`);
        seen.add(oid);
        if (critical && !understood.has(oid)) throw new DerError(`${what}: unknown critical extension ${oid}`);
    }
}

export function parseCrl(crlDer: Buffer, what = 'CRL'): ParsedCrl {
    const outer = DerReader.inside(DerReader.one(crlDer, what));
    const tbsTlv = outer.read(TAG.SEQUENCE, `${what} TBS`);
    const alg = outer.read(TAG.SEQUENCE, `${what} signature algorithm`);
    const signature = readBitStringBytes(outer.read(TAG.BIT_STRING, `${what} signature`), `${what} signature`);
    outer.finish(what);
    if (!alg.bytes.equals(ECDSA_SHA256_ALG)) throw new DerError(`${what}: signature algorithm is not ecdsa-with-SHA256`);

    const t = DerReader.inside(tbsTlv);
    const version = t.optional(TAG.INTEGER, `${what} version`);
    if (version && !integerBytes(version).equals(Buffer.from([1]))) throw new DerError(`${what}: version is not v2`);
    const inner = t.read(TAG.SEQUENCE, `${what} TBS signature algorithm`);
    if (!inner.bytes.equals(alg.bytes)) throw new DerError(`${what}: the TBS and outer signature algorithms differ`);
    const issuer = t.read(TAG.SEQUENCE, `${what} issuer`).bytes;
    const thisUpdate = readTime(t.read(undefined, `${what} thisUpdate`), `${what} thisUpdate`);
    const next = t.peekTag();
    if (next !== TAG.UTC_TIME && next !== TAG.GENERALIZED_TIME) throw new DerError(`${what}: no nextUpdate`);
    const nextUpdate = readTime(t.read(undefined, `${what} nextUpdate`), `${what} nextUpdate`);
    const revoked = new Set<string>();
    const list = t.optional(TAG.SEQUENCE, `${what} revoked certificates`);
    if (list) {
        const r = DerReader.inside(list);
        while (!r.done) {
            const entry = DerReader.inside(r.read(TAG.SEQUENCE, `${what} entry`));
            revoked.add(serialHex(integerBytes(entry.read(TAG.INTEGER, `${what} entry serial`), `${what} entry serial`)));
            readTime(entry.read(undefined, `${what} revocation date`), `${what} revocation date`);
            const exts = entry.optional(TAG.SEQUENCE, `${what} entry extensions`);
            if (exts) checkExtensions(DerReader.inside(exts), `${what} entry extensions`, new Set([OID.crlReason]));
            entry.finish(`${what} entry`);
        }
    }
    const exts = t.optional(0xa0, `${what} extensions`);
    if (exts) {
        const seq = DerReader.inside(exts);
        checkExtensions(DerReader.inside(seq.read(TAG.SEQUENCE, `${what} extensions`)), `${what} extensions`, new Set([OID.crlNumber]));
        seq.finish(`${what} extensions`);
    }
    t.finish(`${what} TBS`);
    return { der: crlDer, tbs: tbsTlv.bytes, issuer, thisUpdate, nextUpdate, revoked, signature };
}

/** Whether the CRL names `issuer` and is signed by its key. */
export function crlSignedBy(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
    return crl.issuer.equals(issuer.subject) && verify('sha256', crl.tbs, issuer.publicKey, crl.signature);
}

/** Writes a CRL (for the simulated collateral and tests); `sign` signs the TBS bytes. */
export function buildCrl(s: {
    issuer: Buffer;
    thisUpdate: Date;
    nextUpdate: Date;
    revoked: { serial: bigint; at: Date }[];
    sign: (tbs: Buffer) => Buffer;
}): Buffer {
    const entries = s.revoked.map((r) => der.seq(der.uint(r.serial), der.time(r.at)));
    const tbs = der.seq(
        der.uint(1),
        ECDSA_SHA256_ALG,
        s.issuer,
        der.time(s.thisUpdate),
        der.time(s.nextUpdate),
        ...(entries.length ? [der.seq(...entries)] : []),
        der.explicit(0, der.seq(der.seq(der.oid(OID.crlNumber), der.octets(der.uint(1))))),
    );
    return der.seq(tbs, ECDSA_SHA256_ALG, der.bits(s.sign(tbs)));
}
