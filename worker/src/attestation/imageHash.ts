import { createHash } from 'node:crypto';

/**
 * The image hash: the one 256-bit identity of a TDX image that the Root's allowlist, the Provider's
 * binding, the tools and the reference programs all use (docs/attestation/image-hash.md).
 *
 *   imageHash = SHA-256( "cocoon-tdx-image-v1" || MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3
 *                        || MRCONFIGID || MROWNER || MROWNERCONFIG )
 *
 * each register its 48 raw bytes as they stand in the TD report, the tag its 19 ASCII bytes. The
 * tag versions the definition; any change to it is a new tag, never a silent redefinition.
 */
export const IMAGE_HASH_TAG = 'cocoon-tdx-image-v1';

export const REGISTER_BYTES = 48;

/** The measurement and configuration registers that make up an image, in hash order. */
export const IMAGE_REGISTERS = ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'mrConfigId', 'mrOwner', 'mrOwnerConfig'] as const;

export type ImageRegister = (typeof IMAGE_REGISTERS)[number];
export type TdxRegisters = Record<ImageRegister, Buffer>;

export function imageHash(registers: TdxRegisters): bigint {
    const h = createHash('sha256').update(IMAGE_HASH_TAG, 'ascii');
    for (const name of IMAGE_REGISTERS) {
        const value = registers[name];
        if (!Buffer.isBuffer(value) || value.length !== REGISTER_BYTES) {
            throw new Error(
                `register ${name} must be ${REGISTER_BYTES} bytes, got ${Buffer.isBuffer(value) ? value.length : typeof value}`,
            );
        }
        h.update(value);
    }
    return BigInt('0x' + h.digest('hex'));
}

/** Offsets of the registers inside a TD report body (TDX 1.0 and 1.5 bodies agree on these). */
const BODY_OFFSETS: Record<ImageRegister, number> = {
    mrtd: 136,
    mrConfigId: 184,
    mrOwner: 232,
    mrOwnerConfig: 280,
    rtmr0: 328,
    rtmr1: 376,
    rtmr2: 424,
    rtmr3: 472,
};
const HEADER_BYTES = 48;
const TDX_TEE_TYPE = 0x81;
const TD10_BODY_BYTES = 584;
const TD15_BODY_BYTES = 648;

/**
 * Where the TD report body starts in a quote: version 4 puts it right after the header; version 5
 * puts a body descriptor (type u16: 2 for TDX 1.0, 3 for TDX 1.5; size u32) in between.
 */
export function tdReportBodyOffset(quote: Buffer): number {
    if (quote.length < HEADER_BYTES) throw new Error(`quote truncated: ${quote.length} bytes, the header alone is ${HEADER_BYTES}`);
    const version = quote.readUInt16LE(0);
    const teeType = quote.readUInt32LE(4);
    if (teeType !== TDX_TEE_TYPE) throw new Error(`not a TDX quote: TEE type 0x${teeType.toString(16)}, expected 0x81`);
    if (version === 4) {
        if (quote.length < HEADER_BYTES + TD10_BODY_BYTES)
            throw new Error(`quote truncated: ${quote.length} bytes, a v4 TD report ends at ${HEADER_BYTES + TD10_BODY_BYTES}`);
        return HEADER_BYTES;
    }
    if (version === 5) {
        if (quote.length < HEADER_BYTES + 6) throw new Error(`quote truncated: ${quote.length} bytes, no v5 body descriptor`);
        const type = quote.readUInt16LE(HEADER_BYTES);
        const size = quote.readUInt32LE(HEADER_BYTES + 2);
        const expected = type === 2 ? TD10_BODY_BYTES : type === 3 ? TD15_BODY_BYTES : undefined;
        if (expected === undefined) throw new Error(`unsupported v5 body type ${type} (2: TDX 1.0, 3: TDX 1.5)`);
        if (size !== expected) throw new Error(`v5 body type ${type} must be ${expected} bytes, the descriptor says ${size}`);
        if (quote.length < HEADER_BYTES + 6 + size)
            throw new Error(`quote truncated: ${quote.length} bytes, the v5 TD report ends at ${HEADER_BYTES + 6 + size}`);
        return HEADER_BYTES + 6;
    }
    throw new Error(`unsupported quote version ${version} (4 and 5 are TDX quotes)`);
}

/** The image registers of a TDX quote (v4 or v5), copied out. */
export function registersFromQuote(quote: Buffer): TdxRegisters {
    const body = tdReportBodyOffset(quote);
    const out = {} as TdxRegisters;
    for (const name of IMAGE_REGISTERS) {
        const at = body + BODY_OFFSETS[name];
        out[name] = Buffer.from(quote.subarray(at, at + REGISTER_BYTES));
    }
    return out;
}

export function imageHashFromQuote(quote: Buffer): bigint {
    return imageHash(registersFromQuote(quote));
}
