/**
 * The Root's parameters as the scripts see them: one row per field with its unit, its bounds (the
 * constants exported by the generated wrapper from contracts/root/constants.tact) and the exit code
 * the Root refuses an out-of-bounds value with. tests/scripts/params.spec.ts checks every row
 * against the contract, so this table cannot drift from checkParams in root.tact unnoticed.
 */
import { Address, toNano } from '@ton/core';
import * as RootWrapper from '../../wrappers/Root';
import {
    ATTESTATION_LIFETIME_LOWER,
    ATTESTATION_LIFETIME_UPPER,
    CLOSE_DELAY_LOWER,
    CLOSE_DELAY_UPPER,
    EQUIVOCATION_SLASH_LOWER,
    EQUIVOCATION_SLASH_UPPER,
    ERR_ATTESTATION_LIFETIME_BOUNDS,
    ERR_CLIENT_CLOSE_DELAY_BOUNDS,
    ERR_EQUIVOCATION_SLASH_BOUNDS,
    ERR_GOVERNANCE_DELAY_BOUNDS,
    ERR_INVALID_TREASURY,
    ERR_MIN_ESCROW_RESERVE_BOUNDS,
    ERR_MIN_STAKE_PROXY_BOUNDS,
    ERR_MIN_STAKE_WORKER_BOUNDS,
    ERR_PROTOCOL_FEE_BOUNDS,
    ERR_PROXY_CLOSE_DELAY_BOUNDS,
    ERR_REPORTER_CAP_BOUNDS,
    ERR_REPORTER_SHARE_BOUNDS,
    ERR_UNBONDING_DELAY_BOUNDS,
    ERR_VETO_WINDOW_BOUNDS,
    GOVERNANCE_DELAY_LOWER,
    GOVERNANCE_DELAY_UPPER,
    MIN_ESCROW_RESERVE_LOWER,
    MIN_ESCROW_RESERVE_UPPER,
    MIN_STAKE_LOWER,
    MIN_STAKE_UPPER,
    Params,
    PROTOCOL_FEE_UPPER,
    REPORTER_CAP_UPPER,
    REPORTER_SHARE_UPPER,
    UNBONDING_DELAY_LOWER,
    UNBONDING_DELAY_UPPER,
    VETO_WINDOW_LOWER,
    VETO_WINDOW_UPPER,
} from '../../wrappers/Root';
import { parseAddress } from './args';
import { formatBps, formatDuration, formatTon, Network, friendly } from './format';

export type ParamKey = Exclude<keyof Params, '$$type'>;
export type NumericKey = Exclude<ParamKey, 'treasury'>;
export type Unit = 'ton' | 'seconds' | 'bps';

export interface NumericParamSpec {
    key: NumericKey;
    unit: Unit;
    min: bigint;
    max: bigint;
    /** Exit code of the Root for a value out of [min, max]. */
    error: bigint;
    description: string;
}

export const NUMERIC_PARAMS: NumericParamSpec[] = [
    {
        key: 'minStakeWorker',
        unit: 'ton',
        min: MIN_STAKE_LOWER,
        max: MIN_STAKE_UPPER,
        error: ERR_MIN_STAKE_WORKER_BOUNDS,
        description: 'stake an active worker keeps',
    },
    {
        key: 'minStakeProxy',
        unit: 'ton',
        min: MIN_STAKE_LOWER,
        max: MIN_STAKE_UPPER,
        error: ERR_MIN_STAKE_PROXY_BOUNDS,
        description: 'stake an active proxy keeps',
    },
    {
        key: 'minEscrowReserve',
        unit: 'ton',
        min: MIN_ESCROW_RESERVE_LOWER,
        max: MIN_ESCROW_RESERVE_UPPER,
        error: ERR_MIN_ESCROW_RESERVE_BOUNDS,
        description: 'smallest client escrow reserve',
    },
    {
        key: 'unbondingDelay',
        unit: 'seconds',
        min: UNBONDING_DELAY_LOWER,
        max: UNBONDING_DELAY_UPPER,
        error: ERR_UNBONDING_DELAY_BOUNDS,
        description: 'unstake request to withdrawal',
    },
    {
        key: 'clientCloseDelay',
        unit: 'seconds',
        min: CLOSE_DELAY_LOWER,
        max: CLOSE_DELAY_UPPER,
        error: ERR_CLIENT_CLOSE_DELAY_BOUNDS,
        description: 'unilateral client close waits for the proxy',
    },
    {
        key: 'proxyCloseDelay',
        unit: 'seconds',
        min: CLOSE_DELAY_LOWER,
        max: CLOSE_DELAY_UPPER,
        error: ERR_PROXY_CLOSE_DELAY_BOUNDS,
        description: 'proxy-initiated close waits for the client',
    },
    {
        key: 'attestationLifetime',
        unit: 'seconds',
        min: ATTESTATION_LIFETIME_LOWER,
        max: ATTESTATION_LIFETIME_UPPER,
        error: ERR_ATTESTATION_LIFETIME_BOUNDS,
        description: 'longest a TEE key binding stays valid',
    },
    {
        key: 'equivocationSlashBps',
        unit: 'bps',
        min: EQUIVOCATION_SLASH_LOWER,
        max: EQUIVOCATION_SLASH_UPPER,
        error: ERR_EQUIVOCATION_SLASH_BOUNDS,
        description: 'stake slashed on equivocation',
    },
    {
        key: 'reporterShareBps',
        unit: 'bps',
        min: 0n,
        max: REPORTER_SHARE_UPPER,
        error: ERR_REPORTER_SHARE_BOUNDS,
        description: 'part of a slash paid to the reporter',
    },
    {
        key: 'reporterRewardCap',
        unit: 'ton',
        min: 0n,
        max: REPORTER_CAP_UPPER,
        error: ERR_REPORTER_CAP_BOUNDS,
        description: 'cap on the reporter reward',
    },
    {
        key: 'protocolFeeBps',
        unit: 'bps',
        min: 0n,
        max: PROTOCOL_FEE_UPPER,
        error: ERR_PROTOCOL_FEE_BOUNDS,
        description: 'protocol fee on settled charges',
    },
    {
        key: 'governanceDelay',
        unit: 'seconds',
        min: GOVERNANCE_DELAY_LOWER,
        max: GOVERNANCE_DELAY_UPPER,
        error: ERR_GOVERNANCE_DELAY_BOUNDS,
        description: 'proposal to execution of a grant',
    },
    {
        key: 'vetoWindow',
        unit: 'seconds',
        min: VETO_WINDOW_LOWER,
        max: VETO_WINDOW_UPPER,
        error: ERR_VETO_WINDOW_BOUNDS,
        description: 'proposal to execution of a governance slash',
    },
];

