/**
 * Simulated TDX attestation for machines without TDX: quotes with exactly the byte layout of a real
 * v4 or v5 quote (quote.ts), signed through a test chain
 *
 *     simulated root (testRoot.ts, private key public)  ->  PCK-like leaf  ->  QE report  ->  attestation key  ->  quote
 *
 * and collateral in Intel's format signed under the same root. Everything the verifier checks on a
 * real quote it checks on these, so tests exercise the real verification path; what makes them
 * worthless in production is the root: its hash is TEST_ATTESTATION_ROOT_HASH, which a Root with
 * isTest = false refuses, and which applyPolicy refuses under such a Root whatever else it is told.
 *
 * Every key except the attestation key is derived from a seed, so a chain is reproducible; another
 * seed gives another, untrusted, root (the "wrong root" of the tests).
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { Collateral } from './collateral';
import { buildCrl } from './crl';
import { IMAGE_REGISTERS, TdxRegisters } from './imageHash';
import { QuoteProvider, REPORT_DATA_BYTES } from './provider';
import {
    ATTESTATION_KEY_ECDSA_P256,
    CERT_DATA_PCK_CHAIN,
    CERT_DATA_QE_REPORT,
    HEADER_BYTES,
    QE_REPORT_BYTES,
    TD_ATTRIBUTE_SEPT_VE_DISABLE,
    TD10_BODY_BYTES,
    TD15_BODY_BYTES,
    TDX_TEE_TYPE,
    V5_BODY_TD10,
    V5_BODY_TD15,
} from './quote';
import { TEST_ROOT_SEED } from './testRoot';
import { buildCertificate, encodePckExtension, keyHash, KEY_USAGE, nameDer, OID, toPem } from './x509';

export interface P256Key {
    privateKey: KeyObject;
    publicKey: KeyObject;
    /** SEC1 uncompressed 0x04||X||Y. */
    point: Buffer;
    spki: Buffer;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** A P-256 key from a 32-byte private scalar (as testRoot.ts derives the simulated root's). */
export function p256FromScalar(d: Buffer): P256Key {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const point = ecdh.getPublicKey();
    const privateKey = createPrivateKey({
        key: { kty: 'EC', crv: 'P-256', d: b64url(d), x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) },
        format: 'jwk',
    });
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, point, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

export function p256FromSeed(seed: string): P256Key {
    return p256FromScalar(createHash('sha256').update(seed).digest());
}

export function randomP256(): P256Key {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    return { privateKey, publicKey, point, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

const sha384 = (s: string) => createHash('sha384').update(s).digest();
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** What the simulated platform claims; the simulated collateral describes the same values. */
export const SIMULATED_PLATFORM = {
    fmspc: Buffer.from('c0c0a0000000', 'hex'),
    pceId: Buffer.from('0000', 'hex'),
    cpuSvn: [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0],
    pceSvn: 11,
    /** TEE_TCB_SVN: TDX module SVN 3, module major version 1, then the other TDX components. */
    teeTcbSvn: Buffer.from([3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    mrSeam: sha384('cocoon-ton/simulated TDX module'),
    qeMrSigner: sha256('cocoon-ton/simulated quoting enclave signer'),
    qeMrEnclave: sha256('cocoon-ton/simulated quoting enclave'),
    qeIsvProdId: 2,
    qeIsvSvn: 4,
    /** QE ATTRIBUTES as the real TD QE reports them (INIT | MODE64BIT | PROVISION_KEY, XFRM). */
    qeAttributes: Buffer.from('1500000000000000e700000000000000', 'hex'),
    xfam: Buffer.from('e702060000000000', 'hex'),
};

/** Registers of the default simulated image; any register not given in a quote request is taken from here. */
export const SIMULATED_REGISTERS: TdxRegisters = {
    mrtd: sha384('cocoon-ton/simulated image/MRTD'),
    rtmr0: sha384('cocoon-ton/simulated image/RTMR0'),
    rtmr1: sha384('cocoon-ton/simulated image/RTMR1'),
    rtmr2: sha384('cocoon-ton/simulated image/RTMR2'),
    rtmr3: Buffer.alloc(48),
    mrConfigId: Buffer.alloc(48),
    mrOwner: Buffer.alloc(48),
    mrOwnerConfig: Buffer.alloc(48),
};

export interface SimulatedChainOptions {
    /** Seed of the root key; TEST_ROOT_SEED (the simulated test root) unless given. */
    rootSeed?: string;
    /** Validity of the PCK-like leaf. */
    pckNotBefore?: Date;
    pckNotAfter?: Date;
    pckSerial?: bigint;
}

export interface SimulatedQuoteRequest {
    reportData: Buffer;
    registers?: Partial<TdxRegisters>;
    /** TDATTRIBUTES; SEPT_VE_DISABLE only (no debug) unless given. */
    tdAttributes?: bigint;
    version?: 4 | 5;
    /** Body of a v5 quote; a v4 quote always has a TDX 1.0 body. */
    body?: 'TDX1.0' | 'TDX1.5';
    teeTcbSvn?: Buffer;
}

export interface SimulatedCollateralOptions {
    issueDate: Date;
    nextUpdate: Date;
    /** PCK serials the simulated PCK CRL lists. */
    revokedPckSerials?: bigint[];
    /** Status of the one platform TCB level; 'UpToDate' unless given. */
    tcbStatus?: string;
    fmspc?: Buffer;
}

const FAR_PAST = new Date('2024-01-01T00:00:00Z');
const FAR_FUTURE = new Date('2099-12-31T23:59:59Z');
/** QE auth data as the real QE fills it by default: bytes 0..31. */
const QE_AUTH_DATA = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
/** Header user data: marks the quote as simulated for humans (the verifier goes by the root, never by this). */
export const SIMULATED_USER_DATA = Buffer.concat([Buffer.from('COCOON-SIMULATED', 'ascii'), Buffer.alloc(4)]);
const INTEL_QE_VENDOR_ID = Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex');

/** The test chain and an attestation key: everything a simulated quoting enclave needs. */
export class SimulatedAttestor {
    readonly root: P256Key;
    readonly pck: P256Key;
    readonly tcbSigning: P256Key;
    readonly attestationKey: P256Key = randomP256();
    readonly rootCert: Buffer;
    readonly pckCert: Buffer;
    readonly tcbSigningCert: Buffer;
    readonly pckSerial: bigint;
    /** Attestation root hash of this chain's root (TEST_ROOT_HASH for the default seed). */
    readonly rootKeyHash: bigint;
    private readonly rootName: Buffer;

    constructor(opts: SimulatedChainOptions = {}) {
        const seed = opts.rootSeed ?? TEST_ROOT_SEED;
        this.root = p256FromSeed(seed);
        this.pck = p256FromSeed(`${seed}/pck`);
        this.tcbSigning = p256FromSeed(`${seed}/tcb-signing`);
        this.rootKeyHash = keyHash(this.root.point);
        this.rootName = nameDer(`Cocoon simulated TDX root, TEST ONLY (${seed === TEST_ROOT_SEED ? 'the test root' : seed})`);
        this.pckSerial = opts.pckSerial ?? 0x5c0c0a01n;
        this.rootCert = buildCertificate({
            serial: 1n,
            issuer: this.rootName,
            subject: this.rootName,
            notBefore: FAR_PAST,
            notAfter: FAR_FUTURE,
            spki: this.root.spki,
            ca: { pathLen: 1 },
            keyUsage: [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign],
            signer: this.root.privateKey,
        });
        this.pckCert = buildCertificate({
            serial: this.pckSerial,
            issuer: this.rootName,
            subject: nameDer('Cocoon simulated PCK certificate, TEST ONLY'),
            notBefore: opts.pckNotBefore ?? FAR_PAST,
            notAfter: opts.pckNotAfter ?? FAR_FUTURE,
            spki: this.pck.spki,
            keyUsage: [KEY_USAGE.digitalSignature],
            extensions: [
                {
                    oid: OID.sgxExtension,
                    critical: false,
                    value: encodePckExtension({ ...SIMULATED_PLATFORM, ppid: sha256(`${seed}/ppid`).subarray(0, 16) }),
                },
            ],
            signer: this.root.privateKey,
        });
        this.tcbSigningCert = buildCertificate({
            serial: 2n,
            issuer: this.rootName,
            subject: nameDer('Cocoon simulated TCB signing, TEST ONLY'),
            notBefore: FAR_PAST,
            notAfter: FAR_FUTURE,
            spki: this.tcbSigning.spki,
            keyUsage: [KEY_USAGE.digitalSignature],
            signer: this.root.privateKey,
        });
    }

    /** A quote over `reportData` in the real layout, signed through this chain. */
    quote(req: SimulatedQuoteRequest): Buffer {
        if (req.reportData.length !== REPORT_DATA_BYTES)
            throw new Error(`report data must be ${REPORT_DATA_BYTES} bytes, got ${req.reportData.length}`);
        const version = req.version ?? 4;
        const kind = version === 4 ? 'TDX1.0' : (req.body ?? 'TDX1.5');
        const registers = { ...SIMULATED_REGISTERS, ...req.registers };
        for (const name of IMAGE_REGISTERS)
            if (registers[name].length !== 48) throw new Error(`register ${name} must be 48 bytes, got ${registers[name].length}`);

        const header = Buffer.alloc(HEADER_BYTES);
        header.writeUInt16LE(version, 0);
        header.writeUInt16LE(ATTESTATION_KEY_ECDSA_P256, 2);
        header.writeUInt32LE(TDX_TEE_TYPE, 4);
        INTEL_QE_VENDOR_ID.copy(header, 12);
        SIMULATED_USER_DATA.copy(header, 28);

        const body = Buffer.alloc(kind === 'TDX1.5' ? TD15_BODY_BYTES : TD10_BODY_BYTES);
        (req.teeTcbSvn ?? SIMULATED_PLATFORM.teeTcbSvn).copy(body, 0);
        SIMULATED_PLATFORM.mrSeam.copy(body, 16);
        body.writeBigUInt64LE(req.tdAttributes ?? TD_ATTRIBUTE_SEPT_VE_DISABLE, 120);
        SIMULATED_PLATFORM.xfam.copy(body, 128);
        const at: Record<keyof TdxRegisters, number> = {
            mrtd: 136,
            mrConfigId: 184,
            mrOwner: 232,
            mrOwnerConfig: 280,
            rtmr0: 328,
            rtmr1: 376,
            rtmr2: 424,
            rtmr3: 472,
        };
        for (const name of IMAGE_REGISTERS) registers[name].copy(body, at[name]);
        req.reportData.copy(body, 520);

        let descriptor = Buffer.alloc(0);
        if (version === 5) {
            descriptor = Buffer.alloc(6);
            descriptor.writeUInt16LE(kind === 'TDX1.5' ? V5_BODY_TD15 : V5_BODY_TD10, 0);
            descriptor.writeUInt32LE(body.length, 2);
        }
        const signed = Buffer.concat([header, descriptor, body]);
        const signature = sign('sha256', signed, { key: this.attestationKey.privateKey, dsaEncoding: 'ieee-p1363' });

        const qeReport = Buffer.alloc(QE_REPORT_BYTES);
        qeReport.writeUInt32LE(0, 16);
        SIMULATED_PLATFORM.qeAttributes.copy(qeReport, 48);
        SIMULATED_PLATFORM.qeMrEnclave.copy(qeReport, 64);
        SIMULATED_PLATFORM.qeMrSigner.copy(qeReport, 128);
        qeReport.writeUInt16LE(SIMULATED_PLATFORM.qeIsvProdId, 256);
        qeReport.writeUInt16LE(SIMULATED_PLATFORM.qeIsvSvn, 258);
        createHash('sha256').update(this.attestationKey.point.subarray(1)).update(QE_AUTH_DATA).digest().copy(qeReport, 320);
        const qeSignature = sign('sha256', qeReport, { key: this.pck.privateKey, dsaEncoding: 'ieee-p1363' });

        const chain = Buffer.concat([Buffer.from(toPem(this.pckCert) + toPem(this.rootCert), 'latin1'), Buffer.alloc(1)]);
        const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
        const u32 = (n: number) => {
            const b = Buffer.alloc(4);
            b.writeUInt32LE(n);
            return b;
        };
        const qeCertData = Buffer.concat([
            qeReport,
            qeSignature,
            u16(QE_AUTH_DATA.length),
            QE_AUTH_DATA,
            u16(CERT_DATA_PCK_CHAIN),
            u32(chain.length),
            chain,
        ]);
        const sigData = Buffer.concat([
            signature,
            this.attestationKey.point.subarray(1),
            u16(CERT_DATA_QE_REPORT),
            u32(qeCertData.length),
            qeCertData,
        ]);
        return Buffer.concat([signed, u32(sigData.length), sigData]);
    }

    /** Collateral in Intel's format describing the simulated platform, signed under this chain's root. */
    collateral(o: SimulatedCollateralOptions): Collateral {
        const date = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
        const zeros48 = '0'.repeat(96);
        const comps = (svns: number[]) => svns.map((svn) => ({ svn }));
        const tcbInfo = JSON.stringify({
            id: 'TDX',
            version: 3,
            issueDate: date(o.issueDate),
            nextUpdate: date(o.nextUpdate),
            fmspc: (o.fmspc ?? SIMULATED_PLATFORM.fmspc).toString('hex').toUpperCase(),
            pceId: SIMULATED_PLATFORM.pceId.toString('hex'),
            tcbType: 0,
            tcbEvaluationDataNumber: 1,
            tdxModule: { mrsigner: zeros48, attributes: '0000000000000000', attributesMask: 'FFFFFFFFFFFFFFFF' },
            tdxModuleIdentities: [
                {
                    id: 'TDX_01',
                    mrsigner: zeros48,
                    attributes: '0000000000000000',
                    attributesMask: 'FFFFFFFFFFFFFFFF',
                    tcbLevels: [{ tcb: { isvsvn: 3 }, tcbDate: '2025-01-01T00:00:00Z', tcbStatus: 'UpToDate' }],
                },
            ],
            tcbLevels: [
                {
                    tcb: {
                        sgxtcbcomponents: comps(SIMULATED_PLATFORM.cpuSvn),
                        pcesvn: SIMULATED_PLATFORM.pceSvn,
                        tdxtcbcomponents: comps([...SIMULATED_PLATFORM.teeTcbSvn]),
                    },
                    tcbDate: '2025-01-01T00:00:00Z',
                    tcbStatus: o.tcbStatus ?? 'UpToDate',
                },
            ],
        });
        const qeIdentity = JSON.stringify({
            id: 'TD_QE',
            version: 2,
            issueDate: date(o.issueDate),
            nextUpdate: date(o.nextUpdate),
            tcbEvaluationDataNumber: 1,
            miscselect: '00000000',
            miscselectMask: 'FFFFFFFF',
            attributes: '11000000000000000000000000000000',
            attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
            mrsigner: SIMULATED_PLATFORM.qeMrSigner.toString('hex').toUpperCase(),
            isvprodid: SIMULATED_PLATFORM.qeIsvProdId,
            tcbLevels: [{ tcb: { isvsvn: SIMULATED_PLATFORM.qeIsvSvn }, tcbDate: '2025-01-01T00:00:00Z', tcbStatus: 'UpToDate' }],
        });
        const bodySig = (text: string) =>
            sign('sha256', Buffer.from(text, 'utf8'), { key: this.tcbSigning.privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');
        const crl = (revoked: bigint[]) =>
            buildCrl({
                issuer: this.rootName,
                thisUpdate: o.issueDate,
                nextUpdate: o.nextUpdate,
                revoked: revoked.map((serial) => ({ serial, at: o.issueDate })),
                sign: (tbs) => sign('sha256', tbs, this.root.privateKey),
            }).toString('hex');
        const signingChain = toPem(this.tcbSigningCert) + toPem(this.rootCert);
        return {
            tcb_info_issuer_chain: signingChain,
            tcb_info: tcbInfo,
            tcb_info_signature: bodySig(tcbInfo),
            qe_identity_issuer_chain: signingChain,
            qe_identity: qeIdentity,
            qe_identity_signature: bodySig(qeIdentity),
            // The simulated PCK certificate is issued by the root itself, so the root issues both CRLs.
            pck_crl_issuer_chain: toPem(this.rootCert),
            pck_crl: crl(o.revokedPckSerials ?? []),
            root_ca_crl: crl([]),
        };
    }
}

/** The simulated QuoteProvider: a SimulatedAttestor and the registers of the image it pretends to run. */
export class SimulatedQuoteProvider implements QuoteProvider {
    readonly kind = 'simulated' as const;

    constructor(
        readonly attestor: SimulatedAttestor = new SimulatedAttestor(),
        private readonly request: Omit<SimulatedQuoteRequest, 'reportData'> = {},
    ) {}

    async getQuote(reportData: Buffer): Promise<Buffer> {
        return this.attestor.quote({ ...this.request, reportData });
    }
}
