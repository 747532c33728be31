/**
 * A reference model of the job escrow's accounting (decision 0004, docs/vouchers.md), used by the
 * seeded property test tests/escrow/conservation.spec.ts. It knows nothing of TVM, gas or fees:
 * it keeps, in nanoton and plain integers, what the contracts are meant to keep:
 *
 * - per Escrow: status, reserve, balanceHeld, charged, tokens, seqno, closeAt, closeDelay (the
 *   `state` getter), plus what was deposited, withdrawn and refunded on it;
 * - per PayoutAccount: seqno, tokens, paid, commission (the `state` getter);
 * - per proxy Provider: pool, commissionReleased, feeOwed, feeBps, the bound and the previous TEE
 *   key with the end of its grace, tokensServed, settlements, payouts (the `poolState` getter),
 *   and the stake it holds;
 * - what each client, worker owner, proxy owner and the treasury is owed by the protocol so far
 *   (`entitled`): withdrawals and refunds of balanceHeld, worker payouts, commission withdrawn,
 *   protocol fees sent, slashes;
 * - the Root's pending slash and release proposals (docs/contracts/slashing.md) and whether each
 *   proxy's withdrawals are frozen.
 *
 * Every action mirrors one receiver chain, with its checks in the contract's order, and returns
 * an Outcome: which transactions must accept or refuse (with which exit code), and what the
 * step owes each actor. The spec compares that with the sandbox. The model is plain data
 * (Maps, bigints), so structuredClone snapshots it.
 */
import {
    ERR_ABOVE_AVAILABLE,
    ERR_ABOVE_COMMISSION,
    ERR_CLOSE_TOO_EARLY,
    ERR_ESCROW_STATE,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_CLIENT,
    ERR_NOT_OWN_ACCOUNT,
    ERR_NOT_OWNER,
    ERR_POOL_SHORT,
    ERR_VOUCHER_ACCOUNT,
    ERR_VOUCHER_DECREASING,
    ERR_VOUCHER_KIND,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_GAS_ALLOWANCE,
    ESCROW_NEW,
    ESCROW_OPEN,
    ESCROW_OPENING,
    ESCROW_ROOT_QUERY_VALUE,
    ESCROW_STORAGE_BUFFER,
    KIND_CHARGE,
    KIND_PAYOUT,
    MIN_VALUE_COMMISSION,
    MIN_VALUE_SUBMIT,
} from '../../wrappers/Escrow';
import {
    ERR_ALREADY_JAILED,
    ERR_EVIDENCE_SIGNATURE,
    ERR_KEY_CONVICTED,
    ERR_NO_CONFLICT,
    ERR_NOTHING_TO_SLASH,
    MIN_VALUE_EVIDENCE,
} from '../../wrappers/Provider';
import {
    ERR_INVALID_SLASH,
    ERR_NOT_GOVERNANCE_OR_GUARDIAN,
    ERR_PROPOSAL_EXPIRED,
    ERR_PROPOSAL_NOT_FOUND,
    ERR_PROPOSAL_TOO_EARLY,
    MIN_VALUE_ENFORCE,
    MIN_VALUE_GOVERNANCE,
    PROPOSAL_GRACE_PERIOD,
} from '../../wrappers/Root';

/** An account, as `Address.toRawString()` writes it. */
export type Id = string;

/** What OpenEscrow keeps on top of the deposit (storage buffer, Root query, gas allowance). */
export const OPEN_KEEPS = ESCROW_STORAGE_BUFFER + ESCROW_ROOT_QUERY_VALUE + ESCROW_GAS_ALLOWANCE;

/** Stands for "refused, with no particular exit code": a rule of the docs no receiver names. */
export const ANY_REFUSAL = -1;

export interface EscrowModel {
    id: Id;
    client: Id;
    /** Index of the proxy Provider the escrow names. */
    proxy: number;
    teeKey: bigint;
    status: bigint;
    reserve: bigint;
    balanceHeld: bigint;
    charged: bigint;
    tokens: bigint;
    seqno: bigint;
    closeAt: bigint;
    closeDelay: bigint;
    /** Accounting identity: deposited = balanceHeld + charged + withdrawn + refunded. */
    deposited: bigint;
    withdrawn: bigint;
    refunded: bigint;
}

