/**
 * The committed gas snapshot (snapshots/gas.json) and the figures it holds. tools/gas/README.md
 * says exactly what is counted.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Address, Message, Transaction } from '@ton/core';

export const SNAPSHOT_PATH = path.resolve(__dirname, '../../snapshots/gas.json');
export const UPDATE_COMMAND = 'npm run gas:update';
/** A figure may move by this fraction either way before the comparison fails. */
export const TOLERANCE = 0.05;

export interface Figures {
    /** Gas used by the contract's own transaction(s) (compute phase), summed. */
    gas: number;
    /** Nanoton paid in fees over the whole message chain the operation starts; see measure(). */
    fees: number;
    /**
     * Operations of a contract that asks the Root (the Provider's): gas of the Root's transactions
     * in the chain, summed; 0 when the operation does not reach the Root. See measureAcross().
     */
    rootGas?: number;
}

/** The figures a snapshot compares, in the order they are reported. */
const KINDS = ['gas', 'rootGas', 'fees'] as const;

/** Operation name -> figures, for one contract. */
export type Section = Record<string, Figures>;
/** Contract name -> its section. */
export type Snapshot = Record<string, Section>;

/** The snapshot file, or null when there is none yet. */
export function readSnapshot(file = SNAPSHOT_PATH): Snapshot | null {
    if (!existsSync(file)) return null;
    return JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
    return Object.fromEntries(
        Object.keys(o)
            .sort()
            .map((k) => [k, o[k]]),
    );
}

/**
 * Runs `fn` holding `<file>.lock`. The *.gas.spec.ts files run in parallel jest workers and each
 * rewrites its own section of the same file: without the lock one could write back the section
 * the other had just replaced. A lock older than a minute is a crashed writer's and is taken over.
 */
function withLock<T>(file: string, fn: () => T): T {
    const lock = `${file}.lock`;
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            closeSync(openSync(lock, 'wx'));
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            try {
                if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { force: true });
            } catch {
                // released meanwhile
            }
            if (Date.now() > deadline) throw new Error(`${lock} is held; remove it if no gas:update is running`);
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
    }
    try {
        return fn();
    } finally {
        rmSync(lock, { force: true });
    }
}

/** Replaces one contract's section, keeping the others; keys sorted, 4-space JSON, final newline. */
export function writeSection(contract: string, section: Section, file = SNAPSHOT_PATH) {
    mkdirSync(path.dirname(file), { recursive: true });
    withLock(file, () => writeSectionUnlocked(contract, section, file));
}

function writeSectionUnlocked(contract: string, section: Section, file: string) {
    const all: Snapshot = { ...(readSnapshot(file) ?? {}), [contract]: section };
    const stable = sortKeys(
        Object.fromEntries(
            Object.entries(all).map(([c, s]) => [
                c,
                sortKeys(
                    Object.fromEntries(
                        Object.entries(s).map(([op, f]) => [
                            op,
                            f.rootGas === undefined ? { fees: f.fees, gas: f.gas } : { fees: f.fees, gas: f.gas, rootGas: f.rootGas },
                        ]),
                    ),
                ),
            ]),
        ),
    );
    // Written aside and renamed, so a reader never sees half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(stable, null, 4) + '\n');
    renameSync(`${file}.tmp`, file);
}

function showFigures(f: Figures): string {
    return KINDS.filter((k) => f[k] !== undefined)
        .map((k) => `${k} ${f[k]}`)
        .join(', ');
}

function pct(oldV: number, newV: number): string {
    if (oldV === 0) return newV === 0 ? '0%' : 'new';
    const p = ((newV - oldV) / oldV) * 100;
    return `${p >= 0 ? '+' : ''}${p.toFixed(2)}%`;
}

/** Every difference beyond TOLERANCE, and every operation added or removed, as readable lines. */
export function compareSection(contract: string, old: Section | undefined, now: Section): string[] {
    const problems: string[] = [];
    if (!old) return [`${path.relative(process.cwd(), SNAPSHOT_PATH)} has no "${contract}" section`];
    for (const op of Object.keys(now).sort()) {
        const was = old[op];
        if (!was) {
            problems.push(`${contract}.${op}: new operation (${showFigures(now[op])}), not in the snapshot`);
            continue;
        }
        for (const k of KINDS) {
            if (was[k] === undefined && now[op][k] === undefined) continue;
            const [a, b] = [was[k] ?? 0, now[op][k] ?? 0];
            const moved = was[k] === undefined || now[op][k] === undefined || (a === 0 ? b !== 0 : Math.abs(b - a) / a > TOLERANCE);
            if (moved)
                problems.push(
                    `${contract}.${op}: ${k} was ${was[k] ?? 'not recorded'}, now ${now[op][k] ?? 'not measured'} (${pct(a, b)})`,
                );
        }
    }
    for (const op of Object.keys(old).sort()) {
        if (!now[op]) problems.push(`${contract}.${op}: in the snapshot (${showFigures(old[op])}) but no longer measured`);
    }
    return problems;
}

