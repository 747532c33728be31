/**
 * The committed gas snapshot (snapshots/gas.json) and the figures it holds. tools/gas/README.md
 * says exactly what is counted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Address, Message, Transaction } from '@ton/core';

export const SNAPSHOT_PATH = path.resolve(__dirname, '../../snapshots/gas.json');
export const UPDATE_COMMAND = 'npm run gas:update';
/** A figure may move by this fraction either way before the comparison fails. */
export const TOLERANCE = 0.05;

export interface Figures {
    /** Gas used by the contract's own transaction (compute phase). */
    gas: number;
    /** Nanoton paid in fees over the whole message chain the operation starts; see measure(). */
    fees: number;
}

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

/** Replaces one contract's section, keeping the others; keys sorted, 4-space JSON, final newline. */
export function writeSection(contract: string, section: Section, file = SNAPSHOT_PATH) {
    const all: Snapshot = { ...(readSnapshot(file) ?? {}), [contract]: section };
    const stable = sortKeys(
        Object.fromEntries(
            Object.entries(all).map(([c, s]) => [
                c,
                sortKeys(Object.fromEntries(Object.entries(s).map(([op, f]) => [op, { fees: f.fees, gas: f.gas }]))),
            ]),
        ),
    );
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stable, null, 4) + '\n');
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
            problems.push(`${contract}.${op}: new operation (gas ${now[op].gas}, fees ${now[op].fees}), not in the snapshot`);
            continue;
        }
        for (const k of ['gas', 'fees'] as const) {
            const moved = was[k] === 0 ? now[op][k] !== 0 : Math.abs(now[op][k] - was[k]) / was[k] > TOLERANCE;
            if (moved) problems.push(`${contract}.${op}: ${k} was ${was[k]}, now ${now[op][k]} (${pct(was[k], now[op][k])})`);
        }
    }
    for (const op of Object.keys(old).sort()) {
        if (!now[op]) problems.push(`${contract}.${op}: in the snapshot (gas ${old[op].gas}, fees ${old[op].fees}) but no longer measured`);
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
    const d = own[0].description;
    if (d.type !== 'generic') throw new Error(`unexpected ${d.type} transaction at ${contract.toString()}`);
    if (d.computePhase.type !== 'vm' || !d.computePhase.success || d.aborted) {
        const code = d.computePhase.type === 'vm' ? d.computePhase.exitCode : `skipped (${d.computePhase.reason})`;
        throw new Error(`the transaction at ${contract.toString()} failed: exit code ${code}, action result ${d.actionPhase?.resultCode}`);
    }
    let fees = 0n;
    for (const tx of chain) {
        fees += tx.totalFees.coins;
        for (const m of internalOut(tx)) if (m.info.type === 'internal') fees += m.info.forwardFee;
    }
    return { gas: Number(d.computePhase.gasUsed), fees: Number(fees) };
}
