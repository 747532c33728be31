/**
 * Intel's verification collateral for a TDX quote, and what it says about the platform.
 *
 * The JSON shape is the one PCCS clients produce (and the public sample ships): snake_case keys,
 * certificate chains as PEM, CRLs and signatures as hex:
 *
 *   tcb_info, tcb_info_signature, tcb_info_issuer_chain        the platform's TCB levels (FMSPC)
 *   qe_identity, qe_identity_signature, qe_identity_issuer_chain   the TD quoting enclave's identity
 *   pck_crl, pck_crl_issuer_chain                               PCK certificates Intel revoked
 *   root_ca_crl                                                 intermediate CAs Intel revoked
 *
 * Each piece is checked on its own (verifyCollateral: chain to one root, signature, revocation of
 * the signing certificates) and then against a quote (evaluateTcb: same root and PCK CA, PCK
 * certificate not revoked, same FMSPC and PCE, quoting enclave as described, TCB level). The TCB
 * info and QE identity signatures are ECDSA P-256, raw r||s, over the exact JSON text of the body,
 * which is why the text is kept as given and parsed only after its signature verifies.
 */
import { createHash, verify } from 'node:crypto';
import { crlSignedBy, parseCrl, ParsedCrl } from './crl';
import { as, ensure } from './errors';
import { ParsedQuote } from './quote';
import {
    ChainResult,
    KEY_USAGE,
    parseCertificate,
    ParsedCertificate,
    parsePemChain,
    PckExtension,
    ValidityWindow,
    verifyChain,
} from './x509';

export interface Collateral {
    tcb_info_issuer_chain: string;
    tcb_info: string;
    tcb_info_signature: string;
    qe_identity_issuer_chain: string;
    qe_identity: string;
    qe_identity_signature: string;
    pck_crl_issuer_chain: string;
    root_ca_crl: string;
    pck_crl: string;
}

const FIELDS: (keyof Collateral)[] = [
    'tcb_info_issuer_chain',
    'tcb_info',
    'tcb_info_signature',
    'qe_identity_issuer_chain',
    'qe_identity',
    'qe_identity_signature',
    'pck_crl_issuer_chain',
    'root_ca_crl',
    'pck_crl',
];

/** Checks the shape of collateral read from JSON; extra keys are ignored. */
export function parseCollateral(input: unknown): Collateral {
    const obj = as('COLLATERAL_MALFORMED', 'collateral', () => (typeof input === 'string' ? JSON.parse(input) : input));
    ensure(typeof obj === 'object' && obj !== null, 'COLLATERAL_MALFORMED', 'collateral is not a JSON object');
    const out = {} as Collateral;
    for (const k of FIELDS) {
        const v = (obj as Record<string, unknown>)[k];
        ensure(typeof v === 'string', 'COLLATERAL_MALFORMED', `collateral.${k} is missing or not a string`);
        out[k] = v;
    }
    return out;
}

const digests = new WeakMap<Collateral, string>();

/**
 * A stable digest of the collateral: the key of the collateral cache. Remembered per object, so a
 * caller that keeps its collateral object does not rehash 16 kB on every verification; the
 * collateral is treated as immutable once verified.
 */
export function collateralDigest(c: Collateral): string {
    let d = digests.get(c);
    if (d === undefined) {
        const h = createHash('sha256');
        for (const k of FIELDS) h.update(k).update('\0').update(c[k]).update('\0');
        d = h.digest('hex');
        digests.set(c, d);
    }
    return d;
}

function hexBytes(s: string, what: string): Buffer {
    ensure(/^([0-9a-fA-F]{2})*$/.test(s), 'COLLATERAL_MALFORMED', `${what} is not hex`);
    return Buffer.from(s, 'hex');
}

// ---- the JSON bodies ----

export interface TcbLevel {
    sgx: number[];
    pceSvn: number;
    tdx: number[];
    status: string;
    tcbDate: string;
    advisoryIds: string[];
}

export interface ModuleIdentity {
    id: string;
    mrSigner: Buffer;
    attributes: Buffer;
    attributesMask: Buffer;
    tcbLevels: { isvSvn: number; status: string; advisoryIds: string[] }[];
}

