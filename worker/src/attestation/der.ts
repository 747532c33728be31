/**
 * A small, strict DER reader and writer: just what X.509 certificates, CRLs and Intel's SGX
 * extension need. node:crypto verifies signatures and parses certificates, but it exposes neither
 * CRLs nor arbitrary extensions, and it cannot create a certificate; pulling an ASN.1 library in for
 * that would put far more parsing code on the verification path than these two hundred lines.
 *
 * The reader accepts DER only, not BER: definite lengths, lengths in their shortest form, single-byte
 * tags, minimal INTEGERs, booleans 0x00/0xff, exactly one item where one is expected. Anything else
 * throws a DerError naming the offset, so a flipped bit in a certificate never parses as something
 * else quietly.
 */

export class DerError extends Error {}
DerError.prototype.name = 'DerError';

export const TAG = {
    BOOLEAN: 0x01,
    INTEGER: 0x02,
    BIT_STRING: 0x03,
    OCTET_STRING: 0x04,
    NULL: 0x05,
    OID: 0x06,
    ENUMERATED: 0x0a,
    UTF8_STRING: 0x0c,
    PRINTABLE_STRING: 0x13,
    IA5_STRING: 0x16,
    UTC_TIME: 0x17,
    GENERALIZED_TIME: 0x18,
    SEQUENCE: 0x30,
    SET: 0x31,
} as const;

/** Context-specific constructed tag [n] (EXPLICIT tagging), e.g. 0xa0 for [0]. */
export const contextTag = (n: number): number => 0xa0 | n;

export interface Tlv {
    tag: number;
    /** Offset of the tag byte in the buffer the reader walks. */
    start: number;
    /** Offset just past the content. */
    end: number;
    /** The whole encoding: tag, length and content. */
    bytes: Buffer;
    /** The content octets. */
    value: Buffer;
}

export class DerReader {
    private pos: number;

    constructor(
        private readonly buf: Buffer,
        start = 0,
        private readonly end = buf.length,
    ) {
        this.pos = start;
    }

    /** A reader over one whole DER value; throws unless `der` is exactly one TLV. */
    static one(der: Buffer, what: string): Tlv {
        const r = new DerReader(der);
        const t = r.read(undefined, what);
        r.finish(what);
        return t;
    }

    get done(): boolean {
        return this.pos >= this.end;
    }

    peekTag(): number | undefined {
        return this.done ? undefined : this.buf[this.pos];
    }

