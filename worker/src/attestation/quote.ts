/**
 * TDX quotes, versions 4 and 5, as the Intel DCAP quote generation library defines them (its
 * "TDX DCAP Quoting Library API", appendix on the quote format):
 *
 *   header (48)  version u16 | attestation key type u16 (2 = ECDSA P-256) | TEE type u32 (0x81 = TDX)
 *                | reserved u16 u16 | QE vendor ID (16) | user data (20)
 *   v5 only      body type u16 (2: TDX 1.0, 3: TDX 1.5) | body size u32 (584 or 648)
 *   TD report    584 bytes (TDX 1.0), or 648 (TDX 1.5: + TEE_TCB_SVN_2 (16) + MRSERVICETD (48))
 *   u32          length of the signature data
 *   signature    ECDSA signature r||s (64) over everything above the u32, by the attestation key
 *   key          the attestation public key X||Y (64)
 *   cert data    type u16 = 6 (QE report certification data) | size u32 | QE report (384)
 *                | QE report signature (64, by the PCK key) | QE auth data size u16 | QE auth data
 *                | type u16 = 5 (PCK chain, PEM) | size u32 | PEM leaf, intermediate, root
 *
 * Parsing is strict: every length must add up exactly, inside and out. Bytes after the signature
 * data are tolerated only if they are zero (real quotes come padded, the public sample among them);
 * they are outside everything that is signed.
 */
import { createHash } from 'node:crypto';
import { AttestationError, ensure } from './errors';
import { imageHash, REGISTER_BYTES, TdxRegisters } from './imageHash';

export const HEADER_BYTES = 48;
export const TD10_BODY_BYTES = 584;
export const TD15_BODY_BYTES = 648;
export const QE_REPORT_BYTES = 384;
export const TDX_TEE_TYPE = 0x81;
export const ATTESTATION_KEY_ECDSA_P256 = 2;
export const CERT_DATA_QE_REPORT = 6;
export const CERT_DATA_PCK_CHAIN = 5;
export const V5_BODY_TD10 = 2;
export const V5_BODY_TD15 = 3;

/** TD attributes bits 0..7 are TUD ("TD under debug"); bit 0 is DEBUG, the rest are reserved for debug features. */
export const TD_ATTRIBUTES_TUD_MASK = 0xffn;
export const TD_ATTRIBUTE_DEBUG = 1n;
export const TD_ATTRIBUTE_SEPT_VE_DISABLE = 1n << 28n;

export interface TdReport {
    type: 'TDX1.0' | 'TDX1.5';
    teeTcbSvn: Buffer;
    mrSeam: Buffer;
    mrSignerSeam: Buffer;
    seamAttributes: Buffer;
    /** TDATTRIBUTES as the little-endian 64-bit value the TDX module defines. */
    tdAttributes: bigint;
    xfam: Buffer;
    registers: TdxRegisters;
    reportData: Buffer;
    teeTcbSvn2?: Buffer;
    mrServiceTd?: Buffer;
}

export interface QeReport {
    raw: Buffer;
    cpuSvn: Buffer;
    miscSelect: number;
    attributes: Buffer;
    mrEnclave: Buffer;
    mrSigner: Buffer;
    isvProdId: number;
    isvSvn: number;
    reportData: Buffer;
}

export interface ParsedQuote {
    /** The quote exactly as given, padding included. */
    raw: Buffer;
    /** SHA-256 of `raw`: the key of the verification cache. */
    hash: Buffer;
    version: 4 | 5;
    teeType: number;
    attestationKeyType: number;
    qeVendorId: Buffer;
    userData: Buffer;
    body: TdReport;
    /** Header (and v5 body descriptor) and TD report: the bytes the attestation key signs. */
    signedRegion: Buffer;
    signature: Buffer;
    /** The attestation key as SEC1 uncompressed 0x04||X||Y. */
    attestationKey: Buffer;
    qeReport: QeReport;
    qeReportSignature: Buffer;
    qeAuthData: Buffer;
    /** The PCK chain, PEM, exactly as the quote holds it. */
    pckChainPem: Buffer;
    /** Offset just past the signature data; bytes from here on are zero padding. */
    end: number;
    imageHash: bigint;
}