export interface TcbInfo {
    id: string;
    version: number;
    issueDate: Date;
    nextUpdate: Date;
    fmspc: Buffer;
    pceId: Buffer;
    tdxModule?: Omit<ModuleIdentity, 'id' | 'tcbLevels'>;
    tdxModuleIdentities: ModuleIdentity[];
    tcbLevels: TcbLevel[];
}

export interface QeIdentity {
    id: string;
    version: number;
    issueDate: Date;
    nextUpdate: Date;
    miscSelect: number;
    miscSelectMask: number;
    attributes: Buffer;
    attributesMask: Buffer;
    mrSigner: Buffer;
    isvProdId: number;
    tcbLevels: { isvSvn: number; status: string; advisoryIds: string[] }[];
}

type Json = Record<string, unknown>;

/** Typed access to a parsed JSON object; every miss is COLLATERAL_MALFORMED naming the field. */
class Fields {
    constructor(
        private readonly o: unknown,
        private readonly what: string,
    ) {
        ensure(typeof o === 'object' && o !== null && !Array.isArray(o), 'COLLATERAL_MALFORMED', `${what} is not an object`);
    }
    private get(k: string): unknown {
        return (this.o as Json)[k];
    }
    has(k: string): boolean {
        return this.get(k) !== undefined;
    }
    str(k: string): string {
        const v = this.get(k);
        ensure(typeof v === 'string', 'COLLATERAL_MALFORMED', `${this.what}.${k} is missing or not a string`);
        return v;
    }
    int(k: string): number {
        const v = this.get(k);
        ensure(
            typeof v === 'number' && Number.isInteger(v) && v >= 0,
            'COLLATERAL_MALFORMED',
            `${this.what}.${k} is not a non-negative integer`,
        );
        return v;
    }
    hex(k: string, bytes: number): Buffer {
        const b = hexBytes(this.str(k), `${this.what}.${k}`);
        ensure(b.length === bytes, 'COLLATERAL_MALFORMED', `${this.what}.${k} is ${b.length} bytes, expected ${bytes}`);
        return b;
    }
    date(k: string): Date {
        const s = this.str(k);
        ensure(
            /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s),
            'COLLATERAL_MALFORMED',
            `${this.what}.${k} "${s}" is not an ISO UTC time`,
        );
        const d = new Date(s);
        ensure(!isNaN(d.getTime()), 'COLLATERAL_MALFORMED', `${this.what}.${k} "${s}" is not a date`);
        return d;
    }
    list(k: string): Fields[] {
        const v = this.get(k);
        ensure(Array.isArray(v), 'COLLATERAL_MALFORMED', `${this.what}.${k} is not a list`);
        return v.map((x, i) => new Fields(x, `${this.what}.${k}[${i}]`));
    }
    obj(k: string): Fields {
        return new Fields(this.get(k), `${this.what}.${k}`);
    }
    strings(k: string): string[] {
        if (!this.has(k)) return [];
        const v = this.get(k);
        ensure(
            Array.isArray(v) && v.every((x) => typeof x === 'string'),
            'COLLATERAL_MALFORMED',
            `${this.what}.${k} is not a list of strings`,
        );
        return v as string[];
    }
}

function parseJson(text: string, what: string): Fields {
    return new Fields(
        as('COLLATERAL_MALFORMED', what, () => JSON.parse(text)),
        what,
    );
}

function svnList(f: Fields, k: string): number[] {
    const l = f.list(k).map((c) => c.int('svn'));
    ensure(l.length === 16, 'COLLATERAL_MALFORMED', `a TCB level lists ${l.length} ${k}, expected 16`);
    return l;
}

function moduleLevels(f: Fields) {
    return f
        .list('tcbLevels')
        .map((l) => ({ isvSvn: l.obj('tcb').int('isvsvn'), status: l.str('tcbStatus'), advisoryIds: l.strings('advisoryIDs') }));
}