export interface PayoutModel {
    id: Id;
    proxy: number;
    teeKey: bigint;
    worker: Id;
    node: bigint;
    seqno: bigint;
    tokens: bigint;
    paid: bigint;
    commission: bigint;
    /** A final payout voucher was taken (and not undone): nothing after it is accepted. */
    finalTaken: boolean;
}

export interface ProxyModel {
    id: Id;
    owner: Id;
    pool: bigint;
    commissionReleased: bigint;
    feeOwed: bigint;
    feeBps: bigint;
    teeKey: bigint;
    prevTeeKey: bigint;
    prevKeyUntil: bigint;
    tokensServed: bigint;
    settlements: bigint;
    payouts: bigint;
    stake: bigint;
    unbonding: bigint;
    /** Cumulative commission the owner withdrew (invariant 5: never above what was released). */
    commissionWithdrawn: bigint;
    commissionEverReleased: bigint;
    /** Jailed (docs/contracts/slashing.md): by evidence or by an executed governance slash. */
    jailed: boolean;
    /** Jailed for equivocation and not released since: evidence is refused, no key is bound. */
    convictedJail: boolean;
    /** The keys proven to equivocate: cleared from the keys, never bound again. */
    convicted: bigint[];
}

/** A slash or release proposal pending at the Root (docs/contracts/slashing.md). */
export interface GovernanceProposal {
    id: bigint;
    kind: 'slash' | 'release';
    proxy: number;
    amount: bigint;
    executeAfter: bigint;
    expiresAt: bigint;
}

export interface ModelParams {
    minEscrowReserve: bigint;
    clientCloseDelay: bigint;
    attestationLifetime: bigint;
    treasury: Id;
    equivocationSlashBps: bigint;
    reporterShareBps: bigint;
    reporterRewardCap: bigint;
    vetoWindow: bigint;
    governanceDelay: bigint;
}

/** One transaction the step must contain, on `at`, with this compute exit code (0: accepted). */
export interface Hop {
    at: Id;
    exitCode: number;
    /** The transaction handles a bounced message (the undo of a refused settlement). */
    bounced?: boolean;
    what: string;
}

export interface Outcome {
    hops: Hop[];
    /** What this step owes each actor exactly (workers, treasury) or at least (the rest). */
    entitled: Map<Id, bigint>;
    /** What may come back to an actor on top: the value it attached (excesses, bounces). */
    allowance: Map<Id, bigint>;
    /** Escrows that closed in this step: everything above the storage buffer goes to the client. */
    closed: Id[];
    /** Charge settled (escrow side, after any undo) by a charge step: for invariant 4. */
    settled?: bigint;
    /** The Provider refused the settlement or payout and the account undid it. */
    undone?: boolean;
    /** What a slash sent the treasury (not a protocol fee). */
    slashedToTreasury?: bigint;
}

function add(m: Map<Id, bigint>, k: Id, v: bigint) {
    m.set(k, (m.get(k) ?? 0n) + v);
}

function outcome(): Outcome {
    return { hops: [], entitled: new Map(), allowance: new Map(), closed: [] };
}

function refused(at: Id, exitCode: bigint | number, what: string, sender: Id, value: bigint): Outcome {
    const o = outcome();
    o.hops.push({ at, exitCode: Number(exitCode), what });
    add(o.allowance, sender, value);
    return o;
}

/** The voucher as the model sees it: its fields and which key signed it. */
export interface ModelVoucher {
    kind: number;
    account: Id;
    seqno: bigint;
    tokens: bigint;
    amount: bigint;
    commission: bigint;
    final: boolean;
    /** Public key (as the contracts hold it) of the key that signed. */
    signer: bigint;
}

export class Model {
    escrows = new Map<Id, EscrowModel>();
    payouts = new Map<Id, PayoutModel>();
    proxies: ProxyModel[] = [];
    /** Cumulative entitlements per actor: see `Outcome.entitled`. */
    entitled = new Map<Id, bigint>();
    /** Fees sent to the treasury, in total and per proxy. */
    feesSent = 0n;
    feeSentBy = new Map<number, bigint>();
    /** What slashes sent the treasury. */
    slashedToTreasury = 0n;
    /** The Root's pending slash and release proposals, and the id its next proposal gets. */
    governance: GovernanceProposal[] = [];
    nextProposalId = 0n;

