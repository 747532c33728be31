/**
 * Helpers shared by the escrow specs (Escrow, PayoutAccount and the proxy Provider's pool,
 * decision 0004): an active proxy with its clients' escrows and its workers' payout accounts,
 * opening an escrow, signing and submitting charge and payout vouchers (well-formed, tampered, or
 * built by hand to get past the off-chain checks of wrappers/vouchers.ts), decoders for the
 * escrow events, and "nothing changed" checks for refused messages on every contract involved.
 */
import '@ton/test-utils';
import { flattenTransaction } from '@ton/test-utils';
import { Address, beginCell, Cell, Slice, toNano } from '@ton/core';
import { KeyPair, sign } from '@ton/crypto';
import { internal, SandboxContract, SendMessageResult } from '@ton/sandbox';
import {
    DemandProfile,
    Escrow,
    ESCROW_OPEN,
    EscrowClosed,
    escrowFor,
    EscrowOpened,
    loadEscrowClosed,
    loadEscrowOpened,
    OPEN_OVERHEAD,
    PayoutAccount,
    payoutAccountFor,
    submitChargeBody,
    submitPayoutBody,
    SUBMIT_VALUE,
    CLIENT_ACTION_VALUE,
    COMMISSION_VALUE,
    storeSubmitCharge,
} from '../../wrappers/Escrow';
import { KIND_CHARGE, KIND_PAYOUT, SignedVoucher, signVoucher, Voucher, VOUCHER_TAG } from '../../wrappers/vouchers';
import { Actor, Env, HASHES } from '../fixtures/environment';
import { activate, balanceOf, createNode, feesPaid, Node, publicKeyInt } from '../helpers/provider';
import { plain, storageFees } from '../helpers/root';

export type EscrowContract = SandboxContract<Escrow>;
export type PayoutContract = SandboxContract<PayoutAccount>;

/** The reserve and deposit most specs open with: the Root's minimum reserve (1 TON) and 10 TON. */
export const RESERVE = toNano('1');
export const DEPOSIT = toNano('10');

/** A demand profile with every field set (distinct values, so a field mix-up shows). */
export const DEMAND: DemandProfile = {
    $$type: 'DemandProfile',
    model: HASHES.model,
    tokensPerDay: 5_000_000n,
    promptTokens: 1_200n,
    completionTokens: 350n,
};

// ---------------------------------------------------------------------------------------------
// Actors and accounts
// ---------------------------------------------------------------------------------------------

/** A proxy node registered, bound to its TEE key and staked: active and listed. */
export async function activeProxy(env: Env, seed = 'proxy'): Promise<Node> {
    const node = await createNode(env, 'proxy', { seed });
    await activate(env, node);
    return node;
}

/** The escrow of `client` with `proxy` under `key` (default: the proxy's own key), opened in the sandbox. */
export async function escrowOf(env: Env, proxy: Node | Address, client: Address, key?: KeyPair | bigint): Promise<EscrowContract> {
    const providerAddress = proxy instanceof Address ? proxy : proxy.provider.address;
    const k = key === undefined ? (proxy as Node).key : key;
    const keyInt = typeof k === 'bigint' ? k : publicKeyInt(k);
    return env.blockchain.openContract(await escrowFor(env.root.address, providerAddress, keyInt, client));
}

/** The payout account of (workerOwner, workerNode) with `proxy` under `key` (default: the proxy's key). */
export async function payoutAccountOf(
    env: Env,
    proxy: Node,
    workerOwner: Address,
    workerNode = 0n,
    key: KeyPair = proxy.key,
): Promise<PayoutContract> {
    return env.blockchain.openContract(
        await payoutAccountFor(env.root.address, proxy.provider.address, publicKeyInt(key), workerOwner, workerNode),
    );
}

export interface OpenArgs {
    deposit?: bigint;
    reserve?: bigint;
    demand?: DemandProfile | null;
    queryId?: bigint;
    /** The whole value attached; default deposit + OPEN_OVERHEAD. */
    value?: bigint;
    /** Sent from this actor instead of the client. */
    via?: Actor;
}

/** Sends OpenEscrow (with the escrow's StateInit while it has no account). */
export function sendOpen(env: Env, escrow: EscrowContract, client: Actor, a: OpenArgs = {}): Promise<SendMessageResult> {
    const deposit = a.deposit ?? DEPOSIT;
    return escrow.send(
        (a.via ?? client).getSender(),
        { value: a.value ?? deposit + OPEN_OVERHEAD },
        { $$type: 'OpenEscrow', queryId: a.queryId ?? 0n, reserve: a.reserve ?? RESERVE, demand: a.demand === undefined ? null : a.demand },
    );
}