export function parseTcbInfo(text: string): TcbInfo {
    const f = parseJson(text, 'tcb_info');
    const version = f.int('version');
    const id = f.has('id') ? f.str('id') : 'SGX';
    const mod = (m: Fields) => ({
        mrSigner: m.hex('mrsigner', 48),
        attributes: m.hex('attributes', 8),
        attributesMask: m.hex('attributesMask', 8),
    });
    return {
        id,
        version,
        issueDate: f.date('issueDate'),
        nextUpdate: f.date('nextUpdate'),
        fmspc: f.hex('fmspc', 6),
        pceId: f.hex('pceId', 2),
        tdxModule: f.has('tdxModule') ? mod(f.obj('tdxModule')) : undefined,
        tdxModuleIdentities: f.has('tdxModuleIdentities')
            ? f.list('tdxModuleIdentities').map((m) => ({ id: m.str('id'), ...mod(m), tcbLevels: moduleLevels(m) }))
            : [],
        tcbLevels: f.list('tcbLevels').map((l) => {
            const tcb = l.obj('tcb');
            return {
                sgx: svnList(tcb, 'sgxtcbcomponents'),
                pceSvn: tcb.int('pcesvn'),
                tdx: tcb.has('tdxtcbcomponents') ? svnList(tcb, 'tdxtcbcomponents') : [],
                status: l.str('tcbStatus'),
                tcbDate: l.str('tcbDate'),
                advisoryIds: l.strings('advisoryIDs'),
            };
        }),
    };
}

export function parseQeIdentity(text: string): QeIdentity {
    const f = parseJson(text, 'qe_identity');
    return {
        id: f.str('id'),
        version: f.int('version'),
        issueDate: f.date('issueDate'),
        nextUpdate: f.date('nextUpdate'),
        miscSelect: f.hex('miscselect', 4).readUInt32BE(0),
        miscSelectMask: f.hex('miscselectMask', 4).readUInt32BE(0),
        attributes: f.hex('attributes', 16),
        attributesMask: f.hex('attributesMask', 16),
        mrSigner: f.hex('mrsigner', 32),
        isvProdId: f.int('isvprodid'),
        tcbLevels: moduleLevels(f),
    };
}

// ---- verifying the pieces ----

export interface VerifiedCollateral {
    digest: string;
    root: ParsedCertificate;
    rootKeyHash: bigint;
    tcbInfo: TcbInfo;
    qeIdentity: QeIdentity;
    pckCrl: ParsedCrl;
    pckCrlIssuer: ParsedCertificate;
    rootCrl: ParsedCrl;
    windows: ValidityWindow[];
}

function chainOf(pem: string, what: string, roles: string[], leafMayBeCa: boolean): ChainResult {
    const certs = as('COLLATERAL_MALFORMED', what, () =>
        parsePemChain(pem, what).map((d, i) => parseCertificate(d, `${what} certificate ${i + 1}`)),
    );
    return verifyChain(certs, roles, { code: 'COLLATERAL_SIGNATURE_INVALID', leafMayBeCa, minLength: leafMayBeCa ? 1 : 2 });
}

