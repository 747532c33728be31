/**
 * The devnet's chain: an @ton/sandbox Blockchain plus what a node keeps that the sandbox does not
 * (a transaction index per account, a block counter, the clock, a mempool for externals), saved
 * to disk so a restart finds everything where it was.
 *
 * - Time: chain time is the wall clock plus an offset that only grows (advanceTime), never less
 *   than the last block's time, so contracts never see time go backwards.
 * - Blocks: every accepted external message and every faucet payment is processed to the end of
 *   its message chain and closes a block: one masterchain seqno per batch of transactions.
 * - Mempool: an external its account refuses now may be the next message of a wallet whose
 *   earlier message has not arrived yet (concurrent sends reach an HTTP server in any order). It
 *   is held for `holdMs` and retried whenever another message lands; if still refused after that,
 *   the sender gets the error a liteserver gives. Messages that land do so one at a time, in
 *   arrival order, each after the one before it has finished.
 * - Persistence: `<stateDir>/state.json` holds the accounts (the sandbox snapshot without its
 *   logs), the clock and the block counter; `<stateDir>/transactions.jsonl` gets one line per
 *   transaction, appended as it happens. On start, transactions newer than the saved state (a
 *   crash between the two writes) are dropped, so the index never shows what the state lacks.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
    Address,
    beginCell,
    Cell,
    external,
    internal,
    loadTransaction,
    Message,
    SendMode,
    ShardAccount,
    storeMessage,
    toNano,
    Transaction,
    TupleItem,
} from '@ton/core';
import {
    Blockchain,
    BlockchainTransaction,
    createShardAccount,
    EmulationError,
    snapshotFromSerializable,
    snapshotToSerializable,
    TreasuryContract,
} from '@ton/sandbox';
import type { SerializableSnapshot } from '@ton/sandbox/dist/blockchain/BlockchainSnapshot';
import { computeExternalMessageFees, configParseMsgPrices, loadConfigParamById } from '@ton/ton';
import { DevnetError } from './errors';
import { devnetWallets, DevnetWallet } from './wallets';

export const STATE_FORMAT = 'cocoon-devnet-state';
export const STATE_VERSION = 1;

/** The config contract's address: blueprint's getConfig() reads the network config from it. */
export const CONFIG_ADDRESS = Address.parse('-1:5555555555555555555555555555555555555555555555555555555555555555');

export interface ChainOptions {
    /** Directory of state.json and transactions.jsonl; null keeps everything in memory. */
    stateDir: string | null;
    /** Discard any saved state and start a fresh chain. */
    reset?: boolean;
    /** Pre-funded wallets at genesis (default 4). */
    wallets?: number;
    /** Balance of each pre-funded wallet (default 1,000,000 TON). */
    walletBalance?: bigint;
    /** How long a refused external waits for the messages before it (default 2000 ms). */
    holdMs?: number;
    /** The wall clock in unix seconds (tests may pass their own). */
    clock?: () => number;
}

/** One transaction as the index keeps it. */
export interface TxRecord {
    address: Address;
    lt: bigint;
    hash: Buffer;
    utime: number;
    boc: Buffer;
    tx: Transaction;
    /** Masterchain seqno of the block that holds it. */
    block: number;
}

interface SavedState {
    format: string;
    version: number;
    createdAt: number;
    timeOffset: number;
    lastTime: number;
    seqno: number;
    wallets: number;
    faucetSubwallet: string;
    snapshot: SerializableSnapshot;
}

interface Pending {
    message: Message;
    deadline: number;
    timer?: NodeJS.Timeout;
    resolve: (records: TxRecord[]) => void;
    reject: (e: Error) => void;
}

const FAUCET_BALANCE = toNano('1000000000');
/** Held externals per account at most; beyond that a refused one is answered at once. */
const MAX_HELD_PER_ACCOUNT = 64;
const MAX_FAUCET = toNano('1000000');