    /** Refuse payout vouchers after a final one, as docs/vouchers.md describes (see PayoutModel). */

    constructor(
        readonly params: ModelParams,
        readonly root: Id,
    ) {}

    static restore(data: Model): Model {
        return Object.assign(Object.create(Model.prototype) as Model, structuredClone({ ...data }));
    }

    clone(): Model {
        return Model.restore(this);
    }

    addProxy(p: Omit<ProxyModel, 'commissionWithdrawn' | 'commissionEverReleased' | 'jailed' | 'convictedJail' | 'convicted'>) {
        this.proxies.push({
            ...p,
            commissionWithdrawn: 0n,
            commissionEverReleased: 0n,
            jailed: false,
            convictedJail: false,
            convicted: [],
        });
        return this.proxies.length - 1;
    }

    /** The escrow of (client, proxy, key), created NEW the first time it is named. */
    escrow(id: Id, client: Id, proxy: number, teeKey: bigint): EscrowModel {
        let e = this.escrows.get(id);
        if (!e) {
            e = {
                id,
                client,
                proxy,
                teeKey,
                status: ESCROW_NEW,
                reserve: 0n,
                balanceHeld: 0n,
                charged: 0n,
                tokens: 0n,
                seqno: 0n,
                closeAt: 0n,
                closeDelay: 0n,
                deposited: 0n,
                withdrawn: 0n,
                refunded: 0n,
            };
            this.escrows.set(id, e);
        }
        return e;
    }

    payout(id: Id, proxy: number, teeKey: bigint, worker: Id, node: bigint): PayoutModel {
        let a = this.payouts.get(id);
        if (!a) {
            a = { id, proxy, teeKey, worker, node, seqno: 0n, tokens: 0n, paid: 0n, commission: 0n, finalTaken: false };
            this.payouts.set(id, a);
        }
        return a;
    }

    /** Provider.keySettles: the bound key, or the replaced one until the end of its grace. */
    keySettles(proxy: number, key: bigint, now: bigint): boolean {
        const p = this.proxies[proxy];
        return key === p.teeKey || (key === p.prevTeeKey && key !== 0n && now < p.prevKeyUntil);
    }

    private entitle(o: Outcome, actor: Id, amount: bigint) {
        add(o.entitled, actor, amount);
        add(this.entitled, actor, amount);
    }

    // ---- client -> Escrow ----