/** Opens the escrow of `client` with `proxy` and expects it open with the deposit held. */
export async function openEscrow(env: Env, proxy: Node, client: Actor, a: OpenArgs & { key?: KeyPair } = {}) {
    const escrow = await escrowOf(env, proxy, client.address, a.key);
    const result = await sendOpen(env, escrow, client, a);
    expect(result.transactions).toHaveTransaction({ from: client.address, to: escrow.address, success: true });
    const s = await escrow.getState();
    expect(s.status).toBe(ESCROW_OPEN);
    expect(s.balanceHeld).toBe(a.deposit ?? DEPOSIT);
    return { escrow, result };
}

// ---------------------------------------------------------------------------------------------
// Vouchers
// ---------------------------------------------------------------------------------------------

export interface VoucherArgs {
    seqno: bigint;
    tokens: bigint;
    amount: bigint;
    commission?: bigint;
    final?: boolean;
}

export function chargeVoucher(account: Address, a: VoucherArgs): Voucher {
    return {
        kind: KIND_CHARGE,
        account,
        seqno: a.seqno,
        tokens: a.tokens,
        amount: a.amount,
        commission: a.commission ?? 0n,
        final: a.final ?? false,
    };
}

export function payoutVoucher(account: Address, a: VoucherArgs): Voucher {
    return {
        kind: KIND_PAYOUT,
        account,
        seqno: a.seqno,
        tokens: a.tokens,
        amount: a.amount,
        commission: a.commission ?? 0n,
        final: a.final ?? false,
    };
}

/** A charge voucher for `account` signed by `key`. */
export function signCharge(key: KeyPair, account: Address, a: VoucherArgs): SignedVoucher {
    return signVoucher(chargeVoucher(account, a), key.secretKey);
}

/** A payout voucher for `account` signed by `key`. */
export function signPayout(key: KeyPair, account: Address, a: VoucherArgs): SignedVoucher {
    return signVoucher(payoutVoucher(account, a), key.secretKey);
}

/** The voucher cell laid out by hand (no range checks), e.g. a charge with a commission. */
export function rawVoucherCell(v: Voucher & { tag?: number }): Cell {
    return beginCell()
        .storeUint(v.tag ?? VOUCHER_TAG, 32)
        .storeUint(v.kind, 8)
        .storeAddress(v.account)
        .storeUint(v.seqno, 64)
        .storeUint(v.tokens, 64)
        .storeCoins(v.amount)
        .storeCoins(v.commission)
        .storeBit(v.final)
        .endCell();
}

/** SubmitCharge of any voucher cell, signed by `key` over its hash (wrappers/vouchers.ts would refuse to build some). */
export function rawChargeBody(key: KeyPair, cell: Cell, queryId = 0n): Cell {
    return beginCell()
        .store(storeSubmitCharge({ $$type: 'SubmitCharge', queryId, signature: sign(cell.hash(), key.secretKey), voucher: cell }))
        .endCell();
}

/** The same signature over a voucher changed after signing. */
export function tampered(sv: SignedVoucher, change: Partial<Voucher>): SignedVoucher {
    return { signature: sv.signature, voucher: { ...sv.voucher, ...change } };
}

export interface SubmitArgs {
    via?: Actor;
    value?: bigint;
    queryId?: bigint;
}

/** Sends a body to `to` from an actor (a stranger by default: submitting is permissionless). */
export function sendBody(env: Env, to: Address, body: Cell, a: SubmitArgs = {}): Promise<SendMessageResult> {
    return (a.via ?? env.stranger).send({ to, value: a.value ?? SUBMIT_VALUE, body });
}

/** Submits a signed charge voucher to an escrow. */
export function submitCharge(env: Env, escrow: Address | EscrowContract, sv: SignedVoucher, a: SubmitArgs = {}) {
    const to = escrow instanceof Address ? escrow : escrow.address;
    return sendBody(env, to, submitChargeBody(sv, a.queryId ?? 0n), a);
}

/** Submits a signed payout voucher, deploying the payout account with the first one. */
export async function submitPayout(env: Env, account: PayoutContract, sv: SignedVoucher, a: SubmitArgs = {}) {
    const deployed = (await env.blockchain.getContract(account.address)).accountState?.type === 'active';
    return (a.via ?? env.stranger).send({
        to: account.address,
        value: a.value ?? SUBMIT_VALUE,
        body: submitPayoutBody(sv, a.queryId ?? 0n),
        init: deployed ? undefined : account.init,
    });
}