function rawKey(address: Address): string {
    return address.toRawString();
}

export class DevnetChain {
    readonly createdAt: number;
    /** Whether the chain was restored from a saved state (false for a fresh genesis). */
    readonly restored: boolean;
    private timeOffset: number;
    private lastTime: number;
    private seqnoValue: number;
    private readonly txs = new Map<string, TxRecord[]>();
    private readonly blocks = new Map<number, TxRecord[]>();
    private readonly pending: Pending[] = [];
    private queue: Promise<unknown> = Promise.resolve();
    private saveTimer: NodeJS.Timeout | null = null;
    private closed = false;

    private constructor(
        readonly bc: Blockchain,
        readonly wallets: DevnetWallet[],
        private readonly faucet: TreasuryContract,
        private readonly opts: Required<Omit<ChainOptions, 'stateDir' | 'reset'>> & { stateDir: string | null },
        saved: SavedState | null,
    ) {
        const wall = opts.clock();
        this.restored = saved !== null;
        this.createdAt = saved?.createdAt ?? wall;
        this.timeOffset = saved?.timeOffset ?? 0;
        this.lastTime = saved?.lastTime ?? wall;
        this.seqnoValue = saved?.seqno ?? 1;
    }

    static async open(options: ChainOptions): Promise<DevnetChain> {
        const opts = {
            stateDir: options.stateDir,
            wallets: options.wallets ?? 4,
            walletBalance: options.walletBalance ?? toNano('1000000'),
            holdMs: options.holdMs ?? 2000,
            clock: options.clock ?? (() => Math.floor(Date.now() / 1000)),
        };
        const statePath = opts.stateDir ? path.join(opts.stateDir, 'state.json') : null;
        const txPath = opts.stateDir ? path.join(opts.stateDir, 'transactions.jsonl') : null;
        if (options.reset && opts.stateDir) {
            rmSync(statePath!, { force: true });
            rmSync(txPath!, { force: true });
        }
        const bc = await Blockchain.create();
        bc.verbosity = { print: false, blockchainLogs: false, vmLogs: 'none', debugLogs: false };
        let saved: SavedState | null = null;
        if (statePath && existsSync(statePath)) {
            saved = readState(statePath);
            await bc.loadFrom(snapshotFromSerializable(saved.snapshot));
            opts.wallets = saved.wallets;
        }
        const wallets = await devnetWallets(opts.wallets);
        const faucet = TreasuryContract.create(0, saved ? BigInt(saved.faucetSubwallet) : 0x6661756365749n);
        const chain = new DevnetChain(bc, wallets, faucet, opts, saved);
        if (saved) {
            chain.loadTransactions(txPath!, BigInt(saved.snapshot.lt));
        } else {
            await chain.genesis();
        }
        return chain;
    }

    /** Accounts that exist from the start: the faucet, the pre-funded wallets, the config contract. */
    private async genesis() {
        const now = this.now();
        this.bc.now = now;
        const put = async (address: Address, code: Cell, data: Cell, balance: bigint) => {
            const account = createShardAccount({ address, code, data, balance, workchain: address.workChain });
            // Storage is paid from genesis, not from 1970.
            if (account.account) account.account.storageStats.lastPaid = now;
            await this.bc.setShardAccount(address, account);
        };
        await put(
            this.faucet.address,
            TreasuryContract.code,
            beginCell().storeUint(this.faucet.subwalletId, 256).endCell(),
            FAUCET_BALANCE,
        );
        for (const w of this.wallets) {
            await put(w.address, w.contract.init.code, w.contract.init.data, this.opts.walletBalance);
        }
        // The config contract's data starts with a reference to the config dictionary.
        const configData = beginCell().storeRef(this.bc.config).storeUint(0, 32).storeUint(0, 256).endCell();
        await put(CONFIG_ADDRESS, beginCell().storeUint(0, 8).endCell(), configData, 0n);
        this.scheduleSave(true);
    }

