/**
 * Vouchers: what a proxy's TEE key signs off chain and anyone settles on chain, in batches, like a
 * payment channel. This module is the one place that builds, signs, parses and checks them, and
 * that compares two of them; the contracts (Escrow, PayoutAccount, the Provider's evidence
 * handler), the tests, the tools and the reference programs all go through it. docs/vouchers.md
 * describes the format.
 *
 * A voucher is one cell:
 *
 *   voucher#564f5543 kind:uint8 account:MsgAddressInt seqno:uint64
 *       tokens:uint64 amount:Coins commission:Coins final:Bool = Voucher;
 *
 * - kind: 1 charge (the proxy charges a client's Escrow), 2 payout (the proxy pays a worker
 *   through its PayoutAccount);
 * - account: the Escrow or PayoutAccount it is for. That address is derived from the Root, the
 *   proxy's Provider, the proxy's TEE key and the counterparty, so a voucher cannot be replayed on
 *   any other account, and a voucher signed by another key names an address nobody credits;
 * - seqno: strictly increasing per account; tokens, amount, commission: cumulative since the
 *   account was opened, never decreasing. A charge has commission 0 (the protocol fee is the
 *   contract's to compute); a payout's amount is the worker's, its commission the proxy's;
 * - final: the last voucher of the account (cooperative close).
 * The proxy signs SHA-256 of the cell (the cell's representation hash) with Ed25519. The 32-bit
 * tag starts with the bits 01, which no Address begins with, so a voucher can never be read as the
 * Provider's BindingClaim (which the same key signs) or the other way round.
 */
import { Address, beginCell, Builder, Cell, Slice } from '@ton/core';
import { createPrivateKey, createPublicKey, KeyObject, sign as edSign, verify as edVerify } from 'node:crypto';

export const VOUCHER_TAG = 0x564f5543; // "VOUC"
export const KIND_CHARGE = 1;
export const KIND_PAYOUT = 2;
export type VoucherKind = typeof KIND_CHARGE | typeof KIND_PAYOUT;

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_COINS = (1n << 120n) - 1n;

export interface Voucher {
    kind: VoucherKind;
    account: Address;
    seqno: bigint;
    tokens: bigint;
    amount: bigint;
    commission: bigint;
    final: boolean;
}

export interface SignedVoucher {
    voucher: Voucher;
    /** Ed25519 over voucherHash(voucher), 64 bytes. */
    signature: Buffer;
}

/** Why a voucher is refused; each has a name the contracts' exit codes will mirror. */
export type VoucherProblem =
    | 'MALFORMED'
    | 'BAD_TAG'
    | 'BAD_KIND'
    | 'OUT_OF_RANGE'
    | 'BAD_SIGNATURE'
    | 'WRONG_ACCOUNT'
    | 'WRONG_KIND'
    | 'NOT_NEWER'
    | 'DECREASING'
    | 'AFTER_FINAL';

export class VoucherError extends Error {
    constructor(
        readonly problem: VoucherProblem,
        message: string,
    ) {
        super(`${problem}: ${message}`);
    }
}

function checkRanges(v: Voucher) {
    if (v.kind !== KIND_CHARGE && v.kind !== KIND_PAYOUT)
        throw new VoucherError('BAD_KIND', `kind ${String(v.kind)} is neither charge (1) nor payout (2)`);
    for (const [name, value, max] of [
        ['seqno', v.seqno, MAX_UINT64],
        ['tokens', v.tokens, MAX_UINT64],
        ['amount', v.amount, MAX_COINS],
        ['commission', v.commission, MAX_COINS],
    ] as const) {
        if (value < 0n || value > max) throw new VoucherError('OUT_OF_RANGE', `${name} ${value} is outside 0..${max}`);
    }
    if (v.kind === KIND_CHARGE && v.commission !== 0n) {
        throw new VoucherError('OUT_OF_RANGE', 'a charge voucher carries no commission (the contract computes the protocol fee)');
    }
}

export function storeVoucher(v: Voucher) {
    checkRanges(v);
    return (b: Builder) => {
        b.storeUint(VOUCHER_TAG, 32)
            .storeUint(v.kind, 8)
            .storeAddress(v.account)
            .storeUint(v.seqno, 64)
            .storeUint(v.tokens, 64)
            .storeCoins(v.amount)
            .storeCoins(v.commission)
            .storeBit(v.final);
    };
}

export function voucherCell(v: Voucher): Cell {
    return beginCell().store(storeVoucher(v)).endCell();
}

