/**
 * The voucher module (wrappers/vouchers.ts): the exact cell layout, signing, parsing with named
 * refusals, the checks an account applies, and how two vouchers of one key relate (the
 * equivocation evidence of the slashing issue). The last part is a seeded property test over
 * random cumulative sequences; the seed is printed and VOUCHER_SEED=<n> replays it.
 */
import { Address, beginCell, Cell } from '@ton/core';
import { keyPairFromSeed, sign, signVerify } from '@ton/crypto';
import { createHash } from 'node:crypto';
import {
    checkVoucher,
    decodeSignedVoucher,
    encodeSignedVoucher,
    KIND_CHARGE,
    KIND_PAYOUT,
    loadSignedVoucher,
    loadVoucher,
    relate,
    signedVoucherCell,
    signVoucher,
    Voucher,
    VOUCHER_TAG,
    VoucherError,
    voucherCell,
    voucherHash,
    VoucherProblem,
} from '../../wrappers/vouchers';
import { mulberry32, seedFrom } from '../helpers/random';

const key = keyPairFromSeed(createHash('sha256').update('voucher test proxy key').digest());
const other = keyPairFromSeed(createHash('sha256').update('another key').digest());
const escrow = Address.parse('0:' + '11'.repeat(32));
const payoutAccount = Address.parse('0:' + '22'.repeat(32));

function charge(p: Partial<Voucher> = {}): Voucher {
    return { kind: KIND_CHARGE, account: escrow, seqno: 1n, tokens: 1000n, amount: 5_000_000n, commission: 0n, final: false, ...p };
}

function problem(f: () => unknown): VoucherProblem | 'ok' {
    try {
        f();
        return 'ok';
    } catch (e) {
        if (e instanceof VoucherError) return e.problem;
        throw e;
    }
}

describe('vouchers: the format', () => {
    it('is one cell: tag, kind, account, seqno, tokens, amount, commission, final', () => {
        const v = charge({ seqno: 7n, tokens: 123n, amount: 456n, final: true });
        const expected = beginCell()
            .storeUint(0x564f5543, 32)
            .storeUint(1, 8)
            .storeAddress(escrow)
            .storeUint(7n, 64)
            .storeUint(123n, 64)
            .storeCoins(456n)
            .storeCoins(0n)
            .storeBit(true)
            .endCell();
        expect(voucherCell(v).equals(expected)).toBe(true);
        expect(voucherHash(v).equals(expected.hash())).toBe(true);
        expect(VOUCHER_TAG).toBe(0x564f5543);
        // The tag's first bits, 01, begin no Address: a voucher never parses as a BindingClaim.
        expect(() => voucherCell(v).beginParse().loadAddress()).toThrow();
    });

    it('round-trips through the cell, the signed cell and the base64 text', () => {
        const v: Voucher = { ...charge(), kind: KIND_PAYOUT, account: payoutAccount, commission: 77n };
        const same = (w: Voucher) => expect({ ...w, account: w.account.toRawString() }).toEqual({ ...v, account: v.account.toRawString() });
        same(loadVoucher(voucherCell(v).beginParse()));
        const sv = signVoucher(v, key.secretKey);
        // The signature is plain Ed25519 over the cell hash: @ton/crypto (tweetnacl) agrees.
        expect(signVerify(voucherHash(v), sv.signature, key.publicKey)).toBe(true);
        expect(sv.signature.equals(sign(voucherHash(v), key.secretKey))).toBe(true);
        for (const back of [loadSignedVoucher(signedVoucherCell(sv).beginParse()), decodeSignedVoucher(encodeSignedVoucher(sv))]) {
            same(back.voucher);
            expect(back.signature.equals(sv.signature)).toBe(true);
        }
    });

    it('refuses malformed input with a named problem', () => {
        const v = charge();
        const bad = (c: Cell) => problem(() => loadVoucher(c.beginParse()));
        expect(bad(beginCell().storeUint(0x12345678, 32).endCell())).toBe('BAD_TAG');
        expect(bad(beginCell().storeUint(VOUCHER_TAG, 32).storeUint(3, 8).endCell())).toBe('BAD_KIND');
        expect(bad(beginCell().storeUint(VOUCHER_TAG, 32).storeUint(1, 8).endCell())).toBe('MALFORMED');
        expect(bad(beginCell().storeSlice(voucherCell(v).beginParse()).storeUint(0, 1).endCell())).toBe('MALFORMED');
        expect(problem(() => voucherCell(charge({ seqno: -1n })))).toBe('OUT_OF_RANGE');
        expect(problem(() => voucherCell(charge({ tokens: 1n << 64n })))).toBe('OUT_OF_RANGE');
        expect(problem(() => voucherCell(charge({ commission: 1n })))).toBe('OUT_OF_RANGE');
        expect(problem(() => decodeSignedVoucher('not base64 of a boc'))).toBe('MALFORMED');
        expect(problem(() => loadSignedVoucher(beginCell().storeUint(0, 100).endCell().beginParse()))).toBe('MALFORMED');
    });
});