/** A charge that is expected to settle: accepted by the escrow and credited by the proxy's Provider. */
export async function charge(env: Env, escrow: EscrowContract, proxy: Node, a: VoucherArgs, key: KeyPair = proxy.key) {
    const result = await submitCharge(env, escrow, signCharge(key, escrow.address, a));
    expect(result.transactions).toHaveTransaction({ to: escrow.address, op: Escrow.opcodes.SubmitCharge, success: true });
    expect(result.transactions).toHaveTransaction({
        from: escrow.address,
        to: proxy.provider.address,
        op: Escrow.opcodes.ChargeSettled,
        success: true,
    });
    return result;
}

/** A payout that is expected to be paid: accepted by the account and released by the pool. */
export async function payout(env: Env, account: PayoutContract, proxy: Node, a: VoucherArgs, key: KeyPair = proxy.key) {
    const result = await submitPayout(env, account, signPayout(key, account.address, a));
    expect(result.transactions).toHaveTransaction({ to: account.address, op: Escrow.opcodes.SubmitPayout, success: true });
    expect(result.transactions).toHaveTransaction({
        from: account.address,
        to: proxy.provider.address,
        op: Escrow.opcodes.PayoutRequested,
        success: true,
    });
    return result;
}

/** The client's messages, with the helpers' default value. */
export const client = {
    topUp: (e: EscrowContract, c: Actor, value: bigint, queryId = 0n) => e.send(c.getSender(), { value }, { $$type: 'TopUp', queryId }),
    withdraw: (e: EscrowContract, c: Actor, amount: bigint, value = CLIENT_ACTION_VALUE, queryId = 0n) =>
        e.send(c.getSender(), { value }, { $$type: 'WithdrawAvailable', queryId, amount }),
    requestClose: (e: EscrowContract, c: Actor, value = CLIENT_ACTION_VALUE, queryId = 0n) =>
        e.send(c.getSender(), { value }, { $$type: 'RequestClose', queryId }),
    finalizeClose: (e: EscrowContract, c: Actor, value = CLIENT_ACTION_VALUE, queryId = 0n) =>
        e.send(c.getSender(), { value }, { $$type: 'FinalizeClose', queryId }),
};

/** The proxy owner's and anyone's pool messages. */
export const pool = {
    withdrawCommission: (proxy: Node, via: Actor, amount: bigint, value = COMMISSION_VALUE, queryId = 0n) =>
        proxy.provider.send(via.getSender(), { value }, { $$type: 'WithdrawCommission', queryId, amount }),
    sendProtocolFee: (proxy: Node, via: Actor, value = COMMISSION_VALUE, queryId = 0n) =>
        proxy.provider.send(via.getSender(), { value }, { $$type: 'SendProtocolFee', queryId }),
};

