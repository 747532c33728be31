/**
 * Command-line arguments of the operator scripts. Blueprint hands a script everything after its own
 * flags; its parser refuses options it does not know, so script options go after `--`:
 *
 *     npx blueprint run proposeImage --testnet --mnemonic -- <imageHash> worker --root <address>
 *
 * Every problem is reported with the argument's name and the script's usage line.
 */
import { Address, fromNano, toNano } from '@ton/core';
import { modelHash, parseHash256, roleMask } from '../../wrappers/Root';
import { UsageError } from './errors';

export interface CliSpec {
    /** Script name as given to `blueprint run`. */
    script: string;
    /** Required positional arguments, in order; text after ':' is a hint for the usage line. */
    args?: string[];
    /** Usage text of optional trailing arguments (any number), e.g. '[key=value...]'. */
    rest?: string;
    /** Options: name (without dashes) -> placeholder of its value, or null for a switch. */
    flags?: Record<string, string | null>;
}

/** Options of every script that acts on a deployed Root. */
export const ROOT_FLAGS: Record<string, string | null> = { root: 'address' };
/** Options of every script that sends a message to the Root. */
export const ACTION_FLAGS: Record<string, string | null> = { ...ROOT_FLAGS, 'dry-run': null };

/** The Cli of a script that sends a message to a deployed Root. */
export function actionCli(argv: readonly string[], spec: Omit<CliSpec, 'flags'>): Cli {
    return new Cli(argv, { ...spec, flags: ACTION_FLAGS });
}

export function usageLine(spec: CliSpec): string {
    const parts = [`npx blueprint run ${spec.script} <network> <wallet> --`];
    for (const a of spec.args ?? []) parts.push(`<${a}>`);
    if (spec.rest) parts.push(spec.rest);
    for (const [name, value] of Object.entries(spec.flags ?? {})) parts.push(value === null ? `[--${name}]` : `[--${name} <${value}>]`);
    return parts.join(' ');
}

const argName = (spec: string) => spec.split(':')[0].trim();

export class Cli {
    readonly usage: string;
    private readonly named = new Map<string, string>();
    /** Arguments after the required ones. */
    readonly rest: string[] = [];
    private readonly options = new Map<string, string | true>();

    constructor(
        argv: readonly string[],
        private readonly spec: CliSpec,
    ) {
        this.usage = usageLine(spec);
        const flags = spec.flags ?? {};
        const positionals: string[] = [];
        for (let i = 0; i < argv.length; i++) {
            const token = argv[i];
            if (token === '--') continue;
            if (!token.startsWith('--')) {
                positionals.push(token);
                continue;
            }
            const eq = token.indexOf('=');
            const name = token.slice(2, eq < 0 ? undefined : eq);
            if (!(name in flags)) this.fail(`unknown option --${name}`);
            if (this.options.has(name)) this.fail(`option --${name} is given twice`);
            const placeholder = flags[name];
            if (placeholder === null) {
                if (eq >= 0) this.fail(`option --${name} takes no value`);
                this.options.set(name, true);
                continue;
            }
            let value = eq >= 0 ? token.slice(eq + 1) : argv[i + 1];
            if (eq < 0) i++;
            if (value === undefined || value === '' || value.startsWith('--')) this.fail(`option --${name} needs a value <${placeholder}>`);
            value = value.trim();
            this.options.set(name, value);
        }
        const required = (spec.args ?? []).map(argName);
        if (positionals.length < required.length) this.fail(`missing argument <${required[positionals.length]}>`);
        required.forEach((name, i) => this.named.set(name, positionals[i].trim()));
        this.rest = positionals.slice(required.length);
        if (this.rest.length > 0 && !spec.rest) this.fail(`unexpected argument "${this.rest[0]}"`);
    }

    fail(problem: string): never {
        throw new UsageError(problem, this.usage);
    }

