/**
 * Seeded property test of the job escrow (decision 0004): conservation and the escrow invariants
 * (ARCHITECTURE.md, "Invariants" 1-5) over thousands of random steps, against the reference model
 * in ./model.ts.
 *
 * Set-up: the shared Root fixture, two active proxy Providers (different owners and TEE keys),
 * four clients, three worker owners (node 0 or 1 each), two relayers that submit vouchers for
 * anyone, and a stranger. Clients, workers, relayers and the stranger are bare addresses whose
 * messages the sandbox injects (no wallet runs), so every nanoton that enters the protocol is
 * one injected message's value.
 *
 * Then ESCROW_STEPS random steps (default 2,000), chosen by a seeded PRNG: open escrows (under
 * the proxy's key, a replaced key, another proxy's key or a rogue one; some with a reserve below
 * the Root's minimum or a deposit below the reserve), top up, withdraw (some above what is
 * available), proxies sign charge vouchers that someone submits at once or later (and stale,
 * replayed, lower, wrong-account, wrong-key, tampered and wrong-kind ones), bursts of small
 * settlements on client0's long-lived escrow, cooperative final vouchers, payout vouchers (some
 * beyond the pool, which must bounce and be undone), commission withdrawals (some too large, some
 * not by the owner), SendProtocolFee, close requests, finalizations (some too early), values below
 * each handler's minimum, clock jumps, now and then a proxy rebinding to a new key (its old
 * key settles for one client close delay, then its settlements bounce and are undone), and rarely
 * equivocation evidence against a proxy (conflicting or consistent pairs, of its bound, replaced
 * or a rogue key): an accepted one slashes its stake, pays the reporter and the treasury, jails it
 * and clears its key, whose settlements bounce from then on (docs/contracts/slashing.md); and
 * governance steps: slash proposals against a proxy (its withdrawals freeze), executed after the
 * veto window (some too early, some too late, some with too little value), vetoed by governance or
 * the guardian, or expired and cleared by anyone; releases of a jailed proxy after the governance
 * delay, after which it may bind a new key and settle again. After each governance step the
 * proxy's stake, unbonding stake, freeze and jail are compared with the model.
 *
 * After every step, against the model and the chain:
 *  1. Conservation, exact in nanoton: for each account that ran a transaction, its balance moved
 *     by exactly what came in minus what went out minus its fees (total fees plus the forward fees
 *     of what it sent); the protocol's balances (Root, both Providers, every escrow and payout
 *     account) plus everything paid out to actors equal what was paid in minus the protocol's
 *     fees; all accounts together equal the start plus what was injected minus every fee of every
 *     transaction, refused and bounced ones included; no transaction on an unknown address.
 *     Solvency: an escrow's balance covers its balanceHeld; a Provider's covers pool +
 *     commissionReleased + feeOwed + stake + unbonding. Each actor gets what the model says it
 *     is owed: workers and the treasury exactly, the others at least that and at most that plus
 *     the value they attached (plus, at a close, the escrow's surplus above the storage buffer,
 *     which it must give up: a closed escrow keeps exactly ESCROW_STORAGE_BUFFER, and its
 *     EscrowClosed event states the refund of exactly balanceHeld).
 *  2. The model predicts which transactions accept and which refuse with which exit code, so a
 *     stale, replayed, lower, wrong-account or wrong-key voucher must be refused; counters never
 *     go down (seqno, tokens, charged, paid, commission, tokensServed, settlements, payouts),
 *     except that an undone settlement or payout restores exactly the values before the step; a
 *     voucher is accepted at most once, and only by the account it names, under that account's
 *     key.
 *  3. Every getter the step touched (Escrow.state, PayoutAccount.state, Provider.poolState)
 *     equals the model (an account no transaction ran on cannot have changed); every getter of
 *     every account every SWEEP_EVERY steps, with the pool identity (invariant 5): what escrows
 *     were charged = pool + paid to workers + commission released + fee owed + fee sent, and
 *     commission withdrawn = commission released - commissionReleased >= 0.
 * At random points (AUDIT_CHANCE per step), on a snapshot that is then thrown away, and at the end
 * for good:
 *  - invariant 4: every open escrow is closed unilaterally, and just before each close window
 *    ends the proxy submits its latest signed charge (or signs one for what it served meanwhile):
 *    it must be collected in full (as far as the balance goes) whenever its key still settles;
 *  - invariant 3: with the proxy silent, every escrow is closed unilaterally, the clock passes the
 *    close delay, the client finalizes and must get back exactly the model's balanceHeld
 *    (deposits minus withdrawals minus settled charges) and everything above the storage buffer.
 * At the end the fee owed is sent to the treasury, which must have received every fee.
 *
 * A payout account refuses every voucher after a final one (docs/vouchers.md), until a bounce
 * undoes that final payout.
 *
 * The seed is printed; ESCROW_SEED=<n> replays a run, ESCROW_STEPS=<n> sets its length,
 * ESCROW_TRACE=1 prints every step. A divergence from the model is recorded with its step and
 * the run goes on (the model takes the chain's values for what diverged), so one run reports
 * every kind of problem; the test then fails listing them, with the command that replays it.
 */
// Speed only: native SHA-256 for cell hashes (tests/helpers/nativeSha256.ts).
jest.mock('@ton/crypto', () => jest.requireActual('../helpers/nativeSha256').withNativeSha256());

import { Address, beginCell, Cell, StateInit, toNano, Transaction } from '@ton/core';
import { KeyPair } from '@ton/crypto';
import { BlockchainSnapshot, internal, SandboxContract, SendMessageResult } from '@ton/sandbox';
import { createHash } from 'node:crypto';
import {
    CLIENT_ACTION_VALUE,
    COMMISSION_VALUE,
    Escrow,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_NEW,
    ESCROW_OPEN,
    ESCROW_STATUS_NAMES,
    ESCROW_STORAGE_BUFFER,
    ERR_POOL_SHORT,
    escrowFor,
    EscrowState,
    loadEscrowClosed,
    OPEN_OVERHEAD,
    PayoutAccount,
    PayoutState,
    storeFinalizeClose,
    storeOpenEscrow,
    storeRequestClose,
    storeSendProtocolFee,
    storeTopUp,
    storeWithdrawAvailable,
    storeWithdrawCommission,
    SUBMIT_VALUE,
    submitChargeBody,
    submitPayoutBody,
    teeKeyInt,
} from '../../wrappers/Escrow';
import {
    CHECK_VALUE,
    EVIDENCE_VALUE,
    evidenceBody,
    PoolState,
    signBindingClaim,
    STATUS_JAILED,
    storeBindAttestation,
} from '../../wrappers/Provider';
import {
    ENFORCE_VALUE,
    GOVERNANCE_VALUE,
    MIN_VALUE_ENFORCE,
    MIN_VALUE_GOVERNANCE,
    storeCancelProposal,
    storeExecuteProposal,
    storeProposeRelease,
    storeProposeSlash,
} from '../../wrappers/Root';
import { KIND_CHARGE, KIND_PAYOUT, SignedVoucher, signVoucher, Voucher, voucherHash } from '../../wrappers/vouchers';
import { DAY, deployEnvironment, Env, HASHES, HOUR } from '../fixtures/environment';
import { skipMasterchainCheckParse } from '../gas/fastSandbox';
import { activate, createNode, Node, teeKey } from '../helpers/provider';
import { mulberry32, seedFrom } from '../helpers/random';
import { ANY_REFUSAL, EscrowModel, Id, Model, ModelVoucher, Outcome, PayoutModel } from './model';

const STEPS = Number(process.env.ESCROW_STEPS ?? 2000);
/** Getters of every account (not only those a step touched), and the pool identity. */
const SWEEP_EVERY = 100;
/** Invariants 3 and 4 on a snapshot: after each step with this probability (and at the end). */
const AUDIT_CHANCE = 1 / 500;
const TRACE = process.env.ESCROW_TRACE === '1';
/** Opcode of the EscrowClosed event (escrow_closed#52a000e2). */
const ESCROW_CLOSED_OP = 0x52a000e2;
/** A run stops early after this many problems, or this many different kinds (all are reported). */
const MAX_PROBLEMS = 300;
const MAX_PROBLEM_KINDS = 12;

const CLIENTS = 4;
const WORKERS = 3;
const RELAYERS = 2;

if (!Number.isSafeInteger(STEPS) || STEPS < 1) throw new Error(`ESCROW_STEPS=${process.env.ESCROW_STEPS} is not a positive number`);

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** A deterministic address nobody holds a wallet for; the sandbox injects its messages. */
function bareAddress(label: string): Address {
    return new Address(0, createHash('sha256').update(`conservation actor ${label}`).digest());
}

function idOf(a: Address): Id {
    return a.toRawString();
}

function idOfTx(tx: Transaction): Id {
    return '0:' + tx.address.toString(16).padStart(64, '0');
}

const ton = (n: bigint) => {
    const s = n < 0n ? '-' : '';
    const a = n < 0n ? -n : n;
    return `${s}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')}`;
};

function bodyOf(store: (b: ReturnType<typeof beginCell>) => void): Cell {
    return beginCell().store(store).endCell();
}

interface TxInfo {
    id: Id;
    bounced: boolean;
    /** Compute phase exit code, or undefined if the compute phase was skipped. */
    exitCode: number | undefined;
    aborted: boolean;
    actionCode: number | undefined;
    op: number | undefined;
}

function txInfo(tx: Transaction): TxInfo {
    const d = tx.description;
    let exitCode: number | undefined;
    let aborted = false;
    let actionCode: number | undefined;
    if (d.type === 'generic') {
        if (d.computePhase.type === 'vm') exitCode = d.computePhase.exitCode;
        aborted = d.aborted;
        actionCode = d.actionPhase?.resultCode;
    }
    const m = tx.inMessage;
    let op: number | undefined;
    if (m && m.body.bits.length >= 32) op = m.body.beginParse().preloadUint(32);
    return { id: idOfTx(tx), bounced: m?.info.type === 'internal' ? m.info.bounced : false, exitCode, aborted, actionCode, op };
}

/** Step numbers above ESCROW_STEPS belong to the final audit, fee drain and checks. */
const stepName = (n: number) => (n > STEPS ? `${n} (end: final close-out, fee drain, checks)` : String(n));

/** What an action phase result code means (the ones a receiver here can hit). */
const ACTION_CODES: Record<number, string> = {
    37: 'not enough TON for the actions: a reserve or a message value is more than the account holds at that point',
    40: 'not enough value left to pay for a message (e.g. an event after a message that took the remaining value)',
};