/** A bounds-checked little-endian cursor over the quote. */
class Cursor {
    constructor(
        readonly buf: Buffer,
        public pos: number,
        readonly end: number,
        readonly where: string,
    ) {}

    need(n: number, what: string): void {
        if (this.pos + n <= this.end) return;
        // Past the container but inside the buffer is an inconsistency; past the buffer is truncation.
        if (this.pos + n > this.buf.length && this.end === this.buf.length)
            throw new AttestationError(
                'QUOTE_TRUNCATED',
                `${what} needs bytes ${this.pos}..${this.pos + n - 1}, the quote has ${this.buf.length} bytes`,
            );
        throw new AttestationError(
            'QUOTE_MALFORMED',
            `${what} (${n} bytes at ${this.pos}) runs past the end of ${this.where} at ${this.end}`,
        );
    }

    bytes(n: number, what: string): Buffer {
        this.need(n, what);
        const b = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return b;
    }

    u16(what: string): number {
        return this.bytes(2, what).readUInt16LE(0);
    }

    u32(what: string): number {
        return this.bytes(4, what).readUInt32LE(0);
    }
}

function parseTdReport(b: Buffer, type: TdReport['type']): TdReport {
    const at = (o: number, n: number) => Buffer.from(b.subarray(o, o + n));
    const r = (o: number) => at(o, REGISTER_BYTES);
    return {
        type,
        teeTcbSvn: at(0, 16),
        mrSeam: r(16),
        mrSignerSeam: r(64),
        seamAttributes: at(112, 8),
        tdAttributes: b.readBigUInt64LE(120),
        xfam: at(128, 8),
        registers: {
            mrtd: r(136),
            mrConfigId: r(184),
            mrOwner: r(232),
            mrOwnerConfig: r(280),
            rtmr0: r(328),
            rtmr1: r(376),
            rtmr2: r(424),
            rtmr3: r(472),
        },
        reportData: at(520, 64),
        ...(type === 'TDX1.5' ? { teeTcbSvn2: at(584, 16), mrServiceTd: r(600) } : {}),
    };
}

export function parseQeReport(raw: Buffer): QeReport {
    return {
        raw,
        cpuSvn: raw.subarray(0, 16),
        miscSelect: raw.readUInt32LE(16),
        attributes: raw.subarray(48, 64),
        mrEnclave: raw.subarray(64, 96),
        mrSigner: raw.subarray(128, 160),
        isvProdId: raw.readUInt16LE(256),
        isvSvn: raw.readUInt16LE(258),
        reportData: raw.subarray(320, 384),
    };
}