export const PARAM_KEYS: ParamKey[] = [...NUMERIC_PARAMS.map((p) => p.key), 'treasury'];

/** Name of a Root exit code, from the ERR_* constants of the generated wrapper. */
export function errorName(code: bigint | number): string {
    const found = Object.entries(RootWrapper).find(([k, v]) => k.startsWith('ERR_') && v === BigInt(code));
    return found ? `${found[0]} (exit code ${code})` : `exit code ${code}`;
}

export function formatUnit(unit: Unit, v: bigint): string {
    switch (unit) {
        case 'ton':
            return formatTon(v);
        case 'seconds':
            return formatDuration(v);
        case 'bps':
            return formatBps(v);
    }
}

export function formatParam(key: ParamKey, params: Params, network: Network): string {
    if (key === 'treasury') return friendly(params.treasury, network);
    return formatUnit(NUMERIC_PARAMS.find((p) => p.key === key)!.unit, params[key]);
}

/**
 * Every reason the Root would refuse these parameters, each naming the field, the bound and the
 * exit code; empty when they are acceptable. `root` is the Root's address, which the treasury may
 * not be.
 */
export function paramProblems(params: Params, root?: Address): string[] {
    const problems: string[] = [];
    for (const p of NUMERIC_PARAMS) {
        const v = params[p.key];
        if (v < p.min || v > p.max) {
            problems.push(
                `params.${p.key} = ${formatUnit(p.unit, v)} is outside [${formatUnit(p.unit, p.min)}, ${formatUnit(p.unit, p.max)}]; the Root refuses it with ${errorName(p.error)}`,
            );
        }
    }
    if (params.treasury.workChain !== 0) problems.push(`params.treasury must be in workchain 0 (${errorName(ERR_INVALID_TREASURY)})`);
    if (root && params.treasury.equals(root))
        problems.push(`params.treasury may not be the Root itself (${errorName(ERR_INVALID_TREASURY)})`);
    return problems;
}

/**
 * Parses one value as written on the command line: TON amounts as "1.5", durations as seconds or
 * with a unit ("90m", "12h", "7d"), basis points as an integer or a percentage ("2.5%").
 */
export function parseParamValue(key: ParamKey, raw: string): bigint | Address {
    if (key === 'treasury') return parseAddress(raw);
    const unit = NUMERIC_PARAMS.find((p) => p.key === key)!.unit;
    if (unit === 'ton') {
        if (!/^\d+(\.\d{1,9})?$/.test(raw)) throw new Error('expected a TON amount like 100 or 0.5');
        return toNano(raw);
    }
    if (unit === 'seconds') {
        const m = /^(\d+)([smhd]?)$/.exec(raw);
        if (!m) throw new Error('expected a duration in seconds or with a unit, like 3600, 90m, 12h or 7d');
        return BigInt(m[1]) * BigInt({ '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]]!);
    }
    const pct = /^(\d+(\.\d{1,2})?)%$/.exec(raw);
    if (pct) return BigInt(Math.round(Number(pct[1]) * 100));
    if (!/^\d+$/.test(raw)) throw new Error('expected basis points (an integer, 100 = 1%) or a percentage like 2.5%');
    return BigInt(raw);
}

/** `base` with "key=value" overrides applied; `fail` reports a bad pair. */
export function applyOverrides(base: Params, pairs: readonly string[], fail: (problem: string) => never): Params {
    const out: Params = { ...base };
    const seen = new Set<string>();
    for (const pair of pairs) {
        const eq = pair.indexOf('=');
        if (eq <= 0) fail(`expected key=value, got "${pair}"`);
        const key = pair.slice(0, eq).trim();
        const raw = pair.slice(eq + 1).trim();
        if (!(PARAM_KEYS as string[]).includes(key)) fail(`unknown parameter "${key}"; known: ${PARAM_KEYS.join(', ')}`);
        if (seen.has(key)) fail(`parameter ${key} is given twice`);
        seen.add(key);
        try {
            (out as unknown as Record<string, unknown>)[key] = parseParamValue(key as ParamKey, raw);
        } catch (e) {
            fail(`invalid ${key} "${raw}": ${(e as Error).message}`);
        }
    }
    return out;
}

export function paramsEqual(a: Params, b: Params): boolean {
    return PARAM_KEYS.every((k) => (k === 'treasury' ? a.treasury.equals(b.treasury) : a[k] === b[k]));
}

/** "key: old -> new" rows for the fields that differ. */
export function paramsDiff(from: Params, to: Params, network: Network): [string, string][] {
    return PARAM_KEYS.filter((k) => (k === 'treasury' ? !from.treasury.equals(to.treasury) : from[k] !== to[k])).map((k) => [
        k,
        `${formatParam(k, from, network)} -> ${formatParam(k, to, network)}`,
    ]);
}