describe('vouchers: what an account checks', () => {
    const expectCharge = { publicKey: key.publicKey, account: escrow, kind: KIND_CHARGE } as const;

    it('accepts a voucher signed by the key, for the account and kind, newer than the last', () => {
        const first = signVoucher(charge({ seqno: 1n }), key.secretKey);
        expect(checkVoucher(first, expectCharge)).toEqual(first.voucher);
        const second = signVoucher(charge({ seqno: 2n, tokens: 2000n, amount: 9_000_000n }), key.secretKey);
        expect(checkVoucher(second, { ...expectCharge, previous: first.voucher })).toEqual(second.voucher);
        // Equal cumulative values with a higher seqno are fine (a voucher may repeat the totals).
        const same = signVoucher(charge({ seqno: 3n, tokens: 2000n, amount: 9_000_000n }), key.secretKey);
        expect(problem(() => checkVoucher(same, { ...expectCharge, previous: second.voucher }))).toBe('ok');
    });

    it('refuses each wrong voucher with its own problem', () => {
        const prev = charge({ seqno: 5n });
        const cases: [string, () => unknown, VoucherProblem][] = [
            ['another key', () => checkVoucher(signVoucher(charge(), other.secretKey), expectCharge), 'BAD_SIGNATURE'],
            [
                'a tampered field',
                () => checkVoucher({ ...signVoucher(charge(), key.secretKey), voucher: charge({ amount: 5_000_001n }) }, expectCharge),
                'BAD_SIGNATURE',
            ],
            ['a short signature', () => checkVoucher({ voucher: charge(), signature: Buffer.alloc(63) }, expectCharge), 'BAD_SIGNATURE'],
            [
                'another account (replay)',
                () => checkVoucher(signVoucher(charge({ account: payoutAccount }), key.secretKey), expectCharge),
                'WRONG_ACCOUNT',
            ],
            [
                'another kind',
                () => checkVoucher(signVoucher(charge(), key.secretKey), { ...expectCharge, kind: KIND_PAYOUT }),
                'WRONG_KIND',
            ],
            [
                'an old seqno',
                () => checkVoucher(signVoucher(charge({ seqno: 5n }), key.secretKey), { ...expectCharge, previous: prev }),
                'NOT_NEWER',
            ],
            [
                'a lower cumulative amount',
                () => checkVoucher(signVoucher(charge({ seqno: 6n, amount: 1n }), key.secretKey), { ...expectCharge, previous: prev }),
                'DECREASING',
            ],
            [
                'fewer cumulative tokens',
                () => checkVoucher(signVoucher(charge({ seqno: 6n, tokens: 999n }), key.secretKey), { ...expectCharge, previous: prev }),
                'DECREASING',
            ],
            [
                'anything after the final voucher',
                () =>
                    checkVoucher(signVoucher(charge({ seqno: 6n }), key.secretKey), {
                        ...expectCharge,
                        previous: { ...prev, final: true },
                    }),
                'AFTER_FINAL',
            ],
        ];
        for (const [, f, expected] of cases) expect(problem(f)).toBe(expected);
        expect(new Set(cases.map(([name]) => name)).size).toBe(cases.length);
    });
});