    /** Raw value of a required positional argument. */
    arg(name: string): string {
        const v = this.named.get(name);
        if (v === undefined) throw new Error(`script bug: no argument <${name}> in ${this.spec.script}'s spec`);
        return v;
    }

    /** Value of an option, or undefined when absent. */
    option(name: string): string | undefined {
        const v = this.options.get(name);
        return typeof v === 'string' ? v : undefined;
    }

    switch(name: string): boolean {
        return this.options.get(name) === true;
    }

    /** Wraps a parser so that its error names the argument and ends with the usage line. */
    parse<T>(name: string, value: string, parser: (v: string) => T): T {
        try {
            return parser(value);
        } catch (e) {
            this.fail(`invalid ${name} "${value}": ${e instanceof Error ? e.message : String(e)}`);
        }
    }

    hash(name: string): bigint {
        return this.parse(name, this.arg(name), parseHash);
    }

    address(name: string): Address {
        return this.parse(name, this.arg(name), parseAddress);
    }

    /** An address, or null for the word "none". */
    addressOrNone(name: string): Address | null {
        return this.parse(name, this.arg(name), (v) => (v.toLowerCase() === 'none' ? null : parseAddress(v)));
    }

    /** Role mask from "worker", "proxy" or "worker,proxy". */
    roles(name: string): bigint {
        return this.parse(name, this.arg(name), (v) => roleMask(v.split(',').map((r) => r.trim().toLowerCase())));
    }

    /** An integer in [0, max]. */
    uint(name: string, max: bigint): bigint {
        return this.parse(name, this.arg(name), (v) => parseUint(v, max));
    }

    /** A model key: its 64-hex-digit hash, or "name@revision:weightsSha256" hashed with modelHash. */
    model(name: string): { hash: bigint; spec?: string } {
        return this.parse(name, this.arg(name), parseModel);
    }
}

export function parseAddress(v: string): Address {
    if (!Address.isFriendly(v) && !Address.isRaw(v)) {
        throw new Error('expected a TON address, raw (0:<64 hex digits>) or user-friendly (EQ…/UQ…/kQ…/0Q…)');
    }
    return Address.parse(v);
}

export function parseHash(v: string): bigint {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(v)) throw new Error('expected a 256-bit hash as 64 hex digits (0x optional)');
    return parseHash256(v);
}

export function parseUint(v: string, max: bigint): bigint {
    if (!/^\d+$/.test(v)) throw new Error('expected a non-negative integer');
    const n = BigInt(v);
    if (n > max) throw new Error(`must be at most ${max}`);
    return n;
}

export function parseModel(v: string): { hash: bigint; spec?: string } {
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(v)) return { hash: parseHash(v) };
    const m = /^(.+)@([^@]+):([^:]+)$/.exec(v);
    if (!m) throw new Error('expected a 64-hex-digit model hash or name@revision:weightsSha256');
    return { hash: modelHash(m[1], m[2], m[3]), spec: v };
}

/** A TON amount as "10" or "0.5" (at most 9 decimals), in nanoton; at least `min`. */
export function parseTon(v: string, min = 0n): bigint {
    if (!/^\d+(\.\d{1,9})?$/.test(v)) throw new Error('expected a TON amount like 10 or 0.5');
    const nano = toNano(v);
    if (nano < min) throw new Error(`must be at least ${fromNano(min)} TON`);
    return nano;
}

/** Seconds per duration unit, as in "90m", "12h", "7d"; no unit or "s" means seconds. */
export const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** A duration in seconds, given as seconds or with a unit: 3600, 90m, 12h, 7d. */
export function parseDuration(v: string): number {
    const m = /^(\d+)([smhd]?)$/.exec(v);
    if (!m) throw new Error('expected a duration in seconds or with a unit, like 3600, 90m, 12h or 7d');
    return Number(m[1]) * DURATION_UNITS[m[2]];
}

/** A TON amount above 0. */
export function parsePositiveTon(v: string): bigint {
    const n = parseTon(v);
    if (n === 0n) throw new Error('must be more than 0');
    return n;
}