function verifyBodySignature(text: string, signatureHex: string, signer: ParsedCertificate, what: string): void {
    const sig = hexBytes(signatureHex, `${what} signature`);
    ensure(sig.length === 64, 'COLLATERAL_MALFORMED', `${what} signature is ${sig.length} bytes, expected 64 (r||s)`);
    ensure(
        verify('sha256', Buffer.from(text, 'utf8'), { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, sig),
        'COLLATERAL_SIGNATURE_INVALID',
        `${what} signature does not verify under ${signer.name}`,
    );
}

/**
 * Everything about the collateral that does not depend on a quote or on the time: each chain ends
 * in the same self-signed root, each body is signed by its chain's leaf, each CRL by its issuer, and
 * the root's CRL does not revoke any of the collateral's signing CAs. The validity windows (of the
 * certificates, of each body from issueDate to nextUpdate, of each CRL from thisUpdate to
 * nextUpdate) are returned for the caller to check at its time.
 */
export function verifyCollateral(c: Collateral): VerifiedCollateral {
    const tcbChain = chainOf(c.tcb_info_issuer_chain, 'tcb_info_issuer_chain', ['TCB signing certificate'], false);
    const qeChain = chainOf(c.qe_identity_issuer_chain, 'qe_identity_issuer_chain', ['QE identity signing certificate'], false);
    const crlChain = chainOf(c.pck_crl_issuer_chain, 'pck_crl_issuer_chain', ['PCK CRL issuer'], true);
    const root = tcbChain.root;
    for (const [chain, what] of [
        [qeChain, 'qe_identity_issuer_chain'],
        [crlChain, 'pck_crl_issuer_chain'],
    ] as const)
        ensure(chain.root.spki.equals(root.spki), 'COLLATERAL_MISMATCH', `${what} ends in another root than tcb_info_issuer_chain`);

    verifyBodySignature(c.tcb_info, c.tcb_info_signature, tcbChain.certs[0], 'tcb_info');
    verifyBodySignature(c.qe_identity, c.qe_identity_signature, qeChain.certs[0], 'qe_identity');
    const tcbInfo = parseTcbInfo(c.tcb_info);
    const qeIdentity = parseQeIdentity(c.qe_identity);

    const rootCrl = as('COLLATERAL_MALFORMED', 'root_ca_crl', () => parseCrl(hexBytes(c.root_ca_crl, 'root_ca_crl'), 'root_ca_crl'));
    const pckCrl = as('COLLATERAL_MALFORMED', 'pck_crl', () => parseCrl(hexBytes(c.pck_crl, 'pck_crl'), 'pck_crl'));
    ensure(crlSignedBy(rootCrl, root), 'COLLATERAL_SIGNATURE_INVALID', `root_ca_crl is not issued and signed by ${root.name}`);
    const pckCrlIssuer = crlChain.certs[0];
    for (const signer of [root, pckCrlIssuer])
        ensure(
            !signer.keyUsage || signer.keyUsage.has(KEY_USAGE.cRLSign),
            'COLLATERAL_SIGNATURE_INVALID',
            `${signer.name} may not sign CRLs`,
        );
    ensure(crlSignedBy(pckCrl, pckCrlIssuer), 'COLLATERAL_SIGNATURE_INVALID', `pck_crl is not issued and signed by ${pckCrlIssuer.name}`);

    // The root CRL covers every certificate the root issued: the collateral's own signers too.
    for (const chain of [tcbChain, qeChain, crlChain])
        for (const cert of chain.certs.slice(0, -1))
            ensure(!rootCrl.revoked.has(cert.serial), 'CERT_REVOKED', `${cert.name} (serial ${cert.serial}) is revoked by root_ca_crl`);

    const windows: ValidityWindow[] = [
        ...tcbChain.windows,
        ...qeChain.windows.slice(0, -1),
        ...crlChain.windows.slice(0, -1),
        { what: 'tcb_info', kind: 'collateral', notBefore: tcbInfo.issueDate, notAfter: tcbInfo.nextUpdate },
        { what: 'qe_identity', kind: 'collateral', notBefore: qeIdentity.issueDate, notAfter: qeIdentity.nextUpdate },
        { what: 'pck_crl', kind: 'collateral', notBefore: pckCrl.thisUpdate, notAfter: pckCrl.nextUpdate },
        { what: 'root_ca_crl', kind: 'collateral', notBefore: rootCrl.thisUpdate, notAfter: rootCrl.nextUpdate },
    ];
    return {
        digest: collateralDigest(c),
        root,
        rootKeyHash: tcbChain.rootKeyHash,
        tcbInfo,
        qeIdentity,
        pckCrl,
        pckCrlIssuer,
        rootCrl,
        windows,
    };
}

// ---- the collateral against a quote ----

export const TCB_STATUSES = [
    'UpToDate',
    'SWHardeningNeeded',
    'ConfigurationNeeded',
    'ConfigurationAndSWHardeningNeeded',
    'OutOfDate',
    'OutOfDateConfigurationNeeded',
    'TDRelaunchAdvised',
    'TDRelaunchAdvisedConfigurationNeeded',
    'Revoked',
    'NotSupported',
] as const;

export interface TcbResult {
    /** Intel's status string for the platform, TDX module and quoting enclave together. */
    status: string;
    advisoryIds: string[];
    fmspc: string;
    /** The tcbDate of the matched platform level. */
    tcbDate?: string;
}

/** Folds a component's status (TDX module, quoting enclave) into the platform level's, as Intel's verifier does. */
function converge(level: string, other: string): string {
    if (other === 'Revoked' || other === 'NotSupported') return other;
    if (other === 'OutOfDate') {
        if (level === 'UpToDate' || level === 'SWHardeningNeeded') return 'OutOfDate';
        if (level === 'ConfigurationNeeded' || level === 'ConfigurationAndSWHardeningNeeded') return 'OutOfDateConfigurationNeeded';
    }
    return level;
}

function masked(a: Buffer, mask: Buffer): Buffer {
    return Buffer.from(a.map((b, i) => b & mask[i]));
}

/**
 * Checks verified collateral against a quote whose PCK chain verified, and evaluates the TCB:
 * same root, the PCK CRL is the PCK certificate's issuer's and does not list it, the root CRL
 * lists none of the chain's CAs, FMSPC and PCE ID match, the quoting enclave is the one the QE
 * identity describes, and the platform, TDX module and QE TCB levels combine into one status.
 */
export function evaluateTcb(quote: ParsedQuote, chain: ChainResult, pck: PckExtension | undefined, vc: VerifiedCollateral): TcbResult {
    const leaf = chain.certs[0];
    ensure(
        vc.root.spki.equals(chain.root.spki),
        'COLLATERAL_MISMATCH',
        `the collateral is signed under ${vc.root.name}, the quote's chain ends in ${chain.root.name}`,
    );
    const pckIssuer = chain.certs[1];
    ensure(
        vc.pckCrlIssuer.spki.equals(pckIssuer.spki) && vc.pckCrl.issuer.equals(leaf.issuer),
        'COLLATERAL_MISMATCH',
        `pck_crl is issued by ${vc.pckCrlIssuer.name}, the PCK certificate by ${pckIssuer.name}`,
    );
    ensure(!vc.pckCrl.revoked.has(leaf.serial), 'CERT_REVOKED', `the PCK certificate (serial ${leaf.serial}) is revoked by pck_crl`);
    for (const ca of chain.certs.slice(1, -1))
        ensure(!vc.rootCrl.revoked.has(ca.serial), 'CERT_REVOKED', `${ca.name} (serial ${ca.serial}) is revoked by root_ca_crl`);

    const info = vc.tcbInfo;
    ensure(pck !== undefined, 'COLLATERAL_MISMATCH', 'the PCK certificate has no SGX extension, so its TCB cannot be matched');
    ensure(
        info.id === 'TDX' && info.version >= 3,
        'COLLATERAL_MISMATCH',
        `tcb_info is "${info.id}" version ${info.version}, not TDX version 3`,
    );
    ensure(
        info.fmspc.equals(pck.fmspc),
        'COLLATERAL_MISMATCH',
        `tcb_info is for FMSPC ${info.fmspc.toString('hex')}, the PCK certificate's is ${pck.fmspc.toString('hex')}`,
    );
    ensure(
        info.pceId.equals(pck.pceId),
        'COLLATERAL_MISMATCH',
        `tcb_info is for PCE ID ${info.pceId.toString('hex')}, the PCK certificate's is ${pck.pceId.toString('hex')}`,
    );

    // The quoting enclave.
    const qe = vc.qeIdentity;
    const report = quote.qeReport;
    ensure(qe.id === 'TD_QE', 'COLLATERAL_MISMATCH', `qe_identity is for "${qe.id}", not TD_QE`);
    ensure(
        report.mrSigner.equals(qe.mrSigner),
        'QE_IDENTITY_MISMATCH',
        `QE MRSIGNER ${report.mrSigner.toString('hex')} is not ${qe.mrSigner.toString('hex')}`,
    );
    ensure(report.isvProdId === qe.isvProdId, 'QE_IDENTITY_MISMATCH', `QE ISVPRODID ${report.isvProdId} is not ${qe.isvProdId}`);
    ensure(
        (report.miscSelect & qe.miscSelectMask) >>> 0 === (qe.miscSelect & qe.miscSelectMask) >>> 0,
        'QE_IDENTITY_MISMATCH',
        `QE MISCSELECT 0x${report.miscSelect.toString(16)} does not match under the mask`,
    );
    ensure(
        masked(report.attributes, qe.attributesMask).equals(masked(qe.attributes, qe.attributesMask)),
        'QE_IDENTITY_MISMATCH',
        `QE ATTRIBUTES ${report.attributes.toString('hex')} do not match under the mask`,
    );
    const qeLevel = qe.tcbLevels.find((l) => report.isvSvn >= l.isvSvn);

    // The platform: the first level (Intel lists them newest first) the PCK TCB reaches, then among
    // those the first the TD's TEE TCB SVN reaches. Bytes 0 and 1 of TEE_TCB_SVN are the TDX module's
    // SVN and major version; from module version 1 on, those are judged by the module identity instead.
    const tee = quote.body.teeTcbSvn;
    const from = tee[1] > 0 ? 2 : 0;
    const sgxOk = (l: TcbLevel) => pck.pceSvn >= l.pceSvn && l.sgx.every((v, i) => pck.cpuSvn[i] >= v);
    const tdxOk = (l: TcbLevel) => l.tdx.length === 16 && l.tdx.every((v, i) => i < from || tee[i] >= v);
    const sgxLevel = info.tcbLevels.find(sgxOk);
    const level = info.tcbLevels.find((l) => sgxOk(l) && tdxOk(l));

    // The TDX module: identity "TDX_<major version as two hex digits>", its signer and attributes, its level.
    let moduleStatus = 'UpToDate';
    let moduleAdvisories: string[] = [];
    const seamAttributes = quote.body.seamAttributes;
    if (tee[1] === 0) {
        if (info.tdxModule) {
            ensure(
                quote.body.mrSignerSeam.equals(info.tdxModule.mrSigner),
                'COLLATERAL_MISMATCH',
                'MRSIGNERSEAM is not the TDX module signer tcb_info names',
            );
            ensure(
                masked(seamAttributes, info.tdxModule.attributesMask).equals(
                    masked(info.tdxModule.attributes, info.tdxModule.attributesMask),
                ),
                'COLLATERAL_MISMATCH',
                'SEAMATTRIBUTES do not match tcb_info.tdxModule',
            );
        }
    } else {
        const id = `TDX_${tee[1].toString(16).padStart(2, '0').toUpperCase()}`;
        const m = info.tdxModuleIdentities.find((x) => x.id.toUpperCase() === id);
        ensure(m !== undefined, 'COLLATERAL_MISMATCH', `tcb_info has no TDX module identity ${id}`);
        ensure(quote.body.mrSignerSeam.equals(m.mrSigner), 'COLLATERAL_MISMATCH', `MRSIGNERSEAM is not the signer of ${id}`);
        ensure(
            masked(seamAttributes, m.attributesMask).equals(masked(m.attributes, m.attributesMask)),
            'COLLATERAL_MISMATCH',
            `SEAMATTRIBUTES do not match ${id}`,
        );
        const ml = m.tcbLevels.find((l) => tee[0] >= l.isvSvn);
        moduleStatus = ml ? ml.status : 'NotSupported';
        moduleAdvisories = ml?.advisoryIds ?? [];
    }

    let status: string;
    if (!sgxLevel || !level) status = 'NotSupported';
    else status = converge(converge(level.status, moduleStatus), qeLevel ? qeLevel.status : 'NotSupported');
    const advisoryIds = [...new Set([...(level?.advisoryIds ?? []), ...moduleAdvisories, ...(qeLevel?.advisoryIds ?? [])])].sort();
    return { status, advisoryIds, fmspc: pck.fmspc.toString('hex'), tcbDate: level?.tcbDate };
}
