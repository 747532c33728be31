/** Human-readable forms of the values the scripts print. */
import type { NetworkProvider } from '@ton/blueprint';
import { Address, fromNano } from '@ton/core';
import { formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';

export type Network = ReturnType<NetworkProvider['network']>;

export function formatTon(nano: bigint): string {
    return `${fromNano(nano)} TON`;
}

/** "1d 2h 3m 4s" with zero parts left out; "0s" for zero. */
export function humanDuration(seconds: number | bigint): string {
    let s = Number(seconds);
    const parts: string[] = [];
    for (const [unit, size] of [
        ['d', 86400],
        ['h', 3600],
        ['m', 60],
    ] as const) {
        if (s >= size) {
            parts.push(`${Math.floor(s / size)}${unit}`);
            s %= size;
        }
    }
    if (s > 0 || parts.length === 0) parts.push(`${s}s`);
    return parts.join(' ');
}

export function formatDuration(seconds: number | bigint): string {
    return `${humanDuration(seconds)} (${seconds} s)`;
}

export function formatBps(bps: number | bigint): string {
    return `${Number(bps) / 100}% (${bps} bps)`;
}

export function formatTime(unix: number | bigint): string {
    return new Date(Number(unix) * 1000).toISOString().replace('.000Z', 'Z');
}

/** "in 2d 3h" or "5m ago" relative to `now`. */
export function formatRelative(unix: number | bigint, now: number): string {
    const delta = Number(unix) - now;
    if (delta === 0) return 'now';
    return delta > 0 ? `in ${humanDuration(delta)}` : `${humanDuration(-delta)} ago`;
}

export function formatAt(unix: number | bigint, now: number): string {
    return `${formatTime(unix)} (${formatRelative(unix, now)})`;
}

/** User-friendly form for the network, as used by wallets and explorers. */
export function friendly(address: Address, network: Network): string {
    return address.toString({ bounceable: true, testOnly: network === 'testnet' });
}

/** Both forms, which identify the account whatever explorer or wallet the reader uses. */
export function formatAddress(address: Address, network: Network): string {
    return `${friendly(address, network)} (raw ${address.toRawString()})`;
}

export function formatOptionalAddress(address: Address | null | undefined, network: Network): string {
    return address ? formatAddress(address, network) : 'none';
}

export function formatHash(v: bigint): string {
    return formatHash256(v);
}

/** An attestation root hash, marked when it is the simulated test root. */
export function formatRootHash(v: bigint): string {
    return v === TEST_ATTESTATION_ROOT_HASH ? `${formatHash256(v)} (simulated TEST root)` : formatHash256(v);
}

/** Lines of "label  value" pairs with the values aligned. */
export function table(rows: [string, string][], indent = '  '): string[] {
    const width = Math.max(0, ...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`);
}