    open(e: EscrowModel, from: Id, value: bigint, reserve: bigint): Outcome {
        if (from !== e.client) return refused(e.id, ERR_NOT_CLIENT, 'OpenEscrow', from, value);
        if (e.status !== ESCROW_NEW) return refused(e.id, ERR_ESCROW_STATE, 'OpenEscrow', from, value);
        const deposit = value - OPEN_KEEPS;
        if (deposit < reserve) return refused(e.id, ERR_INSUFFICIENT_VALUE, 'OpenEscrow', from, value);
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what: 'OpenEscrow' });
        o.hops.push({ at: this.root, exitCode: 0, what: 'QueryParams' });
        o.hops.push({ at: e.id, exitCode: 0, what: 'RootParams' });
        if (reserve < this.params.minEscrowReserve) {
            // Refused opening: everything goes back and the account is destroyed (NEW again).
            this.entitle(o, e.client, deposit);
            add(o.allowance, from, OPEN_KEEPS);
            Object.assign(e, { status: ESCROW_NEW, reserve: 0n, balanceHeld: 0n, closeDelay: 0n });
            return o;
        }
        e.status = ESCROW_OPEN;
        e.reserve = reserve;
        e.balanceHeld = deposit;
        e.deposited += deposit;
        e.closeDelay = this.params.clientCloseDelay;
        return o;
    }

    topUp(e: EscrowModel, from: Id, value: bigint): Outcome {
        if (from !== e.client) return refused(e.id, ERR_NOT_CLIENT, 'TopUp', from, value);
        if (e.status !== ESCROW_OPEN && e.status !== ESCROW_OPENING) return refused(e.id, ERR_ESCROW_STATE, 'TopUp', from, value);
        if (value <= ESCROW_GAS_ALLOWANCE) return refused(e.id, ERR_INSUFFICIENT_VALUE, 'TopUp', from, value);
        e.balanceHeld += value - ESCROW_GAS_ALLOWANCE;
        e.deposited += value - ESCROW_GAS_ALLOWANCE;
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what: 'TopUp' });
        return o;
    }

    withdraw(e: EscrowModel, from: Id, amount: bigint, value: bigint): Outcome {
        if (from !== e.client) return refused(e.id, ERR_NOT_CLIENT, 'WithdrawAvailable', from, value);
        if (e.status !== ESCROW_OPEN) return refused(e.id, ERR_ESCROW_STATE, 'WithdrawAvailable', from, value);
        if (value < ESCROW_GAS_ALLOWANCE) return refused(e.id, ERR_INSUFFICIENT_VALUE, 'WithdrawAvailable', from, value);
        if (!(amount > 0n && amount <= e.balanceHeld - e.reserve))
            return refused(e.id, ERR_ABOVE_AVAILABLE, 'WithdrawAvailable', from, value);
        e.balanceHeld -= amount;
        e.withdrawn += amount;
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what: 'WithdrawAvailable' });
        this.entitle(o, e.client, amount);
        add(o.allowance, from, value);
        return o;
    }

    requestClose(e: EscrowModel, from: Id, value: bigint, now: bigint): Outcome {
        if (from !== e.client) return refused(e.id, ERR_NOT_CLIENT, 'RequestClose', from, value);
        if (e.status !== ESCROW_OPEN) return refused(e.id, ERR_ESCROW_STATE, 'RequestClose', from, value);
        if (value < ESCROW_GAS_ALLOWANCE) return refused(e.id, ERR_INSUFFICIENT_VALUE, 'RequestClose', from, value);
        e.status = ESCROW_CLOSING;
        e.closeAt = now + e.closeDelay;
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what: 'RequestClose' });
        // The escrow keeps the value (its gas); it returns with everything else at close.
        return o;
    }

    finalize(e: EscrowModel, from: Id, value: bigint, now: bigint): Outcome {
        if (from !== e.client) return refused(e.id, ERR_NOT_CLIENT, 'FinalizeClose', from, value);
        if (e.status !== ESCROW_CLOSING && e.status !== ESCROW_CLOSED) return refused(e.id, ERR_ESCROW_STATE, 'FinalizeClose', from, value);
        if (now < e.closeAt) return refused(e.id, ERR_CLOSE_TOO_EARLY, 'FinalizeClose', from, value);
        if (value < ESCROW_GAS_ALLOWANCE) return refused(e.id, ERR_INSUFFICIENT_VALUE, 'FinalizeClose', from, value);
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what: 'FinalizeClose' });
        add(o.allowance, from, value);
        this.close(e, o);
        return o;
    }

    private close(e: EscrowModel, o: Outcome) {
        e.status = ESCROW_CLOSED;
        e.closeAt = 0n; // a later FinalizeClose (sweeping a bounce) need not wait
        this.entitle(o, e.client, e.balanceHeld);
        e.refunded += e.balanceHeld;
        e.balanceHeld = 0n;
        o.closed.push(e.id);
    }

    // ---- anyone -> Escrow -> proxy Provider ----

    charge(e: EscrowModel, v: ModelVoucher, from: Id, value: bigint, now: bigint): Outcome {
        const what = 'SubmitCharge';
        if (!(e.status === ESCROW_OPEN || (e.status === ESCROW_CLOSING && now < e.closeAt)))
            return refused(e.id, ERR_ESCROW_STATE, what, from, value);
        if (value < MIN_VALUE_SUBMIT) return refused(e.id, ERR_INSUFFICIENT_VALUE, what, from, value);
        if (v.signer !== e.teeKey) return refused(e.id, ERR_VOUCHER_SIGNATURE, what, from, value);
        if (v.account !== e.id) return refused(e.id, ERR_VOUCHER_ACCOUNT, what, from, value);
        if (v.kind !== Number(KIND_CHARGE) || v.commission !== 0n) return refused(e.id, ERR_VOUCHER_KIND, what, from, value);
        if (v.seqno <= e.seqno) return refused(e.id, ERR_VOUCHER_NOT_NEWER, what, from, value);
        if (v.amount < e.charged || v.tokens < e.tokens) return refused(e.id, ERR_VOUCHER_DECREASING, what, from, value);
        const amount = v.amount - e.charged < e.balanceHeld ? v.amount - e.charged : e.balanceHeld;
        const tokens = v.tokens - e.tokens;
        e.seqno = v.seqno;
        e.tokens = v.tokens;
        e.charged += amount;
        e.balanceHeld -= amount;
        const o = outcome();
        o.hops.push({ at: e.id, exitCode: 0, what });
        if (v.final) this.close(e, o); // cooperative close, in the same transaction
        const p = this.proxies[e.proxy];
        if (this.keySettles(e.proxy, e.teeKey, now)) {
            o.hops.push({ at: p.id, exitCode: 0, what: 'ChargeSettled' });
            const fee = (amount * this.feeBps(e.proxy)) / 10000n;
            p.feeOwed += fee;
            p.pool += amount - fee;
            p.tokensServed += tokens;
            p.settlements += 1n;
            add(o.allowance, from, value);
            o.settled = amount;
        } else {
            // The Provider does not credit this key (another proxy's, a rogue one, or a replaced
            // key after its grace): the settlement bounces and the escrow puts its counters back.
            o.hops.push({ at: p.id, exitCode: Number(ERR_NOT_OWN_ACCOUNT), what: 'ChargeSettled' });
            o.hops.push({ at: e.id, exitCode: 0, bounced: true, what: 'bounced ChargeSettled' });
            e.balanceHeld += amount;
            e.charged -= amount;
            e.tokens -= tokens;
            o.settled = 0n;
            o.undone = true;
            // The bounce's value stays in the escrow (returned to the client at close); after a
            // cooperative close the escrow returns it to the client at once.
            if ((e.status as bigint) === ESCROW_CLOSED) this.close(e, o);
        }
        return o;
    }

    // ---- anyone -> PayoutAccount -> proxy Provider ----

    payoutVoucher(a: PayoutModel, v: ModelVoucher, from: Id, value: bigint, now: bigint): Outcome {
        const what = 'SubmitPayout';
        // docs/vouchers.md, `final`: "The account's last voucher: nothing after it is accepted".
        if (a.finalTaken) return refused(a.id, ERR_ESCROW_STATE, `${what} after the final payout voucher`, from, value);
        if (value < MIN_VALUE_SUBMIT) return refused(a.id, ERR_INSUFFICIENT_VALUE, what, from, value);
        if (v.signer !== a.teeKey) return refused(a.id, ERR_VOUCHER_SIGNATURE, what, from, value);
        if (v.account !== a.id) return refused(a.id, ERR_VOUCHER_ACCOUNT, what, from, value);
        if (v.kind !== Number(KIND_PAYOUT)) return refused(a.id, ERR_VOUCHER_KIND, what, from, value);
        if (v.seqno <= a.seqno) return refused(a.id, ERR_VOUCHER_NOT_NEWER, what, from, value);
        if (v.amount < a.paid || v.commission < a.commission || v.tokens < a.tokens)
            return refused(a.id, ERR_VOUCHER_DECREASING, what, from, value);
        const amount = v.amount - a.paid;
        const commission = v.commission - a.commission;
        const tokens = v.tokens - a.tokens;
        a.seqno = v.seqno;
        a.tokens = v.tokens;
        a.paid = v.amount;
        a.commission = v.commission;
        const o = outcome();
        o.hops.push({ at: a.id, exitCode: 0, what });
        add(o.allowance, from, value);
        const p = this.proxies[a.proxy];
        const refuse = !this.keySettles(a.proxy, a.teeKey, now) ? ERR_NOT_OWN_ACCOUNT : p.pool < amount + commission ? ERR_POOL_SHORT : 0n;
        if (refuse !== 0n) {
            // The whole step is undone; the seqno stays used.
            o.hops.push({ at: p.id, exitCode: Number(refuse), what: 'PayoutRequested' });
            o.hops.push({ at: a.id, exitCode: 0, bounced: true, what: 'bounced PayoutRequested' });
            a.paid -= amount;
            a.commission -= commission;
            a.tokens -= tokens;
            o.undone = true;
            return o;
        }
        if (v.final) a.finalTaken = true;
        o.hops.push({ at: p.id, exitCode: 0, what: 'PayoutRequested' });
        p.pool -= amount + commission;
        p.commissionReleased += commission;
        p.commissionEverReleased += commission;
        p.payouts += 1n;
        this.entitle(o, a.worker, amount);
        return o;
    }

    // ---- proxy owner / anyone -> Provider ----

    withdrawCommission(proxy: number, from: Id, amount: bigint, value: bigint): Outcome {
        const p = this.proxies[proxy];
        const what = 'WithdrawCommission';
        if (from !== p.owner) return refused(p.id, ERR_NOT_OWNER, what, from, value);
        if (value < MIN_VALUE_COMMISSION) return refused(p.id, ERR_INSUFFICIENT_VALUE, what, from, value);
        if (!(amount > 0n && amount <= p.commissionReleased)) return refused(p.id, ERR_ABOVE_COMMISSION, what, from, value);
        const o = outcome();
        o.hops.push({ at: p.id, exitCode: 0, what });
        p.commissionReleased -= amount;
        p.commissionWithdrawn += amount;
        this.payFee(proxy, o);
        this.entitle(o, p.owner, amount);
        add(o.allowance, from, value);
        return o;
    }

    sendProtocolFee(proxy: number, from: Id, value: bigint): Outcome {
        const p = this.proxies[proxy];
        if (value < MIN_VALUE_COMMISSION) return refused(p.id, ERR_INSUFFICIENT_VALUE, 'SendProtocolFee', from, value);
        const o = outcome();
        o.hops.push({ at: p.id, exitCode: 0, what: 'SendProtocolFee' });
        this.payFee(proxy, o);
        add(o.allowance, from, value);
        return o;
    }

    private payFee(proxy: number, o: Outcome) {
        const p = this.proxies[proxy];
        if (p.feeOwed > 0n) {
            this.entitle(o, this.params.treasury, p.feeOwed);
            this.feesSent += p.feeOwed;
            this.feeSentBy.set(proxy, this.feeSentFor(proxy) + p.feeOwed);
            p.feeOwed = 0n;
        }
    }

    /** A binding the Root accepts (allowlisted image and root, expiry within the lifetime). */
    rebind(proxy: number, key: bigint, from: Id, value: bigint, now: bigint): Outcome {
        const p = this.proxies[proxy];
        if (p.convicted.includes(key)) return refused(p.id, ERR_KEY_CONVICTED, 'BindAttestation', from, value);
        if (p.convictedJail) return refused(p.id, ERR_ALREADY_JAILED, 'BindAttestation', from, value);
        // A convicted key was cleared (0): nothing to keep as the previous key then.
        if (key !== p.teeKey && p.teeKey !== 0n) {
            p.prevTeeKey = p.teeKey;
            p.prevKeyUntil = now + this.params.clientCloseDelay;
        }
        p.teeKey = key;
        const o = outcome();
        o.hops.push({ at: p.id, exitCode: 0, what: 'BindAttestation' });
        o.hops.push({ at: this.root, exitCode: 0, what: 'QueryImage' });
        o.hops.push({ at: p.id, exitCode: 0, what: 'ImageVerdict' });
        add(o.allowance, from, value);
        return o;
    }

    /**
     * SubmitEvidence: two vouchers for one account and kind, both signed by `signer`, that
     * `conflict` or not. The Provider's checks in its order, then the slash: the Root's fraction of
     * stake and unbonding stake, the reporter's capped share (with the rest of its value), the
     * treasury the remainder; the key is cleared and convicted; the Provider jailed
     * (docs/contracts/slashing.md). The delisting that follows is not predicted (open-ended).
     */
    evidence(proxy: number, signer: bigint, conflict: boolean, from: Id, value: bigint): Outcome {
        const p = this.proxies[proxy];
        const what = 'SubmitEvidence';
        if (value < MIN_VALUE_EVIDENCE) return refused(p.id, ERR_INSUFFICIENT_VALUE, what, from, value);
        if (p.convictedJail) return refused(p.id, ERR_ALREADY_JAILED, what, from, value);
        if (signer === 0n || (signer !== p.teeKey && signer !== p.prevTeeKey))
            return refused(p.id, ERR_EVIDENCE_SIGNATURE, what, from, value);
        if (!conflict) return refused(p.id, ERR_NO_CONFLICT, what, from, value);
        if (p.stake + p.unbonding === 0n) return refused(p.id, ERR_NOTHING_TO_SLASH, what, from, value);
        const { equivocationSlashBps: bps, reporterShareBps: share, reporterRewardCap: cap } = this.params;
        const fromStake = (p.stake * bps) / 10_000n;
        const fromUnbonding = (p.unbonding * bps) / 10_000n;
        const amount = fromStake + fromUnbonding;
        const shareAmount = (amount * share) / 10_000n;
        const reward = shareAmount < cap ? shareAmount : cap;
        p.stake -= fromStake;
        p.unbonding -= fromUnbonding;
        if (signer === p.teeKey) p.teeKey = 0n;
        else {
            p.prevTeeKey = 0n;
            p.prevKeyUntil = 0n;
        }
        p.convicted.push(signer);
        p.convictedJail = true;
        p.jailed = true;
        const o = outcome();
        o.hops.push({ at: p.id, exitCode: 0, what });
        this.entitle(o, this.params.treasury, amount - reward);
        this.entitle(o, from, reward);
        this.slashedToTreasury += amount - reward;
        o.slashedToTreasury = amount - reward;
        add(o.allowance, from, value);
        return o;
    }

    /** Whether a slash of the proxy is pending: its withdrawals are frozen. */
    frozen(proxy: number): boolean {
        return this.governance.some((g) => g.kind === 'slash' && g.proxy === proxy);
    }

    /**
     * ProposeSlash or ProposeRelease from governance. A slash is executable after the veto window
     * and freezes the proxy's withdrawals at once (FreezeWithdrawals to the Provider); a release
     * after the governance delay. Returns the outcome and the proposal (null when refused).
     */
    propose(kind: 'slash' | 'release', proxy: number, amount: bigint, from: Id, value: bigint, now: bigint) {
        const p = this.proxies[proxy];
        const what = kind === 'slash' ? 'ProposeSlash' : 'ProposeRelease';
        const min = kind === 'slash' ? MIN_VALUE_ENFORCE : MIN_VALUE_GOVERNANCE;
        if (value < min) return { o: refused(this.root, ERR_INSUFFICIENT_VALUE, what, from, value), g: null };
        if (kind === 'slash' && amount === 0n) return { o: refused(this.root, ERR_INVALID_SLASH, what, from, value), g: null };
        const executeAfter = now + (kind === 'slash' ? this.params.vetoWindow : this.params.governanceDelay);
        const g: GovernanceProposal = {
            id: this.nextProposalId++,
            kind,
            proxy,
            amount,
            executeAfter,
            expiresAt: executeAfter + PROPOSAL_GRACE_PERIOD,
        };
        this.governance.push(g);
        const o = outcome();
        o.hops.push({ at: this.root, exitCode: 0, what });
        if (kind === 'slash') o.hops.push({ at: p.id, exitCode: 0, what: 'FreezeWithdrawals' });
        add(o.allowance, from, value);
        return { o, g };
    }

    /**
     * CancelProposal: governance or the guardian (`authorized`) any time, anyone once expired; a
     * slash needs MIN_VALUE_ENFORCE and unfreezes the proxy when it was its last pending one.
     */
    cancel(id: bigint, from: Id, authorized: boolean, value: bigint, now: bigint): Outcome {
        const what = 'CancelProposal';
        if (value < MIN_VALUE_GOVERNANCE) return refused(this.root, ERR_INSUFFICIENT_VALUE, what, from, value);
        const g = this.governance.find((x) => x.id === id);
        if (!g) return refused(this.root, ERR_PROPOSAL_NOT_FOUND, what, from, value);
        if (!authorized && now <= g.expiresAt) return refused(this.root, ERR_NOT_GOVERNANCE_OR_GUARDIAN, what, from, value);
        if (g.kind === 'slash' && value < MIN_VALUE_ENFORCE) return refused(this.root, ERR_INSUFFICIENT_VALUE, what, from, value);
        this.governance = this.governance.filter((x) => x !== g);
        const o = outcome();
        o.hops.push({ at: this.root, exitCode: 0, what });
        if (g.kind === 'slash' && !this.frozen(g.proxy))
            o.hops.push({ at: this.proxies[g.proxy].id, exitCode: 0, what: 'UnfreezeWithdrawals' });
        add(o.allowance, from, value);
        return o;
    }

    /**
     * ExecuteProposal of a slash or a release, by anyone. A slash takes min(amount, stake +
     * unbonding), stake first, all for the treasury, jails the proxy and unfreezes it when no other
     * slash of it is pending; a release un-jails a jailed proxy. The delisting or listing that
     * follows is not predicted (open-ended).
     */
    execute(id: bigint, from: Id, value: bigint, now: bigint): Outcome {
        const what = 'ExecuteProposal';
        if (value < MIN_VALUE_GOVERNANCE) return refused(this.root, ERR_INSUFFICIENT_VALUE, what, from, value);
        const g = this.governance.find((x) => x.id === id);
        if (!g) return refused(this.root, ERR_PROPOSAL_NOT_FOUND, what, from, value);
        if (now < g.executeAfter) return refused(this.root, ERR_PROPOSAL_TOO_EARLY, what, from, value);
        if (now > g.expiresAt) return refused(this.root, ERR_PROPOSAL_EXPIRED, what, from, value);
        if (value < MIN_VALUE_ENFORCE) return refused(this.root, ERR_INSUFFICIENT_VALUE, what, from, value);
        this.governance = this.governance.filter((x) => x !== g);
        const p = this.proxies[g.proxy];
        const o = outcome();
        o.hops.push({ at: this.root, exitCode: 0, what });
        if (g.kind === 'slash') {
            const fromStake = g.amount < p.stake ? g.amount : p.stake;
            const rest = g.amount - fromStake;
            const fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
            p.stake -= fromStake;
            p.unbonding -= fromUnbonding;
            p.jailed = true;
            o.hops.push({ at: p.id, exitCode: 0, what: 'ExecuteSlash' });
            this.entitle(o, this.params.treasury, fromStake + fromUnbonding);
            this.slashedToTreasury += fromStake + fromUnbonding;
            o.slashedToTreasury = fromStake + fromUnbonding;
        } else if (p.jailed) {
            p.jailed = false;
            p.convictedJail = false;
            o.hops.push({ at: p.id, exitCode: 0, what: 'ReleaseFromJail' });
        } else {
            o.hops.push({ at: p.id, exitCode: 0, what: 'ReleaseFromJail' });
        }
        add(o.allowance, from, value);
        return o;
    }

    feeBps(proxy: number): bigint {
        return this.proxies[proxy].feeBps;
    }

    /** Liabilities a Provider's balance must cover: the pool, released commission, fee owed, stake. */
    providerOwes(proxy: number): bigint {
        const p = this.proxies[proxy];
        return p.pool + p.commissionReleased + p.feeOwed + p.stake + p.unbonding;
    }

    /**
     * Where each proxy's settled charges went: everything charged to its escrows (and not undone)
     * is in the pool, paid to workers, released as commission, or set aside / sent as fee.
     */
    poolIdentity(proxy: number): { settledIn: bigint; accounted: bigint } {
        const p = this.proxies[proxy];
        let settledIn = 0n;
        for (const e of this.escrows.values()) if (e.proxy === proxy) settledIn += e.charged;
        let paid = 0n;
        for (const a of this.payouts.values()) if (a.proxy === proxy) paid += a.paid;
        return { settledIn, accounted: p.pool + paid + p.commissionEverReleased + p.feeOwed + this.feeSentFor(proxy) };
    }

    private feeSentFor(proxy: number): bigint {
        return this.feeSentBy.get(proxy) ?? 0n;
    }
}
