/**
 * A flipped bit anywhere in what a quote's signatures and certificates cover makes verification
 * fail. Over the public sample (with its collateral, inside its validity): every bit of the header,
 * one bit of every byte of the TD report and of the signature data up to the PCK chain (quote
 * signature, attestation key, QE report and its signature, QE auth data), and one bit of a quarter
 * of the PEM chain's bytes; then the same over a simulated v5 quote with a TDX 1.5 body,
 * descriptor included. Bits and sampled positions come from a seeded generator.
 *
 * The seed is printed; BITFLIP_SEED=<n> reruns with another one. (The chain is sampled because each
 * of its flips costs a full chain parse; the non-chain bytes, each guarded by one signature, are all
 * covered.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCollateral } from '../../worker/src/attestation/collateral';
import { AttestationError } from '../../worker/src/attestation/errors';
import { parseQuote } from '../../worker/src/attestation/quote';
import { SimulatedAttestor } from '../../worker/src/attestation/simulated';
import { QuoteVerifier, VerifyOptions } from '../../worker/src/attestation/verify';
import { mulberry32 } from '../helpers/random';

const DIR = join(__dirname, '../fixtures/tdx');
const SAMPLE = readFileSync(join(DIR, 'sample-tdx-quote-v4.bin'));
const COLLATERAL = parseCollateral(readFileSync(join(DIR, 'sample-tdx-quote-v4.collateral.json'), 'utf8'));
const INSIDE = new Date('2025-07-01T00:00:00Z');

const SEED = Number(process.env.BITFLIP_SEED ?? 0x5eed7d);

const rng = mulberry32;

/** Verifies `quote` with bit `bit` of byte `at` flipped; returns the refusal code, or 'ok'. */
function flipped(verifier: QuoteVerifier, quote: Buffer, at: number, bit: number, opts: VerifyOptions): string {
    const q = Buffer.from(quote);
    q[at] ^= 1 << bit;
    try {
        verifier.verifyEvidence(q, opts);
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

function tally(codes: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of codes) out[c] = (out[c] ?? 0) + 1;
    return out;
}

beforeAll(() => console.log(`bit-flip seed ${SEED} (BITFLIP_SEED=${SEED} reproduces this run)`));

/** Flips one seeded bit of each byte in [from, to) (of every `every`-th byte, picked at random, if given). */
function sweep(verifier: QuoteVerifier, quote: Buffer, from: number, to: number, next: () => number, opts: VerifyOptions, every = 1) {
    const failures: string[] = [];
    const codes: string[] = [];
    for (let at = from; at < to; at++) {
        if (every > 1 && next() * every >= 1) continue;
        const bit = Math.floor(next() * 8);
        const code = flipped(verifier, quote, at, bit, opts);
        codes.push(code);
        if (code === 'ok') failures.push(`byte ${at} bit ${bit} (seed ${SEED})`);
    }
    return { failures, codes };
}

describe('a flipped bit fails verification', () => {
    const opts = { at: INSIDE, collateral: COLLATERAL };
    const sample = parseQuote(SAMPLE);
    const chainStart = sample.end - sample.pckChainPem.length;

    it('the unmodified sample verifies (the control)', () => {
        expect(new QuoteVerifier().verifyEvidence(SAMPLE, opts).tcb?.status).toBe('UpToDate');
    });

    it('every bit of the sample header (bytes 0..47)', () => {
        const verifier = new QuoteVerifier();
        const failures: string[] = [];
        const codes: string[] = [];
        for (let at = 0; at < 48; at++)
            for (let bit = 0; bit < 8; bit++) {
                const code = flipped(verifier, SAMPLE, at, bit, opts);
                codes.push(code);
                // Past version, key type and TEE type, only the quote signature can notice.
                if (code === 'ok' || (at >= 8 && code !== 'QUOTE_SIGNATURE_INVALID')) failures.push(`byte ${at} bit ${bit}: ${code}`);
            }
        expect(failures).toEqual([]);
        console.log(`header, ${codes.length} flips: ${JSON.stringify(tally(codes))}`);
    });

    it('one seeded bit of every byte of the sample TD report (bytes 48..631): the quote signature fails', () => {
        const { failures, codes } = sweep(new QuoteVerifier(), SAMPLE, 48, 632, rng(SEED), opts);
        expect(failures).toEqual([]);
        expect(tally(codes)).toEqual({ QUOTE_SIGNATURE_INVALID: 584 });
    });

    it(`one seeded bit of every byte of the sample signature data before the PCK chain (bytes 632..${chainStart - 1})`, () => {
        const { failures, codes } = sweep(new QuoteVerifier(), SAMPLE, 632, chainStart, rng(SEED + 1), opts);
        expect(failures).toEqual([]);
        expect(codes.length).toBe(chainStart - 632);
        console.log(`signature data before the chain, ${codes.length} flips: ${JSON.stringify(tally(codes))}`);
    });

    it(`one seeded bit in a seeded quarter of the sample PCK chain bytes (${chainStart}..${sample.end - 1})`, () => {
        const { failures, codes } = sweep(new QuoteVerifier(), SAMPLE, chainStart, sample.end, rng(SEED + 2), opts, 4);
        expect(failures).toEqual([]);
        expect(codes.length).toBeGreaterThan(sample.pckChainPem.length / 6);
        console.log(`PCK chain, ${codes.length} flips: ${JSON.stringify(tally(codes))}`);
    });

    it('one seeded bit of every byte of a simulated v5 quote with a TDX 1.5 body (its chain sampled)', () => {
        const attestor = new SimulatedAttestor();
        const quote = attestor.quote({ reportData: Buffer.alloc(64, 0x42), version: 5, body: 'TDX1.5' });
        const vopts = {
            collateral: attestor.collateral({ issueDate: new Date('2025-01-01'), nextUpdate: new Date('2035-01-01') }),
            at: INSIDE,
        };
        const verifier = new QuoteVerifier();
        const q = verifier.verifyEvidence(quote, vopts).quote;
        expect(q.body.type).toBe('TDX1.5');
        const start = q.end - q.pckChainPem.length;
        const next = rng(SEED + 3);
        const a = sweep(verifier, quote, 0, start, next, vopts);
        const b = sweep(verifier, quote, start, q.end, next, vopts, 4);
        expect([...a.failures, ...b.failures]).toEqual([]);
        expect(tally(a.codes.slice(54, 54 + 648))).toEqual({ QUOTE_SIGNATURE_INVALID: 648 });
        console.log(
            `simulated v5 TDX 1.5 quote, ${a.codes.length + b.codes.length} flips: ${JSON.stringify(tally([...a.codes, ...b.codes]))}`,
        );
    });
});