    /** Reads the next TLV, which must have `tag` when given. */
    read(tag?: number, what = 'value'): Tlv {
        const start = this.pos;
        if (start >= this.end) throw new DerError(`${what}: expected a value at offset ${start}, found the end`);
        const t = this.buf[start];
        if ((t & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tag at offset ${start}`);
        if (tag !== undefined && t !== tag)
            throw new DerError(`${what}: expected tag 0x${tag.toString(16)} at offset ${start}, found 0x${t.toString(16)}`);
        let p = start + 1;
        if (p >= this.end) throw new DerError(`${what}: truncated length at offset ${p}`);
        let len = this.buf[p++];
        if (len === 0x80) throw new DerError(`${what}: indefinite length at offset ${start} (BER, not DER)`);
        if (len > 0x80) {
            const n = len & 0x7f;
            if (n > 4) throw new DerError(`${what}: length of ${n} bytes at offset ${start}`);
            if (p + n > this.end) throw new DerError(`${what}: truncated length at offset ${p}`);
            if (this.buf[p] === 0) throw new DerError(`${what}: length with a leading zero at offset ${start}`);
            len = 0;
            for (let i = 0; i < n; i++) len = len * 256 + this.buf[p++];
            if (len < 0x80) throw new DerError(`${what}: long-form length ${len} at offset ${start} (DER uses the short form)`);
        }
        if (p + len > this.end) throw new DerError(`${what}: ${len} content bytes at offset ${p} run past the end (${this.end})`);
        this.pos = p + len;
        return { tag: t, start, end: p + len, bytes: this.buf.subarray(start, p + len), value: this.buf.subarray(p, p + len) };
    }

    /** Reads the next TLV only if it has `tag`. */
    optional(tag: number, what?: string): Tlv | undefined {
        return this.peekTag() === tag ? this.read(tag, what) : undefined;
    }

    /** Throws unless every byte has been read. */
    finish(what: string): void {
        if (this.pos !== this.end) throw new DerError(`${what}: ${this.end - this.pos} unexpected bytes at offset ${this.pos}`);
    }

    /** A reader over the content of a constructed TLV (SEQUENCE, SET, [n]). */
    static inside(t: Tlv): DerReader {
        return new DerReader(t.value);
    }
}

/** Content octets of an INTEGER, checked to be minimal; returned as given (two's complement). */
export function integerBytes(t: Tlv, what = 'INTEGER'): Buffer {
    if (t.tag !== TAG.INTEGER) throw new DerError(`${what}: not an INTEGER`);
    const v = t.value;
    if (v.length === 0) throw new DerError(`${what}: empty INTEGER`);
    if (v.length > 1 && ((v[0] === 0x00 && (v[1] & 0x80) === 0) || (v[0] === 0xff && (v[1] & 0x80) !== 0)))
        throw new DerError(`${what}: INTEGER not in its shortest form`);
    return v;
}

/** A non-negative INTEGER as a bigint. */
export function readUnsigned(t: Tlv, what = 'INTEGER'): bigint {
    const v = integerBytes(t, what);
    if (v[0] & 0x80) throw new DerError(`${what}: negative INTEGER`);
    return BigInt('0x' + v.toString('hex'));
}

export function readSmallUnsigned(t: Tlv, what = 'INTEGER'): number {
    const v = readUnsigned(t, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DerError(`${what}: ${v} is too large`);
    return Number(v);
}

export function readBoolean(t: Tlv, what = 'BOOLEAN'): boolean {
    if (t.tag !== TAG.BOOLEAN || t.value.length !== 1) throw new DerError(`${what}: not a one-byte BOOLEAN`);
    if (t.value[0] === 0xff) return true;
    if (t.value[0] === 0x00) return false;
    throw new DerError(`${what}: BOOLEAN 0x${t.value[0].toString(16)} (DER allows 0x00 and 0xff)`);
}

export function readOid(t: Tlv, what = 'OID'): string {
    if (t.tag !== TAG.OID) throw new DerError(`${what}: not an OBJECT IDENTIFIER`);
    const v = t.value;
    if (v.length === 0 || v[v.length - 1] & 0x80) throw new DerError(`${what}: truncated OBJECT IDENTIFIER`);
    const arcs: bigint[] = [];
    let acc = 0n;
    let fresh = true;
    for (const b of v) {
        if (fresh && b === 0x80) throw new DerError(`${what}: OID arc with a leading 0x80`);
        acc = (acc << 7n) | BigInt(b & 0x7f);
        fresh = false;
        if ((b & 0x80) === 0) {
            arcs.push(acc);
            acc = 0n;
            fresh = true;
        }
    }
    const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
    return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** BIT STRING content; only whole-byte strings (no unused bits), which is all X.509 keys and signatures use. */
export function readBitStringBytes(t: Tlv, what = 'BIT STRING'): Buffer {
    if (t.tag !== TAG.BIT_STRING || t.value.length === 0) throw new DerError(`${what}: not a BIT STRING`);
    if (t.value[0] !== 0) throw new DerError(`${what}: ${t.value[0]} unused bits`);
    return t.value.subarray(1);
}

/** BIT STRING as a list of set bit numbers (bit 0 is the most significant bit of the first byte), for KeyUsage. */
export function readNamedBits(t: Tlv, what = 'BIT STRING'): Set<number> {
    if (t.tag !== TAG.BIT_STRING || t.value.length === 0) throw new DerError(`${what}: not a BIT STRING`);
    const unused = t.value[0];
    const bytes = t.value.subarray(1);
    if (unused > 7 || (bytes.length === 0 && unused !== 0)) throw new DerError(`${what}: ${unused} unused bits`);
    const out = new Set<number>();
    for (let i = 0; i < bytes.length * 8 - unused; i++) if (bytes[i >> 3] & (0x80 >> (i & 7))) out.add(i);
    return out;
}

const UTC = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GEN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** UTCTime (years 1950..2049) or GeneralizedTime, both in the seconds-and-Z form DER requires. */
export function readTime(t: Tlv, what = 'time'): Date {
    const s = t.value.toString('latin1');
    const m = t.tag === TAG.UTC_TIME ? UTC.exec(s) : t.tag === TAG.GENERALIZED_TIME ? GEN.exec(s) : null;
    if (!m) throw new DerError(`${what}: not a DER UTCTime or GeneralizedTime: "${s}"`);
    let year = Number(m[1]);
    if (t.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
    const [mo, d, h, mi, se] = m.slice(2).map(Number);
    const ms = Date.UTC(year, mo - 1, d, h, mi, se);
    const back = new Date(ms);
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59)
        throw new DerError(`${what}: no such date "${s}"`);
    return back;
}

// ---------------------------------------------------------------------------------------------
// Writer: each function returns one complete DER encoding.

function encodeLength(n: number): Buffer {
    if (n < 0x80) return Buffer.from([n]);
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, value: Buffer): Buffer {
    return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export const der = {
    seq: (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items)),
    set: (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat(items)),
    /** A non-negative INTEGER from a number, bigint, or unsigned big-endian bytes. */
    uint(v: number | bigint | Buffer): Buffer {
        let bytes: Buffer;
        if (Buffer.isBuffer(v)) {
            let i = 0;
            while (i < v.length - 1 && v[i] === 0) i++;
            bytes = Buffer.from(v.subarray(i));
            if (bytes.length === 0) bytes = Buffer.from([0]);
        } else {
            const b = BigInt(v);
            if (b < 0n) throw new DerError('der.uint: negative value');
            let hex = b.toString(16);
            if (hex.length % 2) hex = '0' + hex;
            bytes = Buffer.from(hex, 'hex');
        }
        if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
        return tlv(TAG.INTEGER, bytes);
    },
    bool: (b: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([b ? 0xff : 0x00])),
    nul: (): Buffer => tlv(TAG.NULL, Buffer.alloc(0)),
    enumerated: (n: number): Buffer => tlv(TAG.ENUMERATED, der.uint(n).subarray(2)),
    oid(dotted: string): Buffer {
        if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new DerError(`der.oid: "${dotted}" is not a dotted OID`);
        const arcs = dotted.split('.').map((s) => BigInt(s));
        const out: number[] = [];
        const push = (a: bigint) => {
            const groups: number[] = [Number(a & 0x7fn)];
            for (let v = a >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
            out.push(...groups);
        };
        push(arcs[0] * 40n + arcs[1]);
        arcs.slice(2).forEach(push);
        return tlv(TAG.OID, Buffer.from(out));
    },
    octets: (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b),
    bits: (b: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), b])),
    /** A named-bit BIT STRING (KeyUsage), trailing zero bits trimmed as DER requires. */
    namedBits(bits: number[]): Buffer {
        if (bits.length === 0) return tlv(TAG.BIT_STRING, Buffer.from([0]));
        const top = Math.max(...bits);
        const bytes = Buffer.alloc((top >> 3) + 1);
        for (const i of bits) bytes[i >> 3] |= 0x80 >> (i & 7);
        return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([7 - (top & 7)]), bytes]));
    },
    utf8: (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8')),
    /** UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5); whole seconds. */
    time(d: Date): Buffer {
        const iso = new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
        const y = d.getUTCFullYear();
        const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
        if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(digits.slice(2) + 'Z', 'latin1'));
        return tlv(TAG.GENERALIZED_TIME, Buffer.from(digits + 'Z', 'latin1'));
    },
    /** [n] EXPLICIT around one encoding. */
    explicit: (n: number, inner: Buffer): Buffer => tlv(contextTag(n), inner),
};