function describeTx(t: TxInfo | undefined, explain = false): string {
    if (!t) return 'no such transaction';
    if (t.exitCode === undefined) return `compute skipped${t.aborted ? ', aborted' : ''}`;
    if (t.exitCode === 0 || t.exitCode === 1)
        return t.aborted
            ? `exit ${t.exitCode} but action phase failed with result code ${t.actionCode}` +
                  (explain
                      ? ` (${ACTION_CODES[t.actionCode ?? -1] ?? 'see the TON action phase result codes'}); the transaction is rolled back, and the value it carried stays in the account (no bounce)`
                      : '')
            : `accepted (exit ${t.exitCode})`;
    return `refused with exit ${t.exitCode} (0x${t.exitCode.toString(16)})`;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

describe('escrow: conservation and the escrow invariants (seeded property test)', () => {
    let unpatch: () => void;
    beforeAll(() => {
        unpatch = skipMasterchainCheckParse();
    });
    afterAll(() => unpatch());

    it(
        `holds over ${STEPS} random steps`,
        async () => {
            const seed = seedFrom('ESCROW_SEED', 'escrow conservation');
            const replay = `ESCROW_SEED=${seed} ESCROW_STEPS=${STEPS} npx jest tests/escrow/conservation.spec.ts`;
            const started = Date.now();
            const run = new Run(seed, replay);
            await run.setup();
            const setupMs = Date.now() - started;
            try {
                for (let i = 1; i <= STEPS && !run.tooMany(); i++) {
                    run.stepNo = i;
                    await run.randomStep();
                    if (i % SWEEP_EVERY === 0) await run.sweep();
                    if (i < STEPS && run.chance(AUDIT_CHANCE)) await run.audit(false);
                }
                if (!run.tooMany()) {
                    run.stepNo = STEPS + 1;
                    await run.audit(true);
                    await run.drainFees();
                    await run.sweep();
                    run.finalChecks();
                }
            } catch (e) {
                run.problem('exception', `${(e as Error).stack ?? String(e)}`);
            }
            console.log(
                `escrow conservation: seed ${seed}, ${STEPS} steps, ${run.transactions} transactions, ` +
                    `in ${((Date.now() - started) / 1000).toFixed(1)} s (set-up ${(setupMs / 1000).toFixed(1)} s); ` +
                    `least escrow surplus (balance - balanceHeld) ${run.minSurplus ? `${ton(run.minSurplus.value)}, ${run.minSurplus.where}` : 'n/a'}\n  ${run.counts()}`,
            );
            run.report();
        },
        300_000 + STEPS * 200,
    );
});

// ---------------------------------------------------------------------------------------------
// The run: chain, model, off-chain signer state, and the bookkeeping of what was observed
// ---------------------------------------------------------------------------------------------

interface KeyInfo {
    pair: KeyPair;
    pub: bigint;
    label: string;
}

interface Book {
    /** The latest voucher the proxy signed for this account (its cumulative totals). */
    latest: Voucher | null;
    /** Everything signed for it, for replays. */
    history: SignedVoucher[];
}

interface Actor {
    id: Id;
    address: Address;
    label: string;
    /** Receives exactly what the model says (never sends anything that could come back). */
    exact: boolean;
}

interface Problem {
    kind: string;
    step: number;
    detail: string;
}

/** Chain-side bookkeeping (plain data: structuredClone snapshots it with the model). */
interface Tracking {
    balances: Map<Id, bigint>;
    /** Sum of balances at the start, per account (an account added later starts at its balance then). */
    start: Map<Id, bigint>;
    injected: bigint;
    feesAll: bigint;
    feesProtocol: bigint;
    /** Value of messages from protocol accounts to each actor. */
    received: Map<Id, bigint>;
    /** Value each actor injected. */
    sent: Map<Id, bigint>;
    /** Fee each Provider sent to the treasury (observed). */
    feeSent: Map<Id, bigint>;
    /** Last state read from each getter. */
    observed: Map<Id, Record<string, bigint>>;
    /** Hashes of vouchers some account accepted. */
    accepted: Set<string>;
    transactions: number;
}

type StepKind =
    | 'open'
    | 'topUp'
    | 'withdraw'
    | 'charge'
    | 'signOnly'
    | 'submitLatest'
    | 'badCharge'
    | 'final'
    | 'payout'
    | 'payoutOverPool'
    | 'badPayout'
    | 'payoutFinal'
    | 'withdrawCommission'
    | 'sendFee'
    | 'requestClose'
    | 'finalize'
    | 'advance'
    | 'rebind'
    | 'evidence'
    | 'govSlash'
    | 'govRelease'
    | 'govResolve'
    | 'burst';

const WEIGHTS: [StepKind, number][] = [
    ['open', 6],
    ['topUp', 6],
    ['withdraw', 6],
    ['charge', 18],
    ['signOnly', 5],
    ['submitLatest', 7],
    ['badCharge', 10],
    ['final', 1.5],
    ['payout', 10],
    ['payoutOverPool', 2.5],
    ['badPayout', 3],
    ['payoutFinal', 0.5],
    ['withdrawCommission', 5],
    ['sendFee', 3],
    ['requestClose', 2.5],
    ['finalize', 4],
    ['advance', 6],
    ['rebind', 0.6],
    // Equivocation evidence against a proxy (docs/contracts/slashing.md): rare, since the first
    // accepted one jails the proxy for the rest of the run and clears its key; a jailed proxy
    // binds no new key, so its escrows only refund from then on.
    ['evidence', 0.12],
    // Governance (docs/contracts/slashing.md): a slash proposal freezes a proxy's withdrawals; it is
    // vetoed, executed after the veto window (jail, stake to the treasury) or left to expire and
    // cleared; a jailed proxy is released after the governance delay (and may rebind).
    ['govSlash', 0.25],
    ['govRelease', 0.25],
    ['govResolve', 1],
    // The proxy settles request by request on its busiest escrow: long-lived escrows with many
    // settlements are where per-settlement costs add up.
    ['burst', 1],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((a, [, w]) => a + w, 0);

class Run {
    stepNo = 0;
    env!: Env;
    model!: Model;
    t!: Tracking;
    problems: Problem[] = [];
    recent: string[] = [];
    kindCounts = new Map<string, number>();
    /** What the chain did, by the model's prediction: accepted and refused flows, undone ones, audits. */
    stats = new Map<string, number>();
    minSurplus: { value: bigint; where: string } | null = null;
    tally(k: string, n = 1) {
        this.stats.set(k, (this.stats.get(k) ?? 0) + n);
    }
    get transactions() {
        return this.t?.transactions ?? 0;
    }

    readonly random: () => number;

    // actors
    clients: Actor[] = [];
    workers: Actor[] = [];
    relayers: Actor[] = [];
    stranger!: Actor;
    owners: Actor[] = [];
    treasury!: Actor;
    governance!: Actor;
    guardian!: Actor;
    actors = new Map<Id, Actor>();

    // protocol
    protocol = new Map<Id, { address: Address; label: string }>();
    nodes: Node[] = [];
    /** Every key a proxy bound, oldest first (the last is bound now). */
    proxyKeys: bigint[][] = [];
    keys = new Map<bigint, KeyInfo>();
    rogue!: KeyInfo;
    keyCount = 0;

    escrowContracts = new Map<Id, SandboxContract<Escrow>>();
    escrowInit = new Map<Id, StateInit>();
    payoutContracts = new Map<Id, SandboxContract<PayoutAccount>>();
    payoutInit = new Map<Id, StateInit>();
    books = new Map<Id, Book>();
    queryId = 0n;

    constructor(
        readonly seed: number,
        readonly replay: string,
    ) {
        this.random = mulberry32(seed);
    }

    // ---- randomness ----

    chance(p: number) {
        return this.random() < p;
    }
    int(lo: number, hi: number) {
        return lo + Math.floor(this.random() * (hi - lo + 1));
    }
    pick<T>(xs: T[]): T {
        return xs[Math.floor(this.random() * xs.length)];
    }
    /** A random amount in [0, max] nanoton. */
    upTo(max: bigint): bigint {
        if (max <= 0n) return 0n;
        // 2^52 resolution is plenty for the amounts used here.
        const r = BigInt(Math.floor(this.random() * 2 ** 52));
        return (max * r) / 2n ** 52n;
    }
    tons(lo: number, hi: number): bigint {
        return toNano(lo) + this.upTo(toNano(hi) - toNano(lo));
    }

    get now(): bigint {
        return BigInt(this.env.blockchain.now!);
    }

    // ---- problems ----

    problem(kind: string, detail: string) {
        this.problems.push({ kind, step: this.stepNo, detail });
        if (TRACE) console.log(`PROBLEM at step ${this.stepNo} [${kind}]: ${detail}`);
    }
    tooMany() {
        return this.problems.length >= MAX_PROBLEMS || new Set(this.problems.map((p) => p.kind)).size >= MAX_PROBLEM_KINDS;
    }

    /** The run's outcomes, one line per handler: "SubmitCharge: ok 694, refused 0x807 77, ...". */
    counts(): string {
        const lines = new Map<string, string[]>();
        for (const [k, n] of [...this.stats.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
            const [head, what] = k.split('|');
            lines.set(head, [...(lines.get(head) ?? []), `${what} ${n}`]);
        }
        return [...lines.entries()].map(([head, xs]) => `${head}: ${xs.join(', ')}`).join('\n  ');
    }

    report() {
        if (this.problems.length === 0) return;
        const byKind = new Map<string, Problem[]>();
        for (const p of this.problems) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
        const lines = [
            `${this.problems.length} problem(s) in the escrow property test${this.tooMany() ? ' (stopped early)' : ''}.`,
            `Replay with: ${this.replay}`,
            '',
        ];
        for (const [kind, ps] of byKind) {
            lines.push(
                `[${kind}] ${ps.length} time(s), first at step ${stepName(ps[0].step)}; steps ${ps
                    .slice(0, 12)
                    .map((p) => p.step)
                    .join(', ')}${ps.length > 12 ? ', ...' : ''}`,
            );
            for (const p of ps.slice(0, 2)) lines.push(`  step ${stepName(p.step)}: ${p.detail.split('\n').join('\n    ')}`);
        }
        lines.push('', 'Last steps before the first problem are in its detail; ESCROW_TRACE=1 prints every step.');
        throw new Error(lines.join('\n'));
    }

    // ---- set-up ----

    actor(label: string, address: Address, exact: boolean): Actor {
        const a = { id: idOf(address), address, label, exact };
        this.actors.set(a.id, a);
        return a;
    }

    addProtocol(address: Address, label: string) {
        const id = idOf(address);
        if (this.protocol.has(id)) return;
        this.protocol.set(id, { address, label });
        if (this.t) {
            // A new account of the protocol: it must be empty (nothing ran on it yet).
            const b = this.t.balances.get(id);
            if (b === undefined) {
                this.t.balances.set(id, 0n);
                this.t.start.set(id, 0n);
            }
        }
    }

    label(id: Id): string {
        return this.protocol.get(id)?.label ?? this.actors.get(id)?.label ?? id;
    }

    newKey(label: string): KeyInfo {
        const pair = teeKey(`conservation-${this.seed}-${label}-${this.keyCount++}`);
        const k = { pair, pub: teeKeyInt(pair.publicKey), label };
        this.keys.set(k.pub, k);
        return k;
    }

    async setup() {
        const env = await deployEnvironment();
        this.env = env;
        const bc = env.blockchain;
        bc.verbosity = { print: false, blockchainLogs: false, vmLogs: 'none', debugLogs: false };
        const params = await env.root.getParams();
        for (let p = 0; p < 2; p++) {
            const node = await createNode(env, 'proxy', { seed: `conservation-proxy-${p}` });
            await activate(env, node);
            this.nodes.push(node);
            const k = { pair: node.key, pub: teeKeyInt(node.key.publicKey), label: `proxy${p}-key0` };
            this.keys.set(k.pub, k);
            this.proxyKeys.push([k.pub]);
        }
        this.rogue = this.newKey('rogue');
        this.model = new Model(
            {
                minEscrowReserve: params.minEscrowReserve,
                clientCloseDelay: params.clientCloseDelay,
                attestationLifetime: params.attestationLifetime,
                treasury: idOf(env.treasury.address),
                equivocationSlashBps: params.equivocationSlashBps,
                reporterShareBps: params.reporterShareBps,
                reporterRewardCap: params.reporterRewardCap,
                vetoWindow: params.vetoWindow,
                governanceDelay: params.governanceDelay,
            },
            idOf(env.root.address),
        );
        this.model.nextProposalId = (await env.root.getState()).nextProposalId;
        this.addProtocol(env.root.address, 'Root');
        for (let p = 0; p < 2; p++) {
            const node = this.nodes[p];
            this.addProtocol(node.provider.address, `Provider${p}`);
            const pool = await node.provider.getPoolState();
            const st = await node.provider.getState();
            this.model.addProxy({
                id: idOf(node.provider.address),
                owner: idOf(node.owner.address),
                pool: 0n,
                commissionReleased: 0n,
                feeOwed: 0n,
                feeBps: pool.feeBps,
                teeKey: this.proxyKeys[p][0],
                prevTeeKey: 0n,
                prevKeyUntil: 0n,
                tokensServed: 0n,
                settlements: 0n,
                payouts: 0n,
                stake: st.stake,
                unbonding: st.unbonding,
            });
            expect(pool.feeBps).toBe(params.protocolFeeBps);
            expect(st.stake).toBe(params.minStakeProxy);
            this.owners.push(this.actor(`owner${p}`, node.owner.address, false));
        }
        for (let i = 0; i < CLIENTS; i++) this.clients.push(this.actor(`client${i}`, bareAddress(`client${i}`), false));
        for (let i = 0; i < WORKERS; i++) this.workers.push(this.actor(`worker${i}`, bareAddress(`worker${i}`), true));
        for (let i = 0; i < RELAYERS; i++) this.relayers.push(this.actor(`relayer${i}`, bareAddress(`relayer${i}`), false));
        this.stranger = this.actor('stranger', bareAddress('stranger'), false);
        this.treasury = this.actor('treasury', env.treasury.address, true);
        this.governance = this.actor('governance', env.governance.address, false);
        this.guardian = this.actor('guardian', env.guardian.address, false);

        const balances = new Map<Id, bigint>();
        for (const [id, p] of this.protocol) balances.set(id, (await bc.getContract(p.address)).balance);
        for (const [id, a] of this.actors) balances.set(id, (await bc.getContract(a.address)).balance);
        this.t = {
            balances,
            start: new Map(balances),
            injected: 0n,
            feesAll: 0n,
            feesProtocol: 0n,
            received: new Map(),
            sent: new Map(),
            feeSent: new Map(),
            observed: new Map(),
            accepted: new Set(),
            transactions: 0,
        };
        for (let p = 0; p < 2; p++) this.observe(this.model.proxies[p].id, await this.readPool(p));
    }

    // ---- accounts ----

    proxyIndexOf(id: Id): number {
        return this.model.proxies.findIndex((p) => p.id === id);
    }

    async escrowOf(client: Actor, proxy: number, key: bigint): Promise<EscrowModel> {
        const node = this.nodes[proxy];
        const c = await escrowFor(this.env.root.address, node.provider.address, key, client.address);
        const id = idOf(c.address);
        if (!this.escrowContracts.has(id)) {
            this.escrowContracts.set(id, this.env.blockchain.openContract(c));
            this.escrowInit.set(id, c.init!);
            this.addProtocol(c.address, `Escrow(${client.label}, proxy${proxy}, ${this.keys.get(key)?.label})`);
        }
        return this.model.escrow(id, client.id, proxy, key);
    }

    async payoutOf(proxy: number, key: bigint, worker: Actor, node: bigint): Promise<PayoutModel> {
        const c = await PayoutAccount.fromInit(this.env.root.address, this.nodes[proxy].provider.address, key, worker.address, node);
        const id = idOf(c.address);
        if (!this.payoutContracts.has(id)) {
            this.payoutContracts.set(id, this.env.blockchain.openContract(c));
            this.payoutInit.set(id, c.init!);
            this.addProtocol(c.address, `PayoutAccount(proxy${proxy}, ${this.keys.get(key)?.label}, ${worker.label}#${node})`);
        }
        return this.model.payout(id, proxy, key, worker.id, node);
    }

    book(id: Id): Book {
        let b = this.books.get(id);
        if (!b) {
            b = { latest: null, history: [] };
            this.books.set(id, b);
        }
        return b;
    }

    addressOf(id: Id): Address {
        const a = this.protocol.get(id)?.address ?? this.actors.get(id)?.address;
        if (!a) throw new Error(`unknown account ${id}`);
        return a;
    }

    // ---- getters ----

    async active(id: Id): Promise<boolean> {
        return (await this.env.blockchain.getContract(this.addressOf(id))).accountState?.type === 'active';
    }

    async readEscrow(id: Id): Promise<Record<string, bigint>> {
        if (!(await this.active(id)))
            return { status: 0n, reserve: 0n, balanceHeld: 0n, charged: 0n, tokens: 0n, seqno: 0n, closeAt: 0n, closeDelay: 0n };
        const s: EscrowState = await this.escrowContracts.get(id)!.getState();
        return {
            status: s.status,
            reserve: s.reserve,
            balanceHeld: s.balanceHeld,
            charged: s.charged,
            tokens: s.tokens,
            seqno: s.seqno,
            closeAt: s.closeAt,
            closeDelay: s.closeDelay,
        };
    }

    async readPayout(id: Id): Promise<Record<string, bigint>> {
        if (!(await this.active(id))) return { seqno: 0n, tokens: 0n, paid: 0n, commission: 0n };
        const s: PayoutState = await this.payoutContracts.get(id)!.getState();
        return { seqno: s.seqno, tokens: s.tokens, paid: s.paid, commission: s.commission };
    }

    async readPool(p: number): Promise<Record<string, bigint>> {
        const s: PoolState = await this.nodes[p].provider.getPoolState();
        return {
            pool: s.pool,
            commissionReleased: s.commissionReleased,
            feeOwed: s.feeOwed,
            feeBps: s.feeBps,
            teeKey: s.teeKey,
            prevTeeKey: s.prevTeeKey,
            prevKeyUntil: s.prevKeyUntil,
            tokensServed: s.tokensServed,
            settlements: s.settlements,
            payouts: s.payouts,
        };
    }

    modelView(id: Id): Record<string, bigint> {
        const e = this.model.escrows.get(id);
        if (e)
            return {
                status: e.status,
                reserve: e.reserve,
                balanceHeld: e.balanceHeld,
                charged: e.charged,
                tokens: e.tokens,
                seqno: e.seqno,
                closeAt: e.closeAt,
                closeDelay: e.closeDelay,
            };
        const a = this.model.payouts.get(id);
        if (a) return { seqno: a.seqno, tokens: a.tokens, paid: a.paid, commission: a.commission };
        const p = this.model.proxies[this.proxyIndexOf(id)];
        return {
            pool: p.pool,
            commissionReleased: p.commissionReleased,
            feeOwed: p.feeOwed,
            feeBps: p.feeBps,
            teeKey: p.teeKey,
            prevTeeKey: p.prevTeeKey,
            prevKeyUntil: p.prevKeyUntil,
            tokensServed: p.tokensServed,
            settlements: p.settlements,
            payouts: p.payouts,
        };
    }

    async read(id: Id): Promise<Record<string, bigint> | null> {
        if (this.model.escrows.has(id)) return this.readEscrow(id);
        if (this.model.payouts.has(id)) return this.readPayout(id);
        const p = this.proxyIndexOf(id);
        if (p >= 0) return this.readPool(p);
        return null; // the Root: no model state
    }

    /** A getter equals the model. */
    checkModel(id: Id, chain: Record<string, bigint>) {
        const model = this.modelView(id);
        const diffs = Object.keys(model)
            .filter((k) => model[k] !== chain[k])
            .map((k) => `${k}: model ${model[k]}, chain ${chain[k]}`);
        if (diffs.length) this.problem(`getter differs from the model`, `${this.label(id)}: ${diffs.join('; ')}\n${this.context()}`);
    }

    /**
     * Counters only go up from what the getter said last time; when the step undid a settlement
     * or payout (`undo`), amounts and tokens are back at exactly the values before the step.
     */
    checkCounters(id: Id, chain: Record<string, bigint>, undo = false, before?: Record<string, bigint>) {
        const prev = before ?? this.t.observed.get(id);
        if (!prev) return;
        // An escrow destroyed by a refused opening starts again from nothing (it never had counters).
        if ('status' in chain && chain.status === ESCROW_NEW) return;
        for (const k of ['seqno', 'tokens', 'charged', 'paid', 'commission', 'tokensServed', 'settlements', 'payouts']) {
            if (k in chain && chain[k] < prev[k])
                this.problem('counter went down', `${this.label(id)}: ${k} ${prev[k]} -> ${chain[k]}\n${this.context()}`);
        }
        if (undo && !('status' in chain && chain.status === ESCROW_CLOSED)) {
            for (const k of ['charged', 'balanceHeld', 'paid', 'commission', 'tokens']) {
                if (k in chain && chain[k] !== prev[k])
                    this.problem(
                        'undo did not restore the counters',
                        `${this.label(id)}: ${k} ${prev[k]} before, ${chain[k]} after\n${this.context()}`,
                    );
            }
        }
    }

    observe(id: Id, chain: Record<string, bigint>) {
        this.t.observed.set(id, chain);
    }

    context(): string {
        return `  recent steps:\n${this.recent.map((r) => `    ${r}`).join('\n')}`;
    }

    // ---- one step: send, account, compare ----

    /**
     * Injects one message, runs everything it causes, and checks the result against `o` (the
     * model's prediction, already applied) and the invariants. Returns the result.
     */
    async exec(
        desc: string,
        msg: { from: Actor; to: Id; value: bigint; body: Cell; init?: StateInit },
        predict: () => Outcome,
        opts: { openEnded?: boolean; voucher?: SignedVoucher } = {},
    ): Promise<{ result: SendMessageResult; o: Outcome; ok: boolean }> {
        const entry = `#${this.stepNo} ${desc}`;
        this.recent.push(entry);
        if (this.recent.length > 12) this.recent.shift();
        if (TRACE) console.log(entry);
        const problemsBefore = this.problems.length;
        const bc = this.env.blockchain;
        // What the target looked like before: for undo checks and the close surplus.
        const target = msg.to;
        const targetBalanceBefore = this.t.balances.get(target) ?? 0n;
        const targetHeldBefore = this.model.escrows.get(target)?.balanceHeld ?? 0n;
        const targetObserved = this.t.observed.get(target);

        const o = predict();
        const result = await bc.sendMessage(
            internal({ from: msg.from.address, to: this.addressOf(msg.to), value: msg.value, body: msg.body, stateInit: msg.init }),
        );
        this.t.injected += msg.value;
        this.t.sent.set(msg.from.id, (this.t.sent.get(msg.from.id) ?? 0n) + msg.value);
        this.t.transactions += result.transactions.length;

        // ---- invariant 1: conservation, account by account and in total ----
        const flows = new Map<Id, bigint>(); // in - out - fees, per account
        const stepReceived = new Map<Id, bigint>();
        let feesStep = 0n;
        let feesProtocolStep = 0n;
        let intoProtocolFromOutside = 0n;
        const infos: TxInfo[] = [];
        for (const tx of result.transactions) {
            const info = txInfo(tx);
            infos.push(info);
            const id = info.id;
            const isProtocol = this.protocol.has(id);
            if (!isProtocol && !this.actors.has(id)) {
                this.problem('value reached an unknown address', `a transaction ran on ${id}\n${this.context()}`);
                this.actor(`unknown ${id}`, Address.parseRaw(id), false);
                this.t.balances.set(id, 0n);
                this.t.start.set(id, 0n);
            }
            let fees = tx.totalFees.coins;
            let delta = 0n;
            const inMsg = tx.inMessage;
            if (inMsg?.info.type === 'internal') {
                delta += inMsg.info.value.coins;
                const src = idOf(inMsg.info.src);
                if (isProtocol && !this.protocol.has(src)) intoProtocolFromOutside += inMsg.info.value.coins;
            }
            for (const m of tx.outMessages.values()) {
                if (m.info.type !== 'internal') continue;
                fees += m.info.forwardFee;
                delta -= m.info.value.coins;
                const dest = idOf(m.info.dest);
                if (isProtocol && !this.protocol.has(dest)) {
                    stepReceived.set(dest, (stepReceived.get(dest) ?? 0n) + m.info.value.coins);
                    if (dest === this.treasury.id) this.t.feeSent.set(id, (this.t.feeSent.get(id) ?? 0n) + m.info.value.coins);
                }
                if (!isProtocol && this.actors.has(id)) this.problem('an actor sent a message', `${this.label(id)} -> ${this.label(dest)}`);
            }
            delta -= fees;
            feesStep += fees;
            if (isProtocol) feesProtocolStep += fees;
            flows.set(id, (flows.get(id) ?? 0n) + delta);
        }
        this.t.feesAll += feesStep;
        this.t.feesProtocol += feesProtocolStep;
        if (intoProtocolFromOutside !== msg.value)
            this.problem(
                'value entered the protocol from elsewhere',
                `injected ${ton(msg.value)}, protocol received ${ton(intoProtocolFromOutside)} from outside`,
            );
        for (const [id, delta] of flows) {
            const before = this.t.balances.get(id) ?? 0n;
            const after = (await bc.getContract(this.addressOf(id))).balance;
            this.t.balances.set(id, after);
            if (after - before !== delta)
                this.problem(
                    'balance moved by something else than its messages and fees',
                    `${this.label(id)}: ${ton(before)} -> ${ton(after)} (moved ${ton(after - before)}), messages and fees say ${ton(delta)}\n${this.context()}`,
                );
        }
        for (const [id, v] of stepReceived) this.t.received.set(id, (this.t.received.get(id) ?? 0n) + v);
        this.checkTotals();

        // ---- the model's prediction: which transactions accept or refuse ----
        let cursor = 0;
        for (const hop of o.hops) {
            let j = cursor;
            while (j < infos.length && !(infos[j].id === hop.at && infos[j].bounced === !!hop.bounced)) j++;
            const got = infos[j];
            const ok =
                got !== undefined &&
                (hop.exitCode === ANY_REFUSAL
                    ? got.aborted
                    : hop.exitCode === 0
                      ? (got.exitCode === 0 || got.exitCode === 1) && !got.aborted
                      : got.exitCode === hop.exitCode);
            if (!ok) {
                const expected =
                    hop.exitCode === ANY_REFUSAL
                        ? 'refused'
                        : hop.exitCode === 0
                          ? 'accepted'
                          : `refused with exit ${hop.exitCode} (0x${hop.exitCode.toString(16)})`;
                this.problem(
                    `${hop.what}: ${expected} expected, ${describeTx(got)}`,
                    `${hop.what} on ${this.label(hop.at)}: expected ${expected}, got ${describeTx(got, true)}\n${this.context()}`,
                );
                break;
            }
            cursor = j + 1;
        }
        const protocolTxs = infos.filter((i) => this.protocol.has(i.id)).length;
        if (!opts.openEnded && protocolTxs !== o.hops.length && this.problems.length === problemsBefore)
            this.problem(
                'unexpected protocol transactions',
                `expected ${o.hops.length} (${o.hops.map((h) => h.what).join(', ')}), got ${protocolTxs}: ${infos
                    .filter((i) => this.protocol.has(i.id))
                    .map((i) => `${this.label(i.id)} ${describeTx(i)}`)
                    .join('; ')}\n${this.context()}`,
            );

        this.tally(this.outcomeName(o, target));
        const touched = new Set(infos.map((i) => i.id).filter((id) => this.protocol.has(id)));
        if (this.problems.length > problemsBefore) {
            // The chain did not do what the model says. What follows from it (getters, payments)
            // is not reported again: the model takes the chain's values, and the chain-only
            // checks (counters, solvency, vouchers) still run.
            for (const id of touched) {
                const chain = await this.read(id);
                if (!chain) continue;
                this.checkCounters(id, chain, false, id === target ? targetObserved : undefined);
                this.observe(id, chain);
            }
            await this.resync(new Set([...touched, ...o.hops.map((h) => h.at)]), new Set([...stepReceived.keys(), ...o.entitled.keys()]));
            for (const id of touched) this.checkSolvency(id);
            this.checkVoucherUse(opts.voucher, target, infos);
            return { result, o, ok: false };
        }

        // ---- what each actor got ----
        const allowance = new Map(o.allowance);
        for (const e of o.closed) {
            const client = this.model.escrows.get(e)!.client;
            // At a close the escrow gives up everything above its storage buffer: its surplus
            // (gas allowances, the rest of the Root query, values kept) comes back too.
            const surplus = targetBalanceBefore - targetHeldBefore;
            allowance.set(client, (allowance.get(client) ?? 0n) + (surplus > 0n ? surplus : 0n));
        }
        for (const id of new Set([...stepReceived.keys(), ...o.entitled.keys()])) {
            const got = stepReceived.get(id) ?? 0n;
            const owed = o.entitled.get(id) ?? 0n;
            const extra = allowance.get(id) ?? 0n;
            if (got < owed || got > owed + extra)
                this.problem(
                    got < owed ? 'an actor got less than it is owed' : 'an actor got more than it is owed plus what it attached',
                    `${this.label(id)} got ${ton(got)}; owed ${ton(owed)}, may get up to ${ton(extra)} on top\n${this.context()}`,
                );
        }

        // ---- getters, counters, solvency, the storage buffer after a close ----
        for (const id of touched) {
            const chain = await this.read(id);
            if (!chain) continue;
            this.checkModel(id, chain);
            this.checkCounters(id, chain, !!o.undone && id === target, id === target ? targetObserved : undefined);
            this.observe(id, chain);
        }
        for (const id of touched) this.checkSolvency(id);
        for (const e of o.closed) {
            // The close's event states what the client was refunded: exactly its balanceHeld.
            const client = this.model.escrows.get(e)!.client;
            const closedEvents = result.externals
                .filter((x) => idOf(x.info.src) === e && x.body.beginParse().preloadUint(32) === ESCROW_CLOSED_OP)
                .map((x) => loadEscrowClosed(x.body.beginParse()));
            const owed = o.entitled.get(client) ?? 0n;
            // One EscrowClosed per close; a cooperative close whose last settlement bounces closes
            // twice in the step (the bounce returns what came back), and the refunds add up.
            const refunded = closedEvents.reduce((a, c) => a + c.refunded, 0n);
            if (closedEvents.length === 0 || closedEvents.length > 2 || refunded !== owed)
                this.problem(
                    'EscrowClosed does not state the balance refunded',
                    `${this.label(e)}: ${closedEvents.map((c) => `refunded ${ton(c.refunded)}`).join(', ') || 'no EscrowClosed'}; model balanceHeld ${ton(owed)}\n${this.context()}`,
                );
            const bal = this.t.balances.get(e)!;
            if (!o.undone && targetBalanceBefore - targetHeldBefore >= ESCROW_STORAGE_BUFFER && bal !== ESCROW_STORAGE_BUFFER)
                this.problem(
                    'a closed escrow keeps something else than its storage buffer',
                    `${this.label(e)} keeps ${ton(bal)}\n${this.context()}`,
                );
        }

        this.checkVoucherUse(opts.voucher, target, infos);

        const ok = this.problems.length === problemsBefore;
        if (!ok)
            await this.resync(new Set([...touched, ...o.hops.map((h) => h.at)]), new Set([...stepReceived.keys(), ...o.entitled.keys()]));
        return { result, o, ok };
    }

    /** For the run's summary: what the model said of a step (accepted, refused with which code, undone why). */
    outcomeName(o: Outcome, target: Id): string {
        const first = o.hops[0];
        if (first.exitCode !== 0)
            return `${first.what}|refused ${first.exitCode === ANY_REFUSAL ? '(after final)' : `0x${first.exitCode.toString(16)}`}`;
        const isVoucher = first.what === 'SubmitCharge' || first.what === 'SubmitPayout';
        const account = this.model.escrows.get(target) ?? this.model.payouts.get(target);
        if (!isVoucher || !account) return `${first.what}|ok`;
        const keys = this.proxyKeys[account.proxy];
        const replaced = keys.includes(account.teeKey) && account.teeKey !== keys.at(-1);
        if (o.undone) {
            const why =
                o.hops[1].exitCode === Number(ERR_POOL_SHORT)
                    ? 'pool short'
                    : replaced
                      ? 'replaced key past its grace'
                      : "key not the proxy's";
            return `${first.what}|undone (${why})`;
        }
        return `${first.what}|${replaced ? 'ok under the replaced key in its grace' : 'ok'}`;
    }

    /** A voucher is accepted at most once, and only by the account it names, under its key. */
    checkVoucherUse(sv: SignedVoucher | undefined, target: Id, infos: TxInfo[]) {
        if (!sv) return;
        const first = infos[0];
        if (!first || first.id !== target || !(first.exitCode === 0 || first.exitCode === 1) || first.aborted) return;
        const v = sv.voucher;
        const h = voucherHash(v).toString('hex');
        if (this.t.accepted.has(h))
            this.problem('a voucher was accepted twice', `${this.label(target)}: seqno ${v.seqno}\n${this.context()}`);
        this.t.accepted.add(h);
        const key = this.model.escrows.get(target)?.teeKey ?? this.model.payouts.get(target)?.teeKey;
        if (idOf(v.account) !== target || !this.signedBy(sv, key))
            this.problem(
                'a voucher worked on another account or key',
                `${this.label(target)} took a voucher for ${this.label(idOf(v.account))}\n${this.context()}`,
            );
    }

    signedBy(sv: SignedVoucher, key: bigint | undefined): boolean {
        const k = key === undefined ? undefined : this.keys.get(key);
        return !!k && signVoucher(sv.voucher, k.pair.secretKey).signature.equals(sv.signature);
    }

    checkTotals() {
        const t = this.t;
        let protocol = 0n;
        let protocol0 = 0n;
        let all = 0n;
        let all0 = 0n;
        for (const [id, b] of t.balances) {
            all += b;
            all0 += t.start.get(id)!;
            if (this.protocol.has(id)) {
                protocol += b;
                protocol0 += t.start.get(id)!;
            }
        }
        let paidOut = 0n;
        for (const v of t.received.values()) paidOut += v;
        // The brief's form: protocol balances + paid out = paid in - the protocol's fees.
        if (protocol + paidOut !== protocol0 + t.injected - t.feesProtocol)
            this.problem(
                'conservation: protocol balances + paid out != paid in - fees',
                `protocol ${ton(protocol)} + paid out ${ton(paidOut)} = ${ton(protocol + paidOut)}; start ${ton(protocol0)} + paid in ${ton(t.injected)} - fees ${ton(t.feesProtocol)} = ${ton(protocol0 + t.injected - t.feesProtocol)}\n${this.context()}`,
            );
        if (all !== all0 + t.injected - t.feesAll)
            this.problem(
                'conservation: all balances != start + injected - all fees',
                `${ton(all)} != ${ton(all0)} + ${ton(t.injected)} - ${ton(t.feesAll)}\n${this.context()}`,
            );
    }

    checkSolvency(id: Id) {
        const bal = this.t.balances.get(id) ?? 0n;
        const e = this.model.escrows.get(id);
        if (e && e.status !== ESCROW_NEW && (!this.minSurplus || bal - e.balanceHeld < this.minSurplus.value))
            this.minSurplus = { value: bal - e.balanceHeld, where: `${this.label(id)} at step ${this.stepNo} (seqno ${e.seqno})` };
        if (e && bal < e.balanceHeld)
            this.problem(
                'an escrow holds less than balanceHeld',
                `${this.label(id)}: balance ${ton(bal)}, balanceHeld ${ton(e.balanceHeld)}\n${this.context()}`,
            );
        const p = this.proxyIndexOf(id);
        if (p >= 0) {
            const owes = this.model.providerOwes(p);
            if (bal < owes)
                this.problem(
                    'a Provider holds less than it owes',
                    `${this.label(id)}: balance ${ton(bal)} < pool + commission + fee + stake + unbonding ${ton(owes)}\n${this.context()}`,
                );
            const m = this.model.proxies[p];
            if (m.pool < 0n || m.commissionReleased < 0n || m.feeOwed < 0n) this.problem('negative pool balance', `${this.label(id)}`);
        }
    }

    /** After a divergence: the model takes the chain's values for what the step touched. */
    async resync(touched: Set<Id>, actors: Set<Id>) {
        for (const id of touched) {
            const chain = await this.read(id);
            if (!chain) continue;
            const e = this.model.escrows.get(id);
            if (e) {
                Object.assign(e, chain);
                e.deposited = e.balanceHeld + e.charged + e.withdrawn + e.refunded;
                continue;
            }
            const a = this.model.payouts.get(id);
            if (a) {
                Object.assign(a, chain);
                a.finalTaken = false; // reported once; from here on the model follows the chain
                continue;
            }
            const p = this.proxyIndexOf(id);
            if (p >= 0) {
                const m = this.model.proxies[p];
                Object.assign(m, chain);
                let released = 0n;
                for (const acc of this.model.payouts.values()) if (acc.proxy === p) released += acc.commission;
                m.commissionEverReleased = released;
                m.commissionWithdrawn = released - m.commissionReleased;
                const sent = this.t.feeSent.get(id) ?? 0n;
                this.model.feesSent += sent - (this.model.feeSentBy.get(p) ?? 0n);
                this.model.feeSentBy.set(p, sent);
            }
        }
        for (const id of actors) {
            const a = this.actors.get(id);
            if (!a) continue;
            const chain = this.t.received.get(id) ?? 0n;
            const model = this.model.entitled.get(id) ?? 0n;
            this.model.entitled.set(id, a.exact ? chain : model < chain ? model : chain);
        }
    }

    // ---- sweeps and end checks ----

    async sweep() {
        for (const id of this.protocol.keys()) {
            const chain = await this.read(id);
            if (chain) {
                this.checkModel(id, chain);
                this.checkCounters(id, chain);
                this.observe(id, chain);
            }
            this.checkSolvency(id);
        }
        const c = this.context();
        for (let p = 0; p < 2; p++) {
            const pid = this.model.proxies[p].id;
            const pool = this.t.observed.get(pid)!;
            let charged = 0n;
            let paid = 0n;
            let released = 0n;
            for (const e of this.model.escrows.values()) if (e.proxy === p) charged += this.t.observed.get(e.id)?.charged ?? 0n;
            for (const a of this.model.payouts.values()) {
                if (a.proxy !== p) continue;
                paid += this.t.observed.get(a.id)?.paid ?? 0n;
                released += this.t.observed.get(a.id)?.commission ?? 0n;
            }
            const feeSent = this.t.feeSent.get(pid) ?? 0n;
            // Invariant 5: every nanoton charged is in the pool, paid to a worker, released as
            // commission or set aside / sent as the protocol fee; nothing else leaves the pool.
            if (charged !== pool.pool + paid + released + pool.feeOwed + feeSent)
                this.problem(
                    'pool identity broken',
                    `proxy${p}: charged ${ton(charged)} != pool ${ton(pool.pool)} + paid ${ton(paid)} + commission released ${ton(released)} + fee owed ${ton(pool.feeOwed)} + fee sent ${ton(feeSent)}\n${c}`,
                );
            const withdrawn = released - pool.commissionReleased;
            const m = this.model.proxies[p];
            if (withdrawn < 0n || withdrawn !== m.commissionWithdrawn)
                this.problem(
                    'commission withdrawn is not what was released and taken',
                    `proxy${p}: released ${ton(released)}, still withdrawable ${ton(pool.commissionReleased)}, model withdrew ${ton(m.commissionWithdrawn)}\n${c}`,
                );
            const ident = this.model.poolIdentity(p);
            if (ident.settledIn !== ident.accounted)
                this.problem('model pool identity broken', `proxy${p}: ${ident.settledIn} != ${ident.accounted}`);
        }
        for (const e of this.model.escrows.values()) {
            if (e.deposited !== e.balanceHeld + e.charged + e.withdrawn + e.refunded)
                this.problem('escrow accounting identity broken (model)', `${this.label(e.id)}`);
        }
        for (const a of this.actors.values()) {
            const got = this.t.received.get(a.id) ?? 0n;
            const owed = this.model.entitled.get(a.id) ?? 0n;
            if (a.exact ? got !== owed : got < owed)
                this.problem(
                    `${a.exact ? 'an exact receiver' : 'an actor'} received ${a.exact ? 'other than' : 'less than'} what it is owed in total`,
                    `${a.label}: received ${ton(got)}, owed ${ton(owed)}\n${c}`,
                );
            // No path creates value: a relayer or the stranger never gets back more than it sent,
            // but for the reporter's rewards of slashes (what the model entitles it to).
            if ((a.label.startsWith('relayer') || a.label === 'stranger') && got > (this.t.sent.get(a.id) ?? 0n) + owed)
                this.problem(
                    'someone got more back than it sent (and its rewards)',
                    `${a.label}: sent ${ton(this.t.sent.get(a.id) ?? 0n)}, rewarded ${ton(owed)}, received ${ton(got)}`,
                );
        }
    }

    finalChecks() {
        // Every escrow closed; none keeps more than its storage buffer.
        for (const e of this.model.escrows.values()) {
            if (e.status !== ESCROW_NEW && e.status !== ESCROW_CLOSED)
                this.problem('an escrow is still open at the end', `${this.label(e.id)}: ${ESCROW_STATUS_NAMES[Number(e.status)]}`);
            const bal = this.t.balances.get(e.id) ?? 0n;
            if (bal > ESCROW_STORAGE_BUFFER)
                this.problem('a closed escrow keeps more than its storage buffer', `${this.label(e.id)}: ${ton(bal)}`);
        }
        // The fee owed reached the treasury (invariant 5).
        for (let p = 0; p < 2; p++) {
            const pool = this.t.observed.get(this.model.proxies[p].id)!;
            if (pool.feeOwed !== 0n)
                this.problem('protocol fee never reached the treasury', `proxy${p}: ${ton(pool.feeOwed)} still owed after the drain`);
        }
        const treasuryGot = this.t.received.get(this.treasury.id) ?? 0n;
        if (treasuryGot !== this.model.feesSent + this.model.slashedToTreasury)
            this.problem(
                'treasury received other than the fees sent and the slashes',
                `treasury ${ton(treasuryGot)}, model ${ton(this.model.feesSent)} + ${ton(this.model.slashedToTreasury)}`,
            );
    }

    // ---- vouchers ----

    sign(v: Voucher, key: bigint): SignedVoucher {
        return signVoucher(v, this.keys.get(key)!.pair.secretKey);
    }

    modelVoucher(sv: SignedVoucher, signer: bigint): ModelVoucher {
        const v = sv.voucher;
        return {
            kind: v.kind,
            account: idOf(v.account),
            seqno: v.seqno,
            tokens: v.tokens,
            amount: v.amount,
            commission: v.commission,
            final: v.final,
            signer,
        };
    }

    /** The proxy's next honest charge voucher for `e`: cumulative totals up by the increments. */
    nextCharge(e: EscrowModel, amountUp: bigint, tokensUp: bigint, final = false): Voucher {
        const b = this.book(e.id);
        const last = b.latest;
        const max = (a: bigint, c: bigint) => (a > c ? a : c);
        return {
            kind: KIND_CHARGE,
            account: this.addressOf(e.id),
            seqno: max(last?.seqno ?? 0n, e.seqno) + 1n + BigInt(this.int(0, 2)),
            tokens: max(last?.tokens ?? 0n, e.tokens) + tokensUp,
            amount: max(last?.amount ?? 0n, e.charged) + amountUp,
            commission: 0n,
            final,
        };
    }

    nextPayout(a: PayoutModel, amountUp: bigint, commissionUp: bigint, tokensUp: bigint, final = false): Voucher {
        const b = this.book(a.id);
        const last = b.latest;
        const max = (x: bigint, y: bigint) => (x > y ? x : y);
        return {
            kind: KIND_PAYOUT,
            account: this.addressOf(a.id),
            seqno: max(last?.seqno ?? 0n, a.seqno) + 1n + BigInt(this.int(0, 2)),
            tokens: max(last?.tokens ?? 0n, a.tokens) + tokensUp,
            amount: max(last?.amount ?? 0n, a.paid) + amountUp,
            commission: max(last?.commission ?? 0n, a.commission) + commissionUp,
            final,
        };
    }

    record(id: Id, sv: SignedVoucher) {
        const b = this.book(id);
        b.latest = sv.voucher;
        b.history.push(sv);
        if (b.history.length > 16) b.history.shift();
    }

    submitter(): Actor {
        const r = this.random();
        return r < 0.85 ? this.pick(this.relayers) : r < 0.95 ? this.pick(this.owners) : this.stranger;
    }

    async submitCharge(desc: string, e: EscrowModel, sv: SignedVoucher, signer: bigint, opts: { value?: bigint; from?: Actor } = {}) {
        const from = opts.from ?? this.submitter();
        const value = opts.value ?? SUBMIT_VALUE;
        const mv = this.modelVoucher(sv, signer);
        return this.exec(
            `${desc}: ${this.label(e.id)} seqno ${sv.voucher.seqno} amount ${ton(sv.voucher.amount)}${sv.voucher.final ? ' final' : ''} by ${from.label}`,
            { from, to: e.id, value, body: submitChargeBody(sv, this.queryId++) },
            () => this.model.charge(e, mv, from.id, value, this.now),
            { voucher: sv },
        );
    }

    async submitPayout(desc: string, a: PayoutModel, sv: SignedVoucher, signer: bigint, opts: { value?: bigint } = {}) {
        const from = this.submitter();
        const value = opts.value ?? SUBMIT_VALUE;
        const mv = this.modelVoucher(sv, signer);
        return this.exec(
            `${desc}: ${this.label(a.id)} seqno ${sv.voucher.seqno} amount ${ton(sv.voucher.amount)} commission ${ton(sv.voucher.commission)}${sv.voucher.final ? ' final' : ''} by ${from.label}`,
            { from, to: a.id, value, body: submitPayoutBody(sv, this.queryId++), init: this.payoutInit.get(a.id) },
            () => this.model.payoutVoucher(a, mv, from.id, value, this.now),
            { voucher: sv },
        );
    }

    // ---- choosing things ----

    deployedEscrows(filter: (e: EscrowModel) => boolean = () => true): EscrowModel[] {
        return [...this.model.escrows.values()].filter((e) => e.status !== ESCROW_NEW && filter(e));
    }

    /** An escrow to act on, preferring those accepting charges. */
    someEscrow(prefer: (e: EscrowModel) => boolean, spareLongLived = false): EscrowModel | undefined {
        const spare = (e: EscrowModel) => !(spareLongLived && this.isLongLived(e));
        const good = this.deployedEscrows((e) => prefer(e) && spare(e));
        if (good.length && this.chance(0.9)) return this.pick(good);
        const any = this.deployedEscrows(spare);
        return any.length ? this.pick(any) : undefined;
    }

    inWindow = (e: EscrowModel) => e.status === ESCROW_OPEN || (e.status === ESCROW_CLOSING && this.now < e.closeAt);

    /** A key for a new escrow with `proxy`: mostly the bound one. */
    keyFor(proxy: number): bigint {
        const r = this.random();
        const keys = this.proxyKeys[proxy];
        if (r < 0.78 || keys.length === 1) return keys[keys.length - 1];
        if (r < 0.88) return keys[Math.max(0, keys.length - 1 - this.int(1, 2))];
        if (r < 0.94) return this.rogue.pub;
        const other = this.proxyKeys[1 - proxy];
        return other[other.length - 1];
    }

    async somePayoutAccount(): Promise<PayoutModel> {
        const proxy = this.int(0, 1);
        const keys = this.proxyKeys[proxy];
        const key = this.chance(0.85) || keys.length === 1 ? keys[keys.length - 1] : keys[keys.length - 2];
        return this.payoutOf(proxy, key, this.pick(this.workers), BigInt(this.int(0, 1)));
    }

    // ---- the steps ----

    async randomStep() {
        let r = this.random() * TOTAL_WEIGHT;
        let kind: StepKind = WEIGHTS[0][0];
        for (const [k, w] of WEIGHTS) {
            if (r < w) {
                kind = k;
                break;
            }
            r -= w;
        }
        this.kindCounts.set(kind, (this.kindCounts.get(kind) ?? 0) + 1);
        await this[kind]();
    }

    async open() {
        const client = this.pick(this.clients);
        const proxy = this.int(0, 1);
        let e = await this.escrowOf(client, proxy, this.keyFor(proxy));
        if (e.status !== ESCROW_NEW && this.chance(0.8)) e = await this.escrowOf(client, proxy, this.proxyKeys[proxy].at(-1)!);
        const r = this.random();
        const reserve = r < 0.06 ? toNano('0.5') : this.tons(1, 3);
        const deposit = r > 0.95 ? reserve - toNano('0.1') : reserve + this.tons(0, 20);
        const from = this.chance(0.97) ? client : this.stranger;
        const value = deposit + OPEN_OVERHEAD;
        const body = bodyOf(storeOpenEscrow({ $$type: 'OpenEscrow', queryId: this.queryId++, reserve, demand: null }));
        await this.exec(
            `open ${this.label(e.id)} by ${from.label}: reserve ${ton(reserve)}, value ${ton(value)}`,
            { from, to: e.id, value, body, init: this.escrowInit.get(e.id) },
            () => this.model.open(e, from.id, value, reserve),
        );
    }

    async topUp() {
        const e = this.someEscrow((e) => e.status === ESCROW_OPEN);
        if (!e) return this.open();
        const client = this.actors.get(e.client)!;
        const from = this.chance(0.96) ? client : this.stranger;
        const value = this.chance(0.05) ? toNano('0.005') : this.tons(0.5, 10);
        await this.exec(
            `top up ${this.label(e.id)} by ${from.label}: ${ton(value)}`,
            { from, to: e.id, value, body: bodyOf(storeTopUp({ $$type: 'TopUp', queryId: this.queryId++ })) },
            () => this.model.topUp(e, from.id, value),
        );
    }

    async withdraw() {
        const e = this.someEscrow((e) => e.status === ESCROW_OPEN);
        if (!e) return this.open();
        const client = this.actors.get(e.client)!;
        const from = this.chance(0.96) ? client : this.stranger;
        const available = e.balanceHeld - e.reserve;
        const r = this.random();
        const amount =
            available > 0n && r < 0.7
                ? 1n + this.upTo(available - 1n)
                : r < 0.75
                  ? 0n
                  : (available > 0n ? available : 0n) + 1n + this.upTo(toNano(1));
        const value = this.clientValue();
        await this.exec(
            `withdraw ${ton(amount)} from ${this.label(e.id)} (available ${ton(available)}) by ${from.label} with ${ton(value)}`,
            {
                from,
                to: e.id,
                value,
                body: bodyOf(storeWithdrawAvailable({ $$type: 'WithdrawAvailable', queryId: this.queryId++, amount })),
            },
            () => this.model.withdraw(e, from.id, amount, value),
        );
    }

    /** A charge increment: mostly within the balance (credit up to the reserve), sometimes beyond. */
    chargeUp(e: EscrowModel): bigint {
        if (this.chance(0.1)) return 0n;
        const cap = e.balanceHeld > 0n ? e.balanceHeld : toNano(1);
        return this.chance(0.85) ? this.upTo(cap / 3n) : this.upTo(cap * 2n);
    }

    async charge() {
        const e = this.someEscrow(this.inWindow);
        if (!e) return this.open();
        const v = this.nextCharge(e, this.chargeUp(e), BigInt(this.int(0, 5000)));
        const sv = this.sign(v, e.teeKey);
        this.record(e.id, sv);
        const value = this.chance(0.04) ? toNano('0.02') : SUBMIT_VALUE;
        await this.submitCharge('charge', e, sv, e.teeKey, { value });
    }

    /**
     * client0's escrow with proxy0 under proxy0's bound key is its long-lived one: random steps
     * do not close it (audits do, on their snapshot), and bursts mostly settle on it. A client's
     * escrow normally lives long and sees many settlements.
     */
    isLongLived(e: EscrowModel): boolean {
        return e.client === this.clients[0].id && e.proxy === 0 && e.teeKey === this.proxyKeys[0].at(-1);
    }

    async burst() {
        const open = this.deployedEscrows((e) => this.inWindow(e) && this.model.keySettles(e.proxy, e.teeKey, this.now));
        if (!open.length) return this.open();
        const longLived = open.find((e) => this.isLongLived(e));
        const busiest = open.reduce((a, b) => (b.seqno > a.seqno ? b : a));
        const e = longLived && this.chance(0.8) ? longLived : this.chance(0.7) ? busiest : this.pick(open);
        const n = this.int(15, 50);
        for (let i = 0; i < n && this.inWindow(e) && !this.tooMany(); i++) {
            const v = this.nextCharge(e, this.upTo(toNano('0.005')), BigInt(this.int(1, 500)));
            const sv = this.sign(v, e.teeKey);
            this.record(e.id, sv);
            await this.submitCharge(`burst ${i + 1}/${n}`, e, sv, e.teeKey, { from: this.relayers[1] });
        }
    }

    async signOnly() {
        const e = this.someEscrow(this.inWindow);
        if (!e) return this.open();
        const v = this.nextCharge(e, this.chargeUp(e), BigInt(this.int(0, 5000)));
        this.record(e.id, this.sign(v, e.teeKey));
        this.recent.push(`#${this.stepNo} proxy signs (keeps) ${this.label(e.id)} seqno ${v.seqno} amount ${ton(v.amount)}`);
        if (this.recent.length > 12) this.recent.shift();
    }

    async submitLatest() {
        const withBook = this.deployedEscrows((e) => this.book(e.id).latest !== null);
        if (!withBook.length) return this.charge();
        const e = this.pick(withBook);
        const sv = this.book(e.id).history.at(-1)!;
        const before = { ...e };
        const settles = this.model.keySettles(e.proxy, e.teeKey, this.now);
        const fresh = this.inWindow(e) && sv.voucher.seqno > e.seqno;
        const { o } = await this.submitCharge('submit latest', e, sv, e.teeKey);
        // Invariant 4: a signed charge submitted within the close window is collected (as far as
        // the client's balance goes) whenever the Provider settles the key.
        if (fresh && settles) this.expectCollected(before, sv.voucher, o);
    }

    expectCollected(before: EscrowModel, v: Voucher, o: Outcome) {
        const due = v.amount - before.charged;
        const want = due < before.balanceHeld ? due : before.balanceHeld;
        const got = this.t.observed.get(before.id)?.charged ?? 0n;
        if (o.settled !== want || got !== before.charged + want)
            this.problem(
                'invariant 4: a signed charge submitted in time was not collected',
                `${this.label(before.id)}: charged ${ton(before.charged)} -> ${ton(got)}, expected +${ton(want)}\n${this.context()}`,
            );
    }

    async badCharge() {
        const e = this.someEscrow(this.inWindow);
        if (!e) return this.open();
        const b = this.book(e.id);
        const r = this.random();
        if (r < 0.3 && b.history.length) {
            // replay or a stale one
            const sv = this.pick(b.history);
            return void (await this.submitCharge('replay', e, sv, e.teeKey));
        }
        if (r < 0.45 && (e.charged > 0n || e.tokens > 0n)) {
            // a later seqno with a lower total: a rolled-back proxy (or a forged total)
            const v = this.nextCharge(e, 0n, 0n);
            const lower =
                e.charged > 0n && (e.tokens === 0n || this.chance(0.6))
                    ? { ...v, amount: e.charged - 1n - this.upTo(e.charged - 1n) }
                    : { ...v, tokens: e.tokens - 1n };
            return void (await this.submitCharge('lower total', e, this.sign(lower, e.teeKey), e.teeKey));
        }
        if (r < 0.65) {
            // a voucher for another escrow, signed by that escrow's key
            const others = this.deployedEscrows((x) => x.id !== e.id);
            if (others.length) {
                const x = this.pick(others);
                const v = this.nextCharge(x, this.chargeUp(x), 10n);
                return void (await this.submitCharge(`voucher for ${this.label(x.id)} to`, e, this.sign(v, x.teeKey), x.teeKey));
            }
        }
        if (r < 0.85) {
            // this escrow's voucher signed by a key that is not the escrow's
            const candidates = [...this.keys.keys()].filter((k) => k !== e.teeKey);
            const k = this.pick(candidates);
            const v = this.nextCharge(e, this.chargeUp(e), 10n);
            return void (await this.submitCharge(`signed by ${this.keys.get(k)!.label}`, e, this.sign(v, k), k));
        }
        if (r < 0.93) {
            // a payout voucher naming the escrow
            const v: Voucher = { ...this.nextCharge(e, toNano(1), 10n), kind: KIND_PAYOUT, commission: this.upTo(toNano(1)) };
            return void (await this.submitCharge('payout-kind voucher', e, this.sign(v, e.teeKey), e.teeKey));
        }
        // a tampered voucher: the signature of another (the model sees a voucher no key signed)
        const v = this.nextCharge(e, toNano(1), 10n);
        const sv = this.sign(v, e.teeKey);
        const tampered = { voucher: { ...v, amount: v.amount + toNano(5) }, signature: sv.signature };
        const from = this.pick(this.relayers);
        await this.exec(
            `tampered voucher to ${this.label(e.id)} by ${from.label}`,
            { from, to: e.id, value: SUBMIT_VALUE, body: submitChargeBody(tampered, this.queryId++) },
            () => this.model.charge(e, { ...this.modelVoucher(tampered, e.teeKey), signer: -1n }, from.id, SUBMIT_VALUE, this.now),
            { voucher: tampered },
        );
    }

    async final() {
        const e = this.someEscrow(this.inWindow, true);
        if (!e) return this.open();
        const v = this.nextCharge(e, this.chargeUp(e), BigInt(this.int(0, 5000)), true);
        const sv = this.sign(v, e.teeKey);
        this.record(e.id, sv);
        await this.submitCharge('cooperative close', e, sv, e.teeKey);
    }

    payoutUp(a: PayoutModel, within: boolean): { amount: bigint; commission: bigint } {
        const pool = this.model.proxies[a.proxy].pool;
        const total = within ? this.upTo(pool / 2n) : pool + 1n + this.upTo(toNano(5));
        const commission = (total * BigInt(this.int(0, 25))) / 100n;
        return { amount: total - commission, commission };
    }

    async payout() {
        const a = await this.somePayoutAccount();
        const up = this.payoutUp(a, true);
        const v = this.nextPayout(a, up.amount, up.commission, BigInt(this.int(0, 5000)));
        const sv = this.sign(v, a.teeKey);
        this.record(a.id, sv);
        await this.submitPayout('payout', a, sv, a.teeKey, { value: this.chance(0.03) ? toNano('0.02') : SUBMIT_VALUE });
    }

    async payoutOverPool() {
        const a = await this.somePayoutAccount();
        const up = this.payoutUp(a, false);
        const v = this.nextPayout(a, up.amount, up.commission, BigInt(this.int(0, 5000)));
        const sv = this.sign(v, a.teeKey);
        // The worker keeps it (replays may use it), but the proxy goes on from the account's totals.
        this.book(a.id).history.push(sv);
        await this.submitPayout(`payout beyond the pool (${ton(this.model.proxies[a.proxy].pool)})`, a, sv, a.teeKey);
    }

    async payoutFinal() {
        const a = await this.somePayoutAccount();
        const up = this.payoutUp(a, true);
        const v = this.nextPayout(a, up.amount, up.commission, BigInt(this.int(0, 5000)), true);
        const sv = this.sign(v, a.teeKey);
        this.record(a.id, sv);
        await this.submitPayout('final payout', a, sv, a.teeKey);
    }

    async badPayout() {
        const a = await this.somePayoutAccount();
        const b = this.book(a.id);
        const r = this.random();
        if (r < 0.3 && b.history.length) return void (await this.submitPayout('payout replay', a, this.pick(b.history), a.teeKey));
        if (r < 0.5 && a.commission > 0n) {
            const v = { ...this.nextPayout(a, 0n, 0n, 0n), commission: a.commission - 1n };
            return void (await this.submitPayout('lower commission', a, this.sign(v, a.teeKey), a.teeKey));
        }
        if (r < 0.75) {
            const k = this.pick([...this.keys.keys()].filter((x) => x !== a.teeKey));
            const v = this.nextPayout(a, toNano(1), 0n, 1n);
            return void (await this.submitPayout(`payout signed by ${this.keys.get(k)!.label}`, a, this.sign(v, k), k));
        }
        if (r < 0.88) {
            const others = [...this.model.payouts.values()].filter((x) => x.id !== a.id);
            if (others.length) {
                const x = this.pick(others);
                const v = this.nextPayout(x, toNano(1), 0n, 1n);
                return void (await this.submitPayout(`payout voucher for ${this.label(x.id)} to`, a, this.sign(v, x.teeKey), x.teeKey));
            }
        }
        const v: Voucher = { ...this.nextPayout(a, toNano(1), 0n, 1n), kind: KIND_CHARGE, commission: 0n };
        await this.submitPayout('charge-kind voucher', a, this.sign(v, a.teeKey), a.teeKey);
    }

    async withdrawCommission() {
        const p = this.int(0, 1);
        const m = this.model.proxies[p];
        const from = this.chance(0.93) ? this.owners[p] : this.pick([this.stranger, this.owners[1 - p]]);
        const r = this.random();
        const amount =
            m.commissionReleased > 0n && r < 0.7
                ? 1n + this.upTo(m.commissionReleased - 1n)
                : r < 0.75
                  ? 0n
                  : m.commissionReleased + 1n + this.upTo(toNano(1));
        const value = this.chance(0.04) ? toNano('0.01') : COMMISSION_VALUE;
        await this.exec(
            `withdraw commission ${ton(amount)} of ${ton(m.commissionReleased)} from Provider${p} by ${from.label}`,
            {
                from,
                to: m.id,
                value,
                body: bodyOf(storeWithdrawCommission({ $$type: 'WithdrawCommission', queryId: this.queryId++, amount })),
            },
            () => this.model.withdrawCommission(p, from.id, amount, value),
        );
    }

    async sendFee() {
        const p = this.int(0, 1);
        const m = this.model.proxies[p];
        const from = this.pick([...this.relayers, this.stranger, this.owners[p]]);
        const value = this.chance(0.05) ? toNano('0.01') : COMMISSION_VALUE;
        await this.exec(
            `SendProtocolFee to Provider${p} (fee owed ${ton(m.feeOwed)}) by ${from.label} with ${ton(value)}`,
            { from, to: m.id, value, body: bodyOf(storeSendProtocolFee({ $$type: 'SendProtocolFee', queryId: this.queryId++ })) },
            () => this.model.sendProtocolFee(p, from.id, value),
        );
    }

    async requestClose(target?: EscrowModel) {
        const e = target ?? this.someEscrow((e) => e.status === ESCROW_OPEN, true);
        if (!e) return this.open();
        const client = this.actors.get(e.client)!;
        const from = target || this.chance(0.97) ? client : this.stranger;
        const value = target ? CLIENT_ACTION_VALUE : this.clientValue();
        await this.exec(
            `request close of ${this.label(e.id)} by ${from.label} with ${ton(value)}`,
            {
                from,
                to: e.id,
                value,
                body: bodyOf(storeRequestClose({ $$type: 'RequestClose', queryId: this.queryId++ })),
            },
            () => this.model.requestClose(e, from.id, value, this.now),
        );
    }

    async finalize() {
        const e = this.someEscrow((e) => e.status === ESCROW_CLOSING || (e.status === ESCROW_CLOSED && e.balanceHeld > 0n));
        if (!e) return void (await this.requestClose());
        const client = this.actors.get(e.client)!;
        await this.finalizeOne(e, this.chance(0.97) ? client : this.stranger, this.clientValue());
    }

    finalizeOne(e: EscrowModel, from: Actor, value = CLIENT_ACTION_VALUE) {
        return this.exec(
            `finalize ${this.label(e.id)} by ${from.label} with ${ton(value)} (closeAt ${e.closeAt}, now ${this.now})`,
            {
                from,
                to: e.id,
                value,
                body: bodyOf(storeFinalizeClose({ $$type: 'FinalizeClose', queryId: this.queryId++ })),
            },
            () => this.model.finalize(e, from.id, value, this.now),
        );
    }

    /** What a client attaches: the helpers' value, now and then less than the escrow's minimum. */
    clientValue(): bigint {
        return this.chance(0.04) ? toNano('0.005') : CLIENT_ACTION_VALUE;
    }

    async advance(seconds?: number) {
        const r = this.random();
        const s = seconds ?? (r < 0.7 ? this.int(1, HOUR) : r < 0.9 ? this.int(HOUR, DAY) : this.int(DAY, 2 * DAY));
        this.env.advance(s);
        this.recent.push(`#${this.stepNo} clock +${s} s -> ${this.now}`);
        if (this.recent.length > 12) this.recent.shift();
    }

    async rebind() {
        const p = this.int(0, 1);
        const node = this.nodes[p];
        const keys = this.proxyKeys[p];
        const key = this.chance(0.85) ? this.newKey(`proxy${p}-key${keys.length}`) : this.keys.get(keys.at(-1)!)!;
        const expiresAt = this.now + BigInt(6 * DAY);
        const body = bodyOf(
            storeBindAttestation({
                $$type: 'BindAttestation',
                queryId: this.queryId++,
                imageHash: HASHES.proxyImage,
                attestationRoot: HASHES.root,
                teeKey: key.pub,
                expiresAt,
                signature: signBindingClaim(key.pair, node.provider.address, HASHES.proxyImage, HASHES.root, expiresAt),
            }),
        );
        if (key.pub !== keys.at(-1)) keys.push(key.pub);
        await this.exec(
            `Provider${p} rebinds to ${key.label}`,
            { from: this.owners[p], to: this.model.proxies[p].id, value: CHECK_VALUE, body },
            () => this.model.rebind(p, key.pub, this.owners[p].id, CHECK_VALUE, this.now),
            { openEnded: true },
        );
    }

    /**
     * Someone submits two vouchers of a proxy's key for one account: mostly the bound key, some
     * times the replaced one or a rogue key; mostly a conflicting pair (same seqno, different
     * amounts), some times a consistent one; now and then with too little value.
     */
    async evidence() {
        const p = this.int(0, 1);
        const m = this.model.proxies[p];
        const r = this.random();
        const held = [m.teeKey, m.prevTeeKey].filter((k) => k !== 0n);
        const signer = held.length && r < 0.9 ? (r < 0.7 ? held[0] : held[held.length - 1]) : this.rogue.pub;
        const conflict = this.chance(0.85);
        const mine = [...this.model.escrows.values()].filter((e) => e.proxy === p);
        const account = mine.length ? Address.parseRaw(this.pick(mine).id) : bareAddress(`account-${this.stepNo}`);
        const seqno = BigInt(this.int(1, 1000));
        const base: Voucher = { kind: KIND_CHARGE, account, seqno, tokens: 100n, amount: toNano(1), commission: 0n, final: false };
        const a = this.sign(base, signer);
        const b = this.sign(
            conflict ? { ...base, amount: toNano(2) } : { ...base, seqno: seqno + 1n, tokens: 200n, amount: toNano(2) },
            signer,
        );
        const from = this.chance(0.8) ? this.pick(this.relayers) : this.stranger;
        const value = this.chance(0.05) ? toNano('0.1') : EVIDENCE_VALUE;
        const { o, ok } = await this.exec(
            `${conflict ? 'conflicting' : 'consistent'} vouchers of ${this.keys.get(signer)?.label} against Provider${p} by ${from.label} with ${ton(value)}`,
            { from, to: m.id, value, body: evidenceBody(a, b, this.queryId++) },
            () => this.model.evidence(p, signer, conflict, from.id, value),
            { openEnded: true },
        );
        // The treasury's part of a slash is not a protocol fee: keep the per-Provider fee tally clean.
        if (ok && o.slashedToTreasury) this.t.feeSent.set(m.id, (this.t.feeSent.get(m.id) ?? 0n) - o.slashedToTreasury);
    }

    // ---- governance: slashes and releases (docs/contracts/slashing.md) ----

    /** Governance proposes slashing a proxy: usually part of its stake, some times more than it holds. */
    async govSlash() {
        if (this.model.governance.length >= 4) return this.govResolve();
        const p = this.int(0, 1);
        const m = this.model.proxies[p];
        const held = m.stake + m.unbonding;
        const r = this.random();
        const amount = r < 0.04 ? 0n : r < 0.8 ? 1n + this.upTo(held / 4n) : held + this.tons(0, 100);
        const value = this.chance(0.05) ? MIN_VALUE_ENFORCE - 1n : ENFORCE_VALUE;
        const body = bodyOf(
            storeProposeSlash({
                $$type: 'ProposeSlash',
                queryId: this.queryId++,
                owner: this.owners[p].address,
                nodeIndex: this.nodes[p].nodeIndex,
                amount,
                reasonHash: BigInt(this.stepNo),
            }),
        );
        await this.exec(
            `governance proposes slashing ${ton(amount)} of Provider${p} (holds ${ton(held)}) with ${ton(value)}`,
            { from: this.governance, to: this.model.root, value, body },
            () => this.model.propose('slash', p, amount, this.governance.id, value, this.now).o,
        );
        await this.checkStake(p);
    }

    /** Governance proposes releasing a jailed proxy (a free one, or one already up for release: resolve instead). */
    async govRelease() {
        const jailed = [0, 1].filter(
            (p) => this.model.proxies[p].jailed && !this.model.governance.some((g) => g.kind === 'release' && g.proxy === p),
        );
        if (jailed.length === 0 || this.model.governance.length >= 4) return this.govResolve();
        const p = this.pick(jailed);
        const body = bodyOf(
            storeProposeRelease({
                $$type: 'ProposeRelease',
                queryId: this.queryId++,
                owner: this.owners[p].address,
                nodeIndex: this.nodes[p].nodeIndex,
            }),
        );
        await this.exec(
            `governance proposes releasing Provider${p}`,
            { from: this.governance, to: this.model.root, value: GOVERNANCE_VALUE, body },
            () => this.model.propose('release', p, 0n, this.governance.id, GOVERNANCE_VALUE, this.now).o,
        );
    }

    /**
     * A pending proposal meets its fate: executed by anyone (when due; some times too early, or
     * with too little value), vetoed by governance or the guardian, or, once expired, refused and
     * cleared by anyone.
     */
    async govResolve() {
        const g = this.model.governance.length ? this.pick(this.model.governance) : null;
        if (!g) return this.advance();
        const due = this.now >= g.executeAfter;
        const expired = this.now > g.expiresAt;
        const r = this.random();
        if (expired || (g.kind === 'slash' && r < 0.25)) {
            const byAuthority = !expired || this.chance(0.3);
            const from = byAuthority ? (this.chance(0.5) ? this.governance : this.guardian) : this.pick([...this.relayers, this.stranger]);
            const value = this.chance(0.05) ? MIN_VALUE_GOVERNANCE : ENFORCE_VALUE;
            await this.exec(
                `${from.label} cancels ${g.kind} #${g.id} of Provider${g.proxy}${expired ? ' (expired)' : ''} with ${ton(value)}`,
                {
                    from,
                    to: this.model.root,
                    value,
                    body: bodyOf(storeCancelProposal({ $$type: 'CancelProposal', queryId: this.queryId++, proposalId: g.id })),
                },
                () => this.model.cancel(g.id, from.id, from === this.governance || from === this.guardian, value, this.now),
            );
        } else {
            if (!due && r < 0.6) {
                // Wait out the rest of the window (or most of it).
                this.env.advance(Number(g.executeAfter - this.now) + (this.chance(0.8) ? this.int(0, HOUR) : -1));
            }
            const from = this.pick([...this.relayers, this.stranger]);
            const value = this.chance(0.05) ? MIN_VALUE_ENFORCE - 1n : ENFORCE_VALUE;
            const { o, ok } = await this.exec(
                `${from.label} executes ${g.kind} #${g.id} of Provider${g.proxy} (after ${g.executeAfter}, now ${this.now}) with ${ton(value)}`,
                {
                    from,
                    to: this.model.root,
                    value,
                    body: bodyOf(storeExecuteProposal({ $$type: 'ExecuteProposal', queryId: this.queryId++, proposalId: g.id })),
                },
                () => this.model.execute(g.id, from.id, value, this.now),
                { openEnded: true },
            );
            // A slash's treasury part is not a protocol fee: keep the per-Provider fee tally clean.
            const id = this.model.proxies[g.proxy].id;
            if (ok && o.slashedToTreasury) this.t.feeSent.set(id, (this.t.feeSent.get(id) ?? 0n) - o.slashedToTreasury);
        }
        await this.checkStake(g.proxy);
    }

    /** The proxy's stake, unbonding stake, freeze and jail, as the model has them. */
    async checkStake(p: number) {
        const st = await this.nodes[p].provider.getState();
        const m = this.model.proxies[p];
        const chain = { stake: st.stake, unbonding: st.unbonding, frozen: st.withdrawalsFrozen, jailed: st.status === STATUS_JAILED };
        const model = { stake: m.stake, unbonding: m.unbonding, frozen: this.model.frozen(p), jailed: m.jailed };
        const text = (x: object) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        if (text(chain) !== text(model)) {
            this.problem('stake', `Provider${p}: chain ${text(chain)}, model ${text(model)}\n${this.context()}`);
            m.stake = st.stake;
            m.unbonding = st.unbonding;
            m.jailed = chain.jailed;
        }
    }

    // ---- invariants 3 and 4, on a snapshot ----

    save(): { snap: BlockchainSnapshot; model: Model; t: Tracking; recent: string[] } {
        return { snap: this.env.blockchain.snapshot(), model: this.model.clone(), t: structuredClone(this.t), recent: [...this.recent] };
    }

    async load(s: ReturnType<Run['save']>) {
        await this.env.blockchain.loadFrom(s.snap);
        this.model = s.model.clone();
        this.t = structuredClone(s.t);
        this.recent = [...s.recent];
    }

    /**
     * Invariant 4 then (on the same snapshot) invariant 3. With `keep`, the second stays: the run
     * ends with every escrow closed.
     */
    async audit(keep: boolean) {
        const saved = this.save();
        await this.collectBeforeClose();
        await this.load(saved);
        await this.recoverSilently();
        if (!keep) await this.load(saved);
    }

    /** Invariant 4: each escrow closes unilaterally; the proxy submits its latest charge just in time. */
    async collectBeforeClose() {
        for (const e of this.deployedEscrows((e) => e.status === ESCROW_OPEN)) await this.requestClose(e);
        const closing = this.deployedEscrows((e) => e.status === ESCROW_CLOSING).sort((a, b) => Number(a.closeAt - b.closeAt));
        for (const e of closing) {
            if (this.now < e.closeAt - 1n) this.env.advance(Number(e.closeAt - 1n - this.now));
            if (this.now >= e.closeAt) continue; // its window ended before this audit
            // The proxy's latest signed totals if it has not collected them, else a charge for
            // what it served meanwhile (credit up to half the balance), under a fresh seqno.
            const latest = this.book(e.id).latest;
            const uncollected = latest !== null && latest.amount > e.charged;
            if (!uncollected && e.balanceHeld === 0n) continue;
            const v: Voucher = uncollected
                ? { ...latest, seqno: (latest.seqno > e.seqno ? latest.seqno : e.seqno) + 1n, final: false }
                : this.nextCharge(e, e.balanceHeld / 2n + 1n, 100n);
            const sv = this.sign(v, e.teeKey);
            const before = { ...e };
            const settles = this.model.keySettles(e.proxy, e.teeKey, this.now);
            const { o } = await this.submitCharge('invariant 4: proxy submits before the window ends', e, sv, e.teeKey, {
                from: this.relayers[0],
            });
            this.tally(
                settles
                    ? 'audit, invariant 4|charge collected in the window'
                    : 'audit, invariant 4|charge under a key past its grace undone',
            );
            if (settles) this.expectCollected(before, v, o);
            else if (!o.undone)
                this.problem('a charge under a key that no longer settles was not undone', `${this.label(e.id)}\n${this.context()}`);
        }
        await this.closeAllAfterDelay('invariant 4');
    }

    /** Invariant 3: the proxy says nothing; every client closes unilaterally and gets its balance. */
    async recoverSilently() {
        for (const e of this.deployedEscrows((e) => e.status === ESCROW_OPEN)) await this.requestClose(e);
        await this.closeAllAfterDelay('invariant 3');
    }

    async closeAllAfterDelay(tag: string) {
        let last = this.now;
        for (const e of this.deployedEscrows((e) => e.status === ESCROW_CLOSING)) if (e.closeAt > last) last = e.closeAt;
        if (last > this.now) this.env.advance(Number(last - this.now));
        const open = this.deployedEscrows((e) => e.status === ESCROW_CLOSING || (e.status === ESCROW_CLOSED && e.balanceHeld > 0n));
        for (const e of open) {
            const client = this.actors.get(e.client)!;
            const held = e.balanceHeld;
            const chainHeld = this.t.observed.get(e.id)?.balanceHeld;
            const deposited = e.deposited - e.withdrawn - e.charged - e.refunded;
            const receivedBefore = this.t.received.get(client.id) ?? 0n;
            const { result } = await this.finalizeOne(e, client);
            const got = (this.t.received.get(client.id) ?? 0n) - receivedBefore;
            const closed = result.externals
                .filter((x) => idOf(x.info.src) === e.id)
                .map((x) => x.body.beginParse())
                .filter((s) => s.preloadUint(32) === ESCROW_CLOSED_OP)
                .map((s) => loadEscrowClosed(s));
            const refunded = closed.at(-1)?.refunded;
            this.tally(`audit, ${tag}|refund checked`);
            if (e.status !== ESCROW_CLOSED || refunded !== held || chainHeld !== held || deposited !== held || got < held)
                this.problem(
                    `${tag}: a client did not recover its balance`,
                    `${this.label(e.id)}: model balanceHeld ${ton(held)} (deposits - withdrawals - charges ${ton(deposited)}), getter before ${chainHeld === undefined ? '?' : ton(chainHeld)}, EscrowClosed.refunded ${refunded === undefined ? 'none' : ton(refunded)}, client received ${ton(got)}\n${this.context()}`,
                );
        }
    }

    /** The fee owed leaves for the treasury: with a commission withdrawal, or SendProtocolFee. */
    async drainFees() {
        for (let p = 0; p < 2; p++) {
            const m = this.model.proxies[p];
            if (m.feeOwed === 0n) continue;
            if (m.commissionReleased > 0n) {
                const amount = m.commissionReleased;
                await this.exec(
                    `drain: Provider${p} owner withdraws all commission ${ton(amount)} (fee owed ${ton(m.feeOwed)})`,
                    {
                        from: this.owners[p],
                        to: m.id,
                        value: COMMISSION_VALUE,
                        body: bodyOf(storeWithdrawCommission({ $$type: 'WithdrawCommission', queryId: this.queryId++, amount })),
                    },
                    () => this.model.withdrawCommission(p, this.owners[p].id, amount, COMMISSION_VALUE),
                );
            } else {
                await this.exec(
                    `drain: SendProtocolFee to Provider${p} (fee owed ${ton(m.feeOwed)})`,
                    {
                        from: this.relayers[0],
                        to: m.id,
                        value: COMMISSION_VALUE,
                        body: bodyOf(storeSendProtocolFee({ $$type: 'SendProtocolFee', queryId: this.queryId++ })),
                    },
                    () => this.model.sendProtocolFee(p, this.relayers[0].id, COMMISSION_VALUE),
                );
            }
        }
    }
}