/** What the proxy's key signs: the voucher cell's hash. */
export function voucherHash(v: Voucher): Buffer {
    return voucherCell(v).hash();
}

/** Reads a voucher; a VoucherError names what is wrong. The slice must hold nothing else. */
export function loadVoucher(s: Slice): Voucher {
    let v: Voucher;
    try {
        const tag = s.loadUint(32);
        if (tag !== VOUCHER_TAG) throw new VoucherError('BAD_TAG', `tag 0x${tag.toString(16)} is not 0x${VOUCHER_TAG.toString(16)}`);
        const kind = s.loadUint(8);
        if (kind !== KIND_CHARGE && kind !== KIND_PAYOUT)
            throw new VoucherError('BAD_KIND', `kind ${kind} is neither charge (1) nor payout (2)`);
        v = {
            kind,
            account: s.loadAddress(),
            seqno: s.loadUintBig(64),
            tokens: s.loadUintBig(64),
            amount: s.loadCoins(),
            commission: s.loadCoins(),
            final: s.loadBit(),
        };
    } catch (e) {
        if (e instanceof VoucherError) throw e;
        throw new VoucherError('MALFORMED', (e as Error).message);
    }
    if (s.remainingBits !== 0 || s.remainingRefs !== 0) {
        throw new VoucherError('MALFORMED', `${s.remainingBits} bits and ${s.remainingRefs} references after the voucher`);
    }
    checkRanges(v);
    return v;
}

// Ed25519 through node:crypto (OpenSSL): the same signatures as @ton/crypto's sign and signVerify
// (tweetnacl), about a hundred times faster, which matters to a proxy signing a voucher per request.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const privateKeys = new Map<string, KeyObject>();

function privateKeyOf(secretKey: Buffer): KeyObject {
    // A TON secret key is the 32-byte seed followed by the 32-byte public key.
    if (secretKey.length !== 64 && secretKey.length !== 32)
        throw new Error(`an Ed25519 secret key is 64 (or 32) bytes, not ${secretKey.length}`);
    const seed = secretKey.subarray(0, 32);
    const id = seed.toString('hex');
    let key = privateKeys.get(id);
    if (!key) {
        key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
        privateKeys.set(id, key);
    }
    return key;
}

export function signVoucher(v: Voucher, secretKey: Buffer): SignedVoucher {
    return { voucher: v, signature: edSign(null, voucherHash(v), privateKeyOf(secretKey)) };
}

/** A signed voucher as one cell: signature:bits512 voucher:^Voucher (how messages carry it). */
export function signedVoucherCell(sv: SignedVoucher): Cell {
    if (sv.signature.length !== 64) throw new VoucherError('MALFORMED', `signature is ${sv.signature.length} bytes, not 64`);
    return beginCell().storeBuffer(sv.signature).storeRef(voucherCell(sv.voucher)).endCell();
}

export function loadSignedVoucher(s: Slice): SignedVoucher {
    let signature: Buffer;
    let ref: Cell;
    try {
        signature = s.loadBuffer(64);
        ref = s.loadRef();
    } catch (e) {
        throw new VoucherError('MALFORMED', (e as Error).message);
    }
    return { signature, voucher: loadVoucher(ref.beginParse()) };
}

/** Serialised for storage or transport: base64 of the signed voucher cell's BOC. */
export function encodeSignedVoucher(sv: SignedVoucher): string {
    return signedVoucherCell(sv).toBoc().toString('base64');
}

export function decodeSignedVoucher(text: string): SignedVoucher {
    let cell: Cell;
    try {
        const roots = Cell.fromBoc(Buffer.from(text, 'base64'));
        if (roots.length !== 1) throw new Error('expected one root cell');
        cell = roots[0];
    } catch (e) {
        throw new VoucherError('MALFORMED', `not a bag of cells: ${(e as Error).message}`);
    }
    const s = cell.beginParse();
    const sv = loadSignedVoucher(s);
    if (s.remainingBits !== 0 || s.remainingRefs !== 0) throw new VoucherError('MALFORMED', 'data after the signed voucher');
    return sv;
}

export function verifySignature(sv: SignedVoucher, publicKey: Buffer): boolean {
    if (sv.signature.length !== 64 || publicKey.length !== 32) return false;
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
    return edVerify(null, voucherHash(sv.voucher), key, sv.signature);
}

/**
 * Checks a voucher as an account does before taking it: signed by `publicKey`, for this account
 * and kind, and (given the last one it accepted) newer and not decreasing. Throws a VoucherError.
 */
