/**
 * Test vectors of the image hash (docs/attestation/image-hash.md). The expected values were
 * computed independently of this code, with Python's hashlib and with `dd | sha256sum` over the
 * register offsets of the quote layout, so a mistake in the TypeScript cannot hide in both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
    IMAGE_REGISTERS,
    imageHash,
    imageHashFromQuote,
    registersFromQuote,
    tdReportBodyOffset,
    TdxRegisters,
} from '../../worker/src/attestation/imageHash';

const SAMPLE = readFileSync(join(__dirname, '../fixtures/tdx/sample-tdx-quote-v4.bin'));

function filled(f: (i: number) => number): TdxRegisters {
    return Object.fromEntries(IMAGE_REGISTERS.map((name, i) => [name, Buffer.alloc(48, f(i))])) as TdxRegisters;
}

describe('image hash', () => {
    it('of the public sample TDX quote (v4) is the known value', () => {
        expect(imageHashFromQuote(SAMPLE).toString(16).padStart(64, '0')).toBe(
            'c36fdfa4bc49368f73e1b9434f87b4941b4ec2a94d35704b6636726caeef05ad',
        );
    });

    it('reads the registers at the documented offsets of the sample', () => {
        const r = registersFromQuote(SAMPLE);
        expect(r.mrtd.toString('hex')).toBe(
            '91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7',
        );
        expect(r.rtmr2.toString('hex')).toBe(
            'd833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132',
        );
        expect(r.rtmr3.equals(Buffer.alloc(48))).toBe(true);
        expect(r.mrConfigId.equals(Buffer.alloc(48))).toBe(true);
    });

    it('of all-zero registers', () => {
        expect(
            imageHash(filled(() => 0))
                .toString(16)
                .padStart(64, '0'),
        ).toBe('fb735f87e3f1e4b074c9bdb2cf01e814495a4742410e2e674eedc74a8dfc0608');
    });

    it('of registers filled with 1..8 in hash order (order matters)', () => {
        expect(imageHash(filled((i) => i + 1)).toString(16)).toBe('a06a5cabcc6a1dc12d7d1b72e5e1ecd981638c9bcc913392b8f2f75b6962854a');
        expect(imageHash(filled((i) => 8 - i))).not.toBe(imageHash(filled((i) => i + 1)));
    });

    it('changes with every register', () => {
        const base = imageHash(filled(() => 0));
        for (const name of IMAGE_REGISTERS) {
            const r = filled(() => 0);
            r[name][47] = 1;
            expect(imageHash(r)).not.toBe(base);
        }
    });

    it('reads a v5 quote (TDX 1.5 body) at the shifted offsets', () => {
        const v4body = SAMPLE.subarray(48, 48 + 584);
        const v5 = Buffer.concat([SAMPLE.subarray(0, 48), Buffer.from([3, 0, 0x88, 0x02, 0, 0]), v4body, Buffer.alloc(64)]);
        v5.writeUInt16LE(5, 0);
        expect(tdReportBodyOffset(v5)).toBe(54);
        expect(imageHashFromQuote(v5)).toBe(imageHashFromQuote(SAMPLE));
    });

    it('refuses malformed input with a message naming the problem', () => {
        expect(() => imageHashFromQuote(SAMPLE.subarray(0, 40))).toThrow(/truncated/);
        expect(() => imageHashFromQuote(SAMPLE.subarray(0, 600))).toThrow(/truncated/);
        const sgx = Buffer.from(SAMPLE);
        sgx.writeUInt32LE(0, 4);
        expect(() => imageHashFromQuote(sgx)).toThrow(/not a TDX quote/);
        const v3 = Buffer.from(SAMPLE);
        v3.writeUInt16LE(3, 0);
        expect(() => imageHashFromQuote(v3)).toThrow(/unsupported quote version 3/);
        const badV5 = Buffer.concat([SAMPLE.subarray(0, 48), Buffer.from([3, 0, 0x48, 0x02, 0, 0]), SAMPLE.subarray(48)]);
        badV5.writeUInt16LE(5, 0);
        expect(() => imageHashFromQuote(badV5)).toThrow(/must be 648 bytes/);
        const r = filled(() => 0);
        r.rtmr2 = Buffer.alloc(32);
        expect(() => imageHash(r)).toThrow(/rtmr2 must be 48 bytes/);
    });
});