/** The protocol fee the Provider sets aside on a settled amount. */
export function feeOn(amount: bigint, feeBps: bigint): bigint {
    return (amount * feeBps) / 10_000n;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** The events of the job escrow: an escrow's opening and closing (charges and payouts emit none, for gas). */
export type EscrowEvent = EscrowOpened | EscrowClosed;

const EVENT_LOADERS: Record<EscrowEvent['$$type'], (s: Slice) => EscrowEvent> = {
    EscrowOpened: loadEscrowOpened,
    EscrowClosed: loadEscrowClosed,
};

/** Decodes an escrow event with the generated loader of its opcode; throws on anything else. */
export function decodeEscrowEvent(body: Cell): EscrowEvent {
    const op = body.beginParse().preloadUint(32);
    for (const [name, loader] of Object.entries(EVENT_LOADERS)) {
        if ((Escrow.opcodes as Record<string, number>)[name] === op) {
            const s = body.beginParse();
            const event = loader(s);
            expect(s.remainingBits).toBe(0);
            expect(s.remainingRefs).toBe(0);
            return event;
        }
    }
    throw new Error(`not an escrow event: opcode 0x${op.toString(16)}`);
}

/** Every event `address` emitted in `result`, decoded, in order. */
export function escrowEvents(result: SendMessageResult, address: Address): EscrowEvent[] {
    return result.externals.filter((e) => e.info.src.equals(address)).map((e) => decodeEscrowEvent(e.body));
}

export function eventsOfKind<K extends EscrowEvent['$$type']>(result: SendMessageResult, address: Address, kind: K) {
    return escrowEvents(result, address).filter((e): e is Extract<EscrowEvent, { $$type: K }> => e.$$type === kind);
}

/** [charged, tokens, refunded, cooperative] of each EscrowClosed, in order. */
export function closedEvents(result: SendMessageResult, escrow: Address): [bigint, bigint, bigint, boolean][] {
    return eventsOfKind(result, escrow, 'EscrowClosed').map((e) => [e.charged, e.tokens, e.refunded, e.cooperative]);
}

/**
 * The value of the single excess the Provider returned to a submitter after a settlement or a
 * payout: a plain transfer without a body (the cheapest message).
 */
export function settlementExcess(result: SendMessageResult, provider: Address, to: Address): bigint {
    const out: bigint[] = [];
    for (const tx of result.transactions) {
        const m = tx.inMessage;
        if (m?.info.type !== 'internal' || !m.info.src.equals(provider) || !m.info.dest.equals(to)) continue;
        if (m.body.bits.length !== 0 || m.body.refs.length !== 0) continue;
        expect(m.info.bounce).toBe(false);
        out.push(m.info.value.coins);
    }
    expect(out).toHaveLength(1);
    return out[0];
}

// ---------------------------------------------------------------------------------------------
// Getters in short
// ---------------------------------------------------------------------------------------------

/** [status, balanceHeld, charged, tokens, seqno] of the escrow. */
export async function escrowCounters(e: EscrowContract): Promise<[bigint, bigint, bigint, bigint, bigint]> {
    const s = await e.getState();
    return [s.status, s.balanceHeld, s.charged, s.tokens, s.seqno];
}

/** [seqno, tokens, paid, commission] of the payout account. */
export async function payoutCounters(a: PayoutContract): Promise<[bigint, bigint, bigint, bigint]> {
    const s = await a.getState();
    return [s.seqno, s.tokens, s.paid, s.commission];
}

/** The values of the internal messages from `from` to `to` in `result`, in order. */
export function valuesBetween(result: SendMessageResult, from: Address, to: Address): bigint[] {
    const out: bigint[] = [];
    for (const tx of result.transactions) {
        const m = tx.inMessage;
        if (m?.info.type === 'internal' && m.info.src.equals(from) && m.info.dest.equals(to)) out.push(m.info.value.coins);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Refusals: exit code and nothing changed
// ---------------------------------------------------------------------------------------------

export interface AccountCapture {
    active: boolean;
    /** The persistent data; the init data while the account is not active. */
    data: Cell;
    balance: bigint;
    /** The `state` getter (plain), null while the account is not active. */
    state: unknown;
}

async function captureAccount(env: Env, address: Address, init: Cell, getState: () => Promise<unknown>): Promise<AccountCapture> {
    const account = await env.blockchain.getContract(address);
    const s = account.accountState;
    if (s?.type !== 'active') return { active: false, data: init, balance: account.balance, state: null };
    return { active: true, data: s.state.data!, balance: account.balance, state: plain(await getState()) };
}

/** Storage, balance and `state` getter of an escrow. */
export function captureEscrow(env: Env, e: EscrowContract): Promise<AccountCapture> {
    return captureAccount(env, e.address, e.init!.data, () => e.getState());
}

/** Storage, balance and `state` getter of a payout account. */
export function capturePayout(env: Env, a: PayoutContract): Promise<AccountCapture> {
    return captureAccount(env, a.address, a.init!.data, () => a.getState());
}

/**
 * Nothing observable changed on the account: the same storage bit for bit and the same `state`,
 * no event, and the balance lower by exactly the storage fees it paid in `result` (a refused
 * message's value went back with the bounce, less the fees of that attempt). An account that did
 * not exist may have been activated by the refused message's StateInit, but only with its init
 * data (Tact's "not initialised" storage) and no balance.
 */
export async function expectAccountUnchanged(address: Address, before: AccountCapture, after: AccountCapture, result?: SendMessageResult) {
    expect(after.data.hash().toString('hex')).toBe(before.data.hash().toString('hex'));
    if (before.active) {
        expect(after.active).toBe(true);
        expect(after.state).toEqual(before.state);
    }
    if (result) {
        expect(escrowEvents(result, address)).toEqual([]);
        expect(after.balance).toBe(before.balance - storageFees(result, address));
    }
}

export async function expectEscrowUnchanged(env: Env, e: EscrowContract, before: AccountCapture, result?: SendMessageResult) {
    await expectAccountUnchanged(e.address, before, await captureEscrow(env, e), result);
}

export async function expectPayoutUnchanged(env: Env, a: PayoutContract, before: AccountCapture, result?: SendMessageResult) {
    await expectAccountUnchanged(a.address, before, await capturePayout(env, a), result);
}

/** The message from `from` to `to` was refused with `exitCode` (a wrapper constant) and bounced back. */
export function expectRefusedWith(result: SendMessageResult, from: Address, to: Address, exitCode: bigint) {
    expect(result.transactions).toHaveTransaction({ from, to, success: false, aborted: true, exitCode: Number(exitCode) });
    expect(result.transactions).toHaveTransaction({ from: to, to: from, inMessageBounced: true });
}

/**
 * Runs a refused `action` sent from the wallet `from` to `to` and checks the bounce returned the
 * value: the two balances together went down by exactly the fees both paid. (Skipped for messages
 * pushed straight into the sandbox, which no wallet paid for.)
 */
async function bouncedWhole(env: Env, from: Address, to: Address, action: () => Promise<SendMessageResult>) {
    const before = [await balanceOf(env, from), await balanceOf(env, to)];
    const result = await action();
    const first = result.transactions[0];
    const onTwo = result.transactions.every((tx) => {
        const on = flattenTransaction(tx).on;
        return on !== undefined && (on.equals(from) || on.equals(to));
    });
    if (first?.inMessage?.info.type === 'external-in' && onTwo) {
        const after = [await balanceOf(env, from), await balanceOf(env, to)];
        expect(after[0] + after[1] - before[0] - before[1]).toBe(-(feesPaid(result, from) + feesPaid(result, to)));
    }
    return result;
}

/**
 * A refusal check for one kind of account: captures it, runs `action`, and checks it was refused
 * with `exitCode`, bounced whole and changed nothing.
 */
function accountRefuses<C extends EscrowContract | PayoutContract>(
    capture: (env: Env, c: C) => Promise<AccountCapture>,
    unchanged: (env: Env, c: C, before: AccountCapture, result: SendMessageResult) => Promise<void>,
) {
    return async (env: Env, c: C, from: Address, exitCode: bigint, action: () => Promise<SendMessageResult>) => {
        const before = await capture(env, c);
        const result = await bouncedWhole(env, from, c.address, action);
        expectRefusedWith(result, from, c.address, exitCode);
        await unchanged(env, c, before, result);
        return result;
    };
}

/** The escrow refused the message with `exitCode`, bounced it whole and changed nothing. */
export const escrowRefuses = accountRefuses(captureEscrow, expectEscrowUnchanged);

/** The payout account refused the message with `exitCode`, bounced it whole and changed nothing. */
export const payoutRefuses = accountRefuses(capturePayout, expectPayoutUnchanged);

export interface PoolCapture {
    data: Cell;
    balance: bigint;
    /** poolState(), plain. */
    pool: unknown;
}

/** The proxy Provider's storage, balance and pool. (Its other getters read the same storage.) */
export async function capturePool(env: Env, proxy: Node): Promise<PoolCapture> {
    const account = await env.blockchain.getContract(proxy.provider.address);
    const s = account.accountState;
    if (s?.type !== 'active') throw new Error(`Provider ${proxy.provider.address} is not active`);
    return { data: s.state.data!, balance: account.balance, pool: plain(await proxy.provider.getPoolState()) };
}

/**
 * The proxy's Provider is as captured: the same storage bit for bit (so every getter, the pool's
 * included, answers the same), no event, and the balance lower by exactly the storage fees it paid.
 */
export async function expectPoolUnchanged(env: Env, proxy: Node, before: PoolCapture, result?: SendMessageResult) {
    const after = await capturePool(env, proxy);
    expect(after.pool).toEqual(before.pool);
    expect(after.data.hash().toString('hex')).toBe(before.data.hash().toString('hex'));
    if (result) {
        expect(result.externals.filter((e) => e.info.src.equals(proxy.provider.address))).toEqual([]);
        expect(after.balance).toBe(before.balance - storageFees(result, proxy.provider.address));
    }
}

/** Captures the pool, runs `action`, and checks the Provider refused the message from `from` with `exitCode`. */
export async function poolRefuses(env: Env, proxy: Node, from: Address, exitCode: bigint, action: () => Promise<SendMessageResult>) {
    const before = await capturePool(env, proxy);
    const result = await bouncedWhole(env, from, proxy.provider.address, action);
    expectRefusedWith(result, from, proxy.provider.address, exitCode);
    await expectPoolUnchanged(env, proxy, before, result);
    return result;
}

/** Pushes a message from any address (a contract's, to act as it) straight into the sandbox. */
export function sendFrom(env: Env, from: Address, to: Address, body: Cell, value = toNano('0.1')) {
    return env.blockchain.sendMessage(internal({ from, to, value, body }));
}

export { balanceOf };
