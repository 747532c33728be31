/**
 * Time and waiting. A script decides whether a proposal is due by the chain's clock, not the
 * operator's: it asks the API for the time of the last block it has seen. A NetworkProvider may
 * also tell the time itself by implementing ChainHints (the sandbox adapter of the tests does, so
 * they control the clock through `blockchain.now`); with an API that gives no block time the local
 * clock is used, and the output says so.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address } from '@ton/core';
import { ScriptError } from './errors';

/** Optional capabilities a NetworkProvider may add to blueprint's interface. */
export interface ChainHints {
    /** Current chain time, unix seconds. */
    chainTime(): Promise<number>;
    /** Pause between two polls while waiting for an effect, milliseconds (default 3000). */
    pollIntervalMs?: number;
    /** Polls before giving up (default 30). */
    pollAttempts?: number;
}

function hints(provider: NetworkProvider): Partial<ChainHints> {
    return provider as Partial<ChainHints>;
}

export interface ChainTime {
    now: number;
    source: string;
}

/**
 * The chain's current time. `near` is any account address; a toncenter v2 API reports the time of
 * the block its answer about that account comes from.
 */
export async function chainTime(provider: NetworkProvider, near: Address): Promise<ChainTime> {
    const own = hints(provider).chainTime;
    if (own) return { now: await own.call(provider), source: 'told by the network provider' };
    // The client classes are told apart by their methods, not with instanceof: blueprint may load
    // its own copy of @ton/ton.
    const api = provider.api() as unknown as Record<string, unknown>;
    if (typeof api.getLastBlock === 'function') {
        const last = (await (api.getLastBlock as () => Promise<{ now: number }>)()).now;
        return { now: last, source: 'last block (API v4)' };
    }
    if (typeof api.getCurrentTime === 'function') {
        return { now: await (api.getCurrentTime as () => Promise<number>)(), source: 'liteserver time' };
    }
    if (typeof api.getContractState === 'function' && typeof api.getMasterchainInfo === 'function') {
        const state = await (api.getContractState as (a: Address) => Promise<{ timestampt: number }>)(near);
        if (typeof state.timestampt === 'number' && state.timestampt > 0)
            return { now: state.timestampt, source: 'last synced block (API v2)' };
    }
    return { now: Math.floor(Date.now() / 1000), source: 'local clock (the API gives no block time)' };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined, at most the provider's number of
 * attempts; throws `timeoutMessage` then.
 */
export async function waitFor<T>(
    provider: NetworkProvider,
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMessage: string,
): Promise<T> {
    const { pollIntervalMs, pollAttempts } = pollSettings(provider);
    const ui = provider.ui();
    try {
        for (let attempt = 1; attempt <= pollAttempts; attempt++) {
            ui.setActionPrompt(`Waiting for ${what}... [${attempt}/${pollAttempts}]`);
            const result = await probe();
            if (result !== undefined) return result;
            if (attempt < pollAttempts) await sleep(pollIntervalMs);
        }
    } finally {
        ui.clearActionPrompt();
    }
    throw new ScriptError(timeoutMessage);
}

export function pollSettings(provider: NetworkProvider) {
    const { pollIntervalMs = 3000, pollAttempts = 30 } = hints(provider);
    return { pollIntervalMs, pollAttempts };
}