function internalOut(tx: Transaction): Message[] {
    return tx.outMessages.values().filter((m) => m.info.type === 'internal');
}

function isTo(tx: Transaction, address: Address): boolean {
    const info = tx.inMessage?.info;
    return info?.type === 'internal' && info.dest.equals(address);
}

/** Throws unless the transaction ran its compute and action phases successfully. */
function expectSuccess(tx: Transaction, where: string): bigint {
    const d = tx.description;
    if (d.type !== 'generic') throw new Error(`unexpected ${d.type} transaction at ${where}`);
    if (d.computePhase.type !== 'vm' || !d.computePhase.success || d.aborted) {
        const code = d.computePhase.type === 'vm' ? d.computePhase.exitCode : `skipped (${d.computePhase.reason})`;
        throw new Error(`the transaction at ${where} failed: exit code ${code}, action result ${d.actionPhase?.resultCode}`);
    }
    return d.computePhase.gasUsed;
}

/** Fees over the chain: totalFees of each transaction plus the forwarding fee its internal messages still carry. */
function chainFees(chain: readonly Transaction[]): number {
    let fees = 0n;
    for (const tx of chain) {
        fees += tx.totalFees.coins;
        for (const m of internalOut(tx)) if (m.info.type === 'internal') fees += m.info.forwardFee;
    }
    return Number(fees);
}

/**
 * Figures of one operation from the transactions it caused.
 *
 * The chain is every transaction whose inbound message is internal, which leaves out the sending
 * wallet's own (external-in) transaction: its cost depends on the wallet, not on our contracts.
 * - gas: computePhase.gasUsed of the one chain transaction at `contract`;
 * - fees: over the chain, the sum of totalFees (gas, storage, action fees including the whole fee
 *   of every event and the first part of every message's forwarding fee) plus the forwarding fee
 *   still carried by each internal message the chain sends (info.forwardFee), which the next hop
 *   pays to validators and no transaction's totalFees shows.
 * Throws unless the contract's transaction succeeded, so a broken operation is never recorded.
 */
export function measure(transactions: readonly Transaction[], contract: Address): Figures {
    const chain = transactions.filter((tx) => tx.inMessage?.info.type === 'internal');
    const own = chain.filter((tx) => isTo(tx, contract));
    if (own.length !== 1) throw new Error(`expected one transaction at ${contract.toString()}, found ${own.length}`);
    const gas = expectSuccess(own[0], contract.toString());
    return { gas: Number(gas), fees: chainFees(chain) };
}

/**
 * Figures of an operation that runs through several transactions of `contract` and of the Root:
 * a Provider's bind is its BindAttestation transaction, the Root's QueryImage, its own
 * ImageVerdict, and for a proxy that lists, the Root's ListProxyForRoot and its own ProxyListed.
 * - gas: computePhase.gasUsed of every chain transaction at `contract`, summed (at least one);
 * - rootGas: the same at `root` (0 when the chain does not reach it);
 * - fees: as in measure(), over the whole chain.
 * Throws unless every transaction at either contract succeeded: a refused listing or a bounce is
 * never recorded as the cost of the operation.
 */
export function measureAcross(transactions: readonly Transaction[], contract: Address, root: Address): Figures {
    const chain = transactions.filter((tx) => tx.inMessage?.info.type === 'internal');
    const own = chain.filter((tx) => isTo(tx, contract));
    if (own.length === 0) throw new Error(`no transaction at ${contract.toString()}`);
    const sum = (txs: Transaction[], where: string) => txs.reduce((acc, tx) => acc + expectSuccess(tx, where), 0n);
    return {
        gas: Number(sum(own, contract.toString())),
        rootGas: Number(
            sum(
                chain.filter((tx) => isTo(tx, root)),
                `the Root ${root.toString()}`,
            ),
        ),
        fees: chainFees(chain),
    };
}

/**
 * Figures of a flow that runs through several protocol contracts (a charge: the escrow, then the
 * proxy's Provider): gas of every chain transaction at any of `contracts`, summed; fees as in
 * measure(). Throws unless each of those transactions succeeded.
 */
export function measureContracts(transactions: readonly Transaction[], contracts: readonly Address[]): Figures {
    const chain = transactions.filter((tx) => tx.inMessage?.info.type === 'internal');
    const ours = chain.filter((tx) => contracts.some((c) => isTo(tx, c)));
    if (ours.length === 0) throw new Error('no transaction at any of the given contracts');
    const gas = ours.reduce((acc, tx) => acc + expectSuccess(tx, 'a protocol contract'), 0n);
    return { gas: Number(gas), fees: chainFees(chain) };
}