/** Parses a TDX quote (v4 or v5); throws AttestationError QUOTE_TRUNCATED / QUOTE_MALFORMED / QUOTE_UNSUPPORTED. */
export function parseQuote(input: Buffer | Uint8Array): ParsedQuote {
    const raw = Buffer.from(input);
    const c = new Cursor(raw, 0, raw.length, 'the quote');
    const version = c.u16('header version');
    const attestationKeyType = c.u16('header attestation key type');
    const teeType = c.u32('header TEE type');
    c.bytes(4, 'header reserved fields');
    const qeVendorId = Buffer.from(c.bytes(16, 'header QE vendor ID'));
    const userData = Buffer.from(c.bytes(20, 'header user data'));
    ensure(version === 4 || version === 5, 'QUOTE_UNSUPPORTED', `quote version ${version} (4 and 5 are TDX quotes)`);
    ensure(teeType === TDX_TEE_TYPE, 'QUOTE_UNSUPPORTED', `TEE type 0x${teeType.toString(16)} is not TDX (0x81)`);
    ensure(
        attestationKeyType === ATTESTATION_KEY_ECDSA_P256,
        'QUOTE_UNSUPPORTED',
        `attestation key type ${attestationKeyType} (only 2, ECDSA P-256, is supported)`,
    );

    let type: TdReport['type'] = 'TDX1.0';
    let size = TD10_BODY_BYTES;
    if (version === 5) {
        const bodyType = c.u16('v5 body type');
        const bodySize = c.u32('v5 body size');
        ensure(
            bodyType === V5_BODY_TD10 || bodyType === V5_BODY_TD15,
            'QUOTE_UNSUPPORTED',
            `v5 body type ${bodyType} (2: TDX 1.0, 3: TDX 1.5; 1 would be an SGX report)`,
        );
        type = bodyType === V5_BODY_TD15 ? 'TDX1.5' : 'TDX1.0';
        size = bodyType === V5_BODY_TD15 ? TD15_BODY_BYTES : TD10_BODY_BYTES;
        ensure(bodySize === size, 'QUOTE_MALFORMED', `v5 body type ${bodyType} must be ${size} bytes, the descriptor says ${bodySize}`);
    }
    const body = parseTdReport(c.bytes(size, `TD report (${type})`), type);
    const signedRegion = Buffer.from(raw.subarray(0, c.pos));

    const sigLen = c.u32('signature data length');
    c.need(sigLen, 'signature data');
    const s = new Cursor(raw, c.pos, c.pos + sigLen, 'the signature data');
    const signature = Buffer.from(s.bytes(64, 'quote signature'));
    const attestationKey = Buffer.concat([Buffer.from([0x04]), s.bytes(64, 'attestation key')]);
    const certType = s.u16('certification data type');
    ensure(
        certType === CERT_DATA_QE_REPORT,
        'QUOTE_UNSUPPORTED',
        `certification data type ${certType} (expected 6, QE report certification data)`,
    );
    const certSize = s.u32('certification data size');
    s.need(certSize, 'certification data');
    const q = new Cursor(raw, s.pos, s.pos + certSize, 'the QE report certification data');
    const qeReport = parseQeReport(Buffer.from(q.bytes(QE_REPORT_BYTES, 'QE report')));
    const qeReportSignature = Buffer.from(q.bytes(64, 'QE report signature'));
    const authLen = q.u16('QE auth data size');
    const qeAuthData = Buffer.from(q.bytes(authLen, 'QE auth data'));
    const innerType = q.u16('PCK certification data type');
    ensure(
        innerType === CERT_DATA_PCK_CHAIN,
        'QUOTE_UNSUPPORTED',
        `PCK certification data type ${innerType} (expected 5, a PEM PCK chain)`,
    );
    const chainLen = q.u32('PCK chain size');
    const pckChainPem = Buffer.from(q.bytes(chainLen, 'PCK chain'));
    ensure(q.pos === q.end, 'QUOTE_MALFORMED', () => `${q.end - q.pos} bytes left over in the QE report certification data`);
    s.pos = q.pos;
    ensure(s.pos === s.end, 'QUOTE_MALFORMED', () => `${s.end - s.pos} bytes left over in the signature data`);
    const end = s.end;
    for (let i = end; i < raw.length; i++)
        ensure(
            raw[i] === 0,
            'QUOTE_MALFORMED',
            () => `non-zero byte 0x${raw[i].toString(16)} at ${i}, after the signature data ends at ${end}`,
        );

    return {
        raw,
        hash: createHash('sha256').update(raw).digest(),
        version,
        teeType,
        attestationKeyType,
        qeVendorId,
        userData,
        body,
        signedRegion,
        signature,
        attestationKey,
        qeReport,
        qeReportSignature,
        qeAuthData,
        pckChainPem,
        end,
        imageHash: imageHash(body.registers),
    };
}

export function isDebugTd(body: TdReport): boolean {
    return (body.tdAttributes & TD_ATTRIBUTES_TUD_MASK) !== 0n;
}