describe('vouchers: how two vouchers of one key relate', () => {
    it('names each shape of conflict, and what is not one', () => {
        const a = charge({ seqno: 4n, tokens: 100n, amount: 1000n });
        expect(relate(a, { ...a })).toEqual({ type: 'identical' });
        expect(relate(a, { ...a, amount: 1001n })).toEqual({ type: 'conflict', shape: 'same seqno, different content' });
        expect(relate(a, { ...a, final: true })).toEqual({ type: 'conflict', shape: 'same seqno, different content' });
        expect(relate(a, { ...a, seqno: 5n, amount: 999n })).toMatchObject({ type: 'conflict', field: 'amount' });
        expect(relate({ ...a, seqno: 9n, tokens: 99n }, a)).toMatchObject({ type: 'conflict', field: 'tokens' });
        expect(relate(a, { ...a, seqno: 5n, amount: 1000n })).toMatchObject({ type: 'ordered' });
        expect(relate(a, { ...a, account: payoutAccount })).toEqual({ type: 'unrelated', why: 'different account' });
        expect(relate(a, { ...a, kind: KIND_PAYOUT })).toEqual({ type: 'unrelated', why: 'different kind' });
        const p: Voucher = { ...a, kind: KIND_PAYOUT, commission: 50n };
        expect(relate(p, { ...p, seqno: 5n, commission: 49n })).toMatchObject({ type: 'conflict', field: 'commission' });
    });

    it('property: an honest sequence never conflicts; one rolled-back voucher always does', () => {
        const random = mulberry32(seedFrom('VOUCHER_SEED', 'voucher property'));
        const big = (max: number) => BigInt(Math.floor(random() * max));
        let rolledBackChecked = 0;
        for (let round = 0; round < 200; round++) {
            const kind = random() < 0.5 ? KIND_CHARGE : KIND_PAYOUT;
            const seq: Voucher[] = [];
            let v: Voucher = { kind, account: escrow, seqno: big(10), tokens: big(1000), amount: big(1e6), commission: 0n, final: false };
            if (kind === KIND_PAYOUT) v = { ...v, account: payoutAccount, commission: big(1e5) };
            const length = 2 + Math.floor(random() * 8);
            for (let i = 0; i < length; i++) {
                seq.push(v);
                v = {
                    ...v,
                    seqno: v.seqno + 1n + big(3),
                    tokens: v.tokens + big(500),
                    amount: v.amount + big(1e6),
                    commission: kind === KIND_PAYOUT ? v.commission + big(1e4) : 0n,
                };
            }
            // Every pair of an honest sequence is ordered (or identical), and each step is accepted.
            for (let i = 0; i < seq.length; i++) {
                for (let j = 0; j < seq.length; j++) {
                    expect(relate(seq[i], seq[j]).type).toBe(i === j ? 'identical' : 'ordered');
                }
                if (i > 0) {
                    const sv = signVoucher(seq[i], key.secretKey);
                    expect(
                        problem(() => checkVoucher(sv, { publicKey: key.publicKey, account: seq[i].account, kind, previous: seq[i - 1] })),
                    ).toBe('ok');
                }
            }
            // A rolled-back key signs from an earlier state: the same seqno with new content, or a
            // later seqno carrying an earlier (lower) total. Either conflicts with what it signed.
            const fields = kind === KIND_PAYOUT ? (['tokens', 'amount', 'commission'] as const) : (['tokens', 'amount'] as const);
            const field = fields[Math.floor(random() * fields.length)];
            const i = Math.floor(random() * seq.length);
            const changed: Voucher = { ...seq[i], [field]: seq[i][field] + 1n };
            expect(relate(seq[i], changed)).toEqual({ type: 'conflict', shape: 'same seqno, different content' });
            const last = seq[seq.length - 1];
            const earlier = seq[Math.floor(random() * (seq.length - 1))];
            if (earlier[field] < last[field]) {
                const rolledBack: Voucher = { ...last, seqno: last.seqno + 1n + big(5), [field]: earlier[field] };
                expect(relate(last, rolledBack)).toEqual({ type: 'conflict', shape: 'later seqno, lower cumulative value', field });
                expect(relate(rolledBack, last)).toEqual({ type: 'conflict', shape: 'later seqno, lower cumulative value', field });
                rolledBackChecked++;
            }
        }
        // Totals grow by a random step, sometimes 0: most rounds must still test a roll-back.
        expect(rolledBackChecked).toBeGreaterThan(100);
    });
});