export function checkVoucher(
    sv: SignedVoucher,
    expect: { publicKey: Buffer; account: Address; kind: VoucherKind; previous?: Voucher | null },
): Voucher {
    const v = sv.voucher;
    checkRanges(v);
    if (!verifySignature(sv, expect.publicKey))
        throw new VoucherError('BAD_SIGNATURE', 'the signature does not verify under the expected key');
    if (!v.account.equals(expect.account))
        throw new VoucherError('WRONG_ACCOUNT', `for ${v.account.toString()}, not ${expect.account.toString()}`);
    if (v.kind !== expect.kind)
        throw new VoucherError('WRONG_KIND', `a ${kindName(v.kind)} voucher where a ${kindName(expect.kind)} one is expected`);
    const prev = expect.previous;
    if (prev) {
        if (prev.final) throw new VoucherError('AFTER_FINAL', `the account already took its final voucher (seqno ${prev.seqno})`);
        if (v.seqno <= prev.seqno) throw new VoucherError('NOT_NEWER', `seqno ${v.seqno} is not above the last accepted ${prev.seqno}`);
        for (const f of ['tokens', 'amount', 'commission'] as const) {
            if (v[f] < prev[f]) throw new VoucherError('DECREASING', `cumulative ${f} ${v[f]} is below the last accepted ${prev[f]}`);
        }
    }
    return v;
}

export function kindName(kind: number): string {
    return kind === KIND_CHARGE ? 'charge' : kind === KIND_PAYOUT ? 'payout' : `unknown (${kind})`;
}

/** How two vouchers of one key relate. */
export type Relation =
    | { type: 'unrelated'; why: 'different account' | 'different kind' }
    | { type: 'identical' }
    | { type: 'ordered'; older: Voucher; newer: Voucher }
    | {
          type: 'conflict';
          shape: 'same seqno, different content' | 'later seqno, lower cumulative value';
          field?: 'tokens' | 'amount' | 'commission';
      };

/**
 * Whether two vouchers (of the same key) are consistent. Two vouchers for the same account and kind
 * conflict when they have the same seqno and different content, or when the one with the higher
 * seqno has a lower cumulative value: either proves the key signed against a rolled-back state or
 * was misused. This is the equivocation evidence of the slashing issue.
 */
export function relate(a: Voucher, b: Voucher): Relation {
    if (!a.account.equals(b.account)) return { type: 'unrelated', why: 'different account' };
    if (a.kind !== b.kind) return { type: 'unrelated', why: 'different kind' };
    if (a.seqno === b.seqno) {
        return voucherHash(a).equals(voucherHash(b)) ? { type: 'identical' } : { type: 'conflict', shape: 'same seqno, different content' };
    }
    const [older, newer] = a.seqno < b.seqno ? [a, b] : [b, a];
    for (const field of ['tokens', 'amount', 'commission'] as const) {
        if (newer[field] < older[field]) return { type: 'conflict', shape: 'later seqno, lower cumulative value', field };
    }
    return { type: 'ordered', older, newer };
}

/** Two signed vouchers that conflict: equivocation evidence (see relate). */
export interface Conflict {
    a: SignedVoucher;
    b: SignedVoucher;
    shape: Extract<Relation, { type: 'conflict' }>['shape'];
    field?: 'tokens' | 'amount' | 'commission';
}

/**
 * The conflicting pairs among vouchers one key signed, as a client or worker that keeps every
 * voucher it receives would look for them: vouchers are grouped by account and kind, and within a
 * group each pair is related (quadratic in the size of a group, so check each new voucher against
 * those kept rather than re-scanning). Signatures are not checked here: check them with
 * verifySignature first, or the Provider refuses the evidence (ERR_EVIDENCE_SIGNATURE).
 */
export function findConflicts(vouchers: SignedVoucher[]): Conflict[] {
    const groups = new Map<string, SignedVoucher[]>();
    for (const sv of vouchers) {
        const k = `${sv.voucher.kind}:${sv.voucher.account.toRawString()}`;
        const g = groups.get(k);
        if (g) g.push(sv);
        else groups.set(k, [sv]);
    }
    const out: Conflict[] = [];
    for (const g of groups.values()) {
        for (let i = 0; i < g.length; i++) {
            for (let j = i + 1; j < g.length; j++) {
                const r = relate(g[i].voucher, g[j].voucher);
                if (r.type === 'conflict') out.push({ a: g[i], b: g[j], shape: r.shape, ...(r.field ? { field: r.field } : {}) });
            }
        }
    }
    return out;
}