    get seqno(): number {
        return this.seqnoValue;
    }

    get holdMs(): number {
        return this.opts.holdMs;
    }

    /** Chain time: the wall clock plus the offset, never before the last block. */
    now(): number {
        return Math.max(this.lastTime, this.opts.clock() + this.timeOffset);
    }

    get offset(): number {
        return this.timeOffset;
    }

    /** Moves chain time forward by `seconds` (admin only). */
    advanceTime(seconds: number): number {
        if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > 10 * 365 * 86400) {
            throw new DevnetError(400, 'seconds must be a whole number from 1 to 315360000 (ten years)');
        }
        this.timeOffset += seconds;
        this.scheduleSave(true);
        return this.now();
    }

    // ----- reads -----

    async account(address: Address): Promise<ShardAccount> {
        return (await this.bc.getContract(address)).account;
    }

    transactionsOf(address: Address): TxRecord[] {
        return this.txs.get(rawKey(address)) ?? [];
    }

    /** Transactions of one block, in the order they happened. */
    blockTransactions(seqno: number): TxRecord[] {
        return this.blocks.get(seqno) ?? [];
    }

    /** Runs a get method on the current state. */
    async runGetMethod(address: Address, method: string | number, stack: TupleItem[]) {
        const account = await this.account(address);
        const state = account.account?.storage.state;
        if (!state || state.type !== 'active' || !state.state.code) {
            return { exitCode: -13, gasUsed: 0n, stack: [] as TupleItem[] };
        }
        try {
            const res = await this.bc.runGetMethod(address, method, stack, { now: this.now() });
            return { exitCode: res.exitCode, gasUsed: res.gasUsed, stack: res.stack };
        } catch (e) {
            const err = e as { exitCode?: number; gasUsed?: bigint };
            if (typeof err.exitCode === 'number') return { exitCode: err.exitCode, gasUsed: err.gasUsed ?? 0n, stack: [] };
            throw e;
        }
    }

    /**
     * Fees of processing an external message with this body (and StateInit) on the account's
     * current state, without keeping the result: toncenter's estimateFee.
     */
    async estimateFee(address: Address, body: Cell, init: { code: Cell; data: Cell } | null, ignoreChksig: boolean) {
        const message = external({ to: address, body, init: init ?? undefined });
        const msgCell = beginCell().store(storeMessage(message)).endCell();
        const prices = configParseMsgPrices(loadConfigParamById(this.bc.configBase64, address.workChain === -1 ? 24 : 25).beginParse());
        const inFwdFee = computeExternalMessageFees(prices, msgCell);
        const contract = await this.bc.getContract(address);
        const saved = contract.snapshot();
        try {
            const tx = await contract.receiveMessage(message, { now: this.now(), ignoreChksig });
            const d = tx.description;
            if (d.type !== 'generic') throw new DevnetError(500, 'LITE_SERVER_UNKNOWN: unexpected transaction type');
            const gasFee = d.computePhase.type === 'vm' ? d.computePhase.gasFees : 0n;
            return {
                inFwdFee,
                storageFee: d.storagePhase?.storageFeesCollected ?? 0n,
                gasFee,
                fwdFee: d.actionPhase?.totalFwdFees ?? 0n,
            };
        } catch (e) {
            if (e instanceof DevnetError) throw e;
            throw new DevnetError(500, `LITE_SERVER_UNKNOWN: cannot estimate fees: ${firstLine(e)}`);
        } finally {
            contract.loadFrom(saved);
        }
    }

    // ----- writes -----

    /**
     * Submits an external message; resolves with its transactions once it has landed (and every
     * message it caused has been processed), rejects with the liteserver's error when its account
     * still refuses it after the hold.
     */
    submitExternal(message: Message): Promise<TxRecord[]> {
        if (message.info.type !== 'external-in') {
            throw new DevnetError(500, 'LITE_SERVER_UNKNOWN: the message is not an inbound external message');
        }
        if (this.closed) throw new DevnetError(503, 'the devnet is shutting down');
        return new Promise((resolve, reject) => {
            const p: Pending = { message, deadline: Date.now() + this.opts.holdMs, resolve, reject };
            // Whatever goes wrong inside the job, the caller gets an answer.
            this.enqueue(() => this.tryApply(p), p);
        });
    }

    /** Sends `amount` from the faucet to `to` (non-bounceable); resolves with the transactions. */
    async fund(to: Address, amount: bigint): Promise<TxRecord[]> {
        if (amount <= 0n || amount > MAX_FAUCET) {
            throw new DevnetError(400, `amount must be more than 0 and at most ${MAX_FAUCET / 1_000_000_000n} TON`);
        }
        const body = this.faucet.createTransfer({
            messages: [internal({ to, value: amount, bounce: false })],
            sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
        });
        const message = external({ to: this.faucet.address, body });
        return this.submitExternal(message);
    }

    get faucetAddress(): Address {
        return this.faucet.address;
    }

    private enqueue(job: () => Promise<void>, owner?: Pending) {
        this.queue = this.queue.then(job).catch((e: unknown) => {
            const error = new DevnetError(500, `LITE_SERVER_UNKNOWN: ${firstLine(e)}`);
            if (owner) owner.reject(error);
            // A job that failed half-way (a disk error after the state moved) leaves held messages
            // in doubt: answer them rather than leave their senders waiting.
            for (const p of this.pending.splice(0)) {
                if (p.timer) clearTimeout(p.timer);
                p.reject(error);
            }
            console.error(`devnet: ${(e as Error)?.stack ?? e}`);
        });
    }

    private async tryApply(p: Pending): Promise<void> {
        const result = await this.apply(p.message);
        if (result.ok) {
            p.resolve(result.records);
            await this.retryHeld(result.records);
            return;
        }
        const dest = rawKey(destinationOf(p.message));
        const heldForAccount = this.pending.filter((q) => rawKey(destinationOf(q.message)) === dest).length;
        if (Date.now() >= p.deadline || this.closed || heldForAccount >= MAX_HELD_PER_ACCOUNT) {
            p.reject(result.error);
            return;
        }
        this.pending.push(p);
        // Give up on it at its deadline unless a later message lets it through first.
        p.timer = setTimeout(() => this.enqueue(() => this.expireHeld()), Math.max(0, p.deadline - Date.now()) + 1);
        p.timer.unref();
    }

    /**
     * Retries held messages after `landed`. Whether an account accepts an external depends on that
     * account's state (and the time) alone, so only messages to accounts that just changed can
     * have become acceptable.
     */
    private async retryHeld(landed: TxRecord[]): Promise<void> {
        const touched = new Set(landed.map((r) => rawKey(r.address)));
        let progress = true;
        while (progress && this.pending.length > 0) {
            progress = false;
            for (const p of [...this.pending]) {
                if (!touched.has(rawKey(destinationOf(p.message)))) continue;
                // Let other requests in between emulations: a long retry must not stall the server.
                await new Promise((r) => setImmediate(r));
                const result = await this.apply(p.message);
                if (result.ok) {
                    this.pending.splice(this.pending.indexOf(p), 1);
                    if (p.timer) clearTimeout(p.timer);
                    p.resolve(result.records);
                    for (const r of result.records) touched.add(rawKey(r.address));
                    progress = true;
                }
            }
        }
    }

    private async expireHeld(): Promise<void> {
        const now = Date.now();
        for (const p of [...this.pending]) {
            if (now < p.deadline || !this.pending.includes(p)) continue;
            // A last try: time has passed since it was refused.
            const result = await this.apply(p.message);
            this.pending.splice(this.pending.indexOf(p), 1);
            if (p.timer) clearTimeout(p.timer);
            if (result.ok) {
                p.resolve(result.records);
                await this.retryHeld(result.records);
            } else {
                p.reject(result.error);
            }
        }
    }

    /** Processes one external message to the end of its chain, as one block. */
    private async apply(message: Message): Promise<{ ok: true; records: TxRecord[] } | { ok: false; error: DevnetError }> {
        const time = this.now();
        this.bc.now = time;
        let txs: BlockchainTransaction[];
        try {
            txs = (await this.bc.sendMessage(message)).transactions;
        } catch (e) {
            if (e instanceof EmulationError || (e as Error).message?.startsWith('Error while executing transaction')) {
                return {
                    ok: false,
                    error: new DevnetError(
                        500,
                        `LITE_SERVER_UNKNOWN: cannot apply external message to current state : External message was not accepted\n${firstLine(e)}`,
                    ),
                };
            }
            return { ok: false, error: new DevnetError(500, `LITE_SERVER_UNKNOWN: ${firstLine(e)}`) };
        } finally {
            this.dropSandboxHistory();
        }
        this.lastTime = time;
        const block = ++this.seqnoValue;
        const records = txs.map((tx) => this.index(tx, block));
        this.appendTransactions(records);
        this.scheduleSave();
        return { ok: true, records };
    }

    /** The sandbox keeps every transaction in memory for its own tools; the index replaces that. */
    private dropSandboxHistory() {
        const bc = this.bc as unknown as { transactions?: unknown[] };
        if (Array.isArray(bc.transactions)) bc.transactions.length = 0;
    }

    private index(tx: Transaction, block: number): TxRecord {
        const record: TxRecord = {
            address: accountOf(tx),
            lt: tx.lt,
            hash: tx.hash(),
            utime: tx.now,
            boc: tx.raw.toBoc({ idx: false, crc32: true }),
            tx,
            block,
        };
        const key = rawKey(record.address);
        const list = this.txs.get(key) ?? [];
        list.push(record);
        this.txs.set(key, list);
        const inBlock = this.blocks.get(block) ?? [];
        inBlock.push(record);
        this.blocks.set(block, inBlock);
        return record;
    }

    // ----- persistence -----

    private appendTransactions(records: TxRecord[]) {
        if (!this.opts.stateDir || records.length === 0) return;
        mkdirSync(this.opts.stateDir, { recursive: true });
        const lines = records
            .map((r) => JSON.stringify({ a: r.address.toRawString(), b: r.block, t: r.boc.toString('base64') }) + '\n')
            .join('');
        appendFileSync(path.join(this.opts.stateDir, 'transactions.jsonl'), lines);
    }

    private loadTransactions(file: string, stateLt: bigint) {
        if (!existsSync(file)) return;
        const kept: string[] = [];
        const lines = readFileSync(file, 'utf8').split('\n');
        for (let i = 0; i < lines.length; i++) {
            const line = lines[i];
            if (!line.trim()) continue;
            let entry: { a: string; b: number; t: string };
            try {
                entry = JSON.parse(line) as { a: string; b: number; t: string };
            } catch (e) {
                // A crash in the middle of an append leaves half a last line: drop it (its state
                // was never saved either). Anything else unreadable is damage we must not hide.
                if (lines.slice(i + 1).every((l) => !l.trim())) break;
                throw new Error(`${file}, line ${i + 1}: ${(e as Error).message}; start with --reset to discard the saved chain`);
            }
            const { a, b, t } = entry;
            const tx = loadTransaction(Cell.fromBase64(t).beginParse());
            if (tx.lt > stateLt) continue; // written after the last saved state
            const rec = this.index(tx, b);
            if (rec.address.toRawString() !== Address.parse(a).toRawString()) {
                throw new Error(`transactions.jsonl: transaction ${tx.lt} is filed under ${a} but belongs to ${rec.address.toRawString()}`);
            }
            kept.push(line);
        }
        writeFileSync(file + '.tmp', kept.map((l) => l + '\n').join(''));
        renameSync(file + '.tmp', file);
    }

    /** Saves soon (coalescing bursts), or at once with `now`. */
    scheduleSave(now = false) {
        if (!this.opts.stateDir) return;
        if (now) {
            this.saveNow();
            return;
        }
        if (this.saveTimer) return;
        this.saveTimer = setTimeout(() => {
            this.saveTimer = null;
            try {
                this.saveNow();
            } catch (e) {
                // The chain runs on; the next save tries again, and the operator sees why.
                console.error(`devnet: cannot save the state: ${(e as Error).message}`);
            }
        }, 50);
    }

    saveNow() {
        if (!this.opts.stateDir) return;
        if (this.saveTimer) {
            clearTimeout(this.saveTimer);
            this.saveTimer = null;
        }
        // Reading an unknown address makes the sandbox create an empty account: those are not
        // saved, so reads cannot grow the state file.
        const full = this.bc.snapshot();
        const contracts = full.contracts.filter((c) => {
            const acc = c.account.account;
            const untouched =
                c.account.lastTransactionLt === 0n && (!acc || (acc.storage.state.type === 'uninit' && acc.storage.balance.coins === 0n));
            return !untouched;
        });
        const snapshot = snapshotToSerializable({ ...full, contracts, transactions: [] });
        const state: SavedState = {
            format: STATE_FORMAT,
            version: STATE_VERSION,
            createdAt: this.createdAt,
            timeOffset: this.timeOffset,
            lastTime: this.lastTime,
            seqno: this.seqnoValue,
            wallets: this.wallets.length,
            faucetSubwallet: this.faucet.subwalletId.toString(),
            snapshot,
        };
        mkdirSync(this.opts.stateDir, { recursive: true });
        const file = path.join(this.opts.stateDir, 'state.json');
        writeFileSync(file + '.tmp', JSON.stringify(state));
        renameSync(file + '.tmp', file);
    }

    /** Waits for queued messages, then saves. */
    async close() {
        this.closed = true;
        await this.queue;
        for (const p of this.pending.splice(0)) {
            if (p.timer) clearTimeout(p.timer);
            p.reject(new DevnetError(503, 'the devnet is shutting down'));
        }
        if (this.saveTimer) clearTimeout(this.saveTimer);
        this.saveNow();
    }

    /** A deterministic block hash for a seqno (the devnet has no real blocks). */
    static blockHash(seqno: number, kind: 'root' | 'file'): Buffer {
        return createHash('sha256').update(`cocoon-devnet/block/${kind}/${seqno}`).digest();
    }
}

function destinationOf(message: Message): Address {
    if (message.info.type === 'external-in' || message.info.type === 'internal') return message.info.dest;
    throw new Error('an outbound external message has no destination account');
}

/** The account a transaction belongs to: its inbound message's destination (tick-tock aside). */
function accountOf(tx: Transaction): Address {
    const info = tx.inMessage?.info;
    if (info && (info.type === 'internal' || info.type === 'external-in')) return info.dest;
    return new Address(0, Buffer.from(tx.address.toString(16).padStart(64, '0'), 'hex'));
}

function readState(file: string): SavedState {
    let state: SavedState;
    try {
        state = JSON.parse(readFileSync(file, 'utf8')) as SavedState;
    } catch (e) {
        throw new Error(`${file} is not a devnet state file (${(e as Error).message}); start with --reset to discard it`);
    }
    if (state.format !== STATE_FORMAT || state.version !== STATE_VERSION) {
        throw new Error(
            `${file} has format ${state.format} v${state.version}, expected ${STATE_FORMAT} v${STATE_VERSION}; start with --reset to discard it`,
        );
    }
    return state;
}

function firstLine(e: unknown): string {
    return String((e as Error).message ?? e).split('\n')[0];
}
