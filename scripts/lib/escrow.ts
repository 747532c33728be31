/**
 * Finding, opening and reading a client's job Escrow (docs/contracts/escrow.md, decision 0004),
 * with the proxy Provider and the Root it belongs to. An escrow's address is initOf Escrow(root,
 * proxy Provider, proxy TEE key, client), computed with escrowFor (wrappers/Escrow.ts); a script
 * names it by
 *
 *   --escrow <address>, or the ESCROW_ADDRESS environment variable: any escrow; its parties come
 *     from its `parties` getter, and the address is checked against escrowFor of those parties;
 *   --proxy <address> (or PROXY_ADDRESS): the escrow of the connected wallet (or of --client) with
 *     that proxy's Provider, under --tee-key or else the key the proxy has bound now (or, if no
 *     escrow exists under that one, the key it replaced, whose escrows still settle for a while).
 *
 * The proxy's Provider is read too: whether the escrow's key still settles there decides whether a
 * charge voucher would be credited (ERR_NOT_OWN_ACCOUNT otherwise).
 */
import { readFileSync } from 'node:fs';
import type { NetworkProvider, UIProvider } from '@ton/blueprint';
import { Address, ContractState, OpenedContract, Transaction } from '@ton/core';
import {
    ERR_ESCROW_STATE,
    ERR_VOUCHER_ACCOUNT,
    ERR_VOUCHER_DECREASING,
    ERR_VOUCHER_KIND,
    ERR_VOUCHER_NOT_NEWER,
    ERR_VOUCHER_SIGNATURE,
    Escrow,
    escrowFor,
    EscrowState,
    ESCROW_STATUS_NAMES,
    PoolState,
} from '../../wrappers/Escrow';
import { ExtendedProvider, ROLE_PROXY } from '../../wrappers/Provider';
import { decodeSignedVoucher, SignedVoucher, VoucherError, VoucherProblem } from '../../wrappers/vouchers';
import { Cli, CliSpec, parseAddress, parseHash } from './args';
import { ChainTime } from './chain';
import { ScriptError } from './errors';
import { formatAddress, formatAt, formatHash, formatTime, friendly, Network } from './format';
import { errorName } from './params';
import { OpenedProvider, ProviderReader, roleName, statusName } from './provider';
import { contractProvider, openReadable } from './reader';
import { openRootAt, RootContext } from './root';

/** Options of every script that acts on an existing escrow. */
export const ESCROW_FLAGS: Record<string, string | null> = {
    escrow: 'address',
    proxy: 'address',
    'tee-key': 'hex64',
    client: 'address',
    root: 'address',
};
/** Options of every script that sends a message to an escrow. */
export const ESCROW_ACTION_FLAGS: Record<string, string | null> = { ...ESCROW_FLAGS, 'dry-run': null };

/** The Cli of a script that sends a client's message to its escrow; `extra` adds options. */
export function escrowActionCli(argv: readonly string[], spec: Omit<CliSpec, 'flags'>, extra: Record<string, string | null> = {}): Cli {
    return new Cli(argv, { ...spec, flags: { ...extra, ...ESCROW_ACTION_FLAGS } });
}

export function escrowStatusName(status: bigint): string {
    return ESCROW_STATUS_NAMES[Number(status)] ?? `unknown (${status})`;
}

/** A TEE key as the contracts hold it (uint256), as the 32 bytes Ed25519 verifies with. */
export function keyBytes(key: bigint): Buffer {
    return Buffer.from(key.toString(16).padStart(64, '0'), 'hex');
}

// ---- the proxy ----

/** A proxy's Provider, opened: the escrows and payout accounts of a key settle in its pool. */
export interface ProxyContext {
    address: Address;
    contract: OpenedProvider;
    /** Getter results as of opening; `fresh()` gives a new reader. */
    read: ProviderReader;
    fresh(): ProviderReader;
}

export async function openProxy(provider: NetworkProvider, address: Address, source: string): Promise<ProxyContext> {
    const network = provider.network();
    if (!(await provider.isContractDeployed(address))) {
        throw new ScriptError(
            `no active contract at ${formatAddress(address, network)} (${source}) on ${network}; a proxy's Provider exists once registerProvider has run`,
        );
    }
    const contract = openReadable(provider, ExtendedProvider.fromAddress(address));
    const read = new ProviderReader(contract, provider);
    try {
        await read.state();
        await read.poolState();
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (${source}) does not answer as a Cocoon Provider: ${(e as Error).message}`,
        );
    }
    return { address, contract, read, fresh: () => new ProviderReader(contract, provider) };
}

/** Whether a TEE key settles at a Provider now (keySettles in contracts/provider/provider.tact), and why. */
export interface KeyStanding {
    settles: boolean;
    text: string;
}

export function keyStanding(role: bigint, pool: PoolState, key: bigint, now: number): KeyStanding {
    if (role !== ROLE_PROXY) {
        return { settles: false, text: `the Provider is a ${roleName(role)}'s, not a proxy's: it credits no escrow and pays no worker` };
    }
    if (key !== 0n && key === pool.teeKey) return { settles: true, text: "the proxy's bound key: settles" };
    if (key !== 0n && key === pool.prevTeeKey) {
        return Number(pool.prevKeyUntil) > now
            ? {
                  settles: true,
                  text: `the key the proxy replaced: settles until ${formatAt(pool.prevKeyUntil, now)} (a rebind's grace, decision 0004)`,
              }
            : { settles: false, text: `the key the proxy replaced, whose grace ended ${formatAt(pool.prevKeyUntil, now)}` };
    }
    return {
        settles: false,
        text:
            pool.teeKey === 0n
                ? 'not a key of this proxy, which has no TEE key bound'
                : `not a key of this proxy (it has ${formatHash(pool.teeKey)} bound)`,
    };
}

/** "proxy <address>: node n of owner o, status s, listed" for headers. */
export async function describeProxy(proxy: ProxyContext, network: Network): Promise<string> {
    const s = await proxy.read.state();
    return `${formatAddress(proxy.address, network)}, node ${s.nodeIndex} of ${friendly(s.owner, network)}, ${roleName(s.role)}, ${statusName(s.status)}${s.listed ? ', listed' : ''}`;
}

// ---- the escrow ----

/** An escrow's init arguments: the `parties` getter without its type tag. */
export interface Parties {
    root: Address;
    proxy: Address;
    teeKey: bigint;
    client: Address;
}

export type OpenedEscrow = OpenedContract<Escrow>;

/** Getter results of one escrow, each fetched on first use and then kept, as ProviderReader does. */
export class EscrowReader {
    private readonly cache = new Map<string, Promise<unknown>>();

    constructor(
        readonly contract: OpenedEscrow,
        private readonly network: NetworkProvider,
    ) {}

    private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
        if (!this.cache.has(key)) this.cache.set(key, load());
        return this.cache.get(key) as Promise<T>;
    }

    state(): Promise<EscrowState> {
        return this.memo('state', () => this.contract.getState());
    }
    account(): Promise<ContractState> {
        return this.memo('account', () => this.network.getContractState(this.contract.address));
    }
    async active(): Promise<boolean> {
        return (await this.account()).state.type === 'active';
    }
    /** Logical time of the escrow's last transaction, 0 if it has none. */
    async lastLt(): Promise<bigint> {
        return (await this.account()).last?.lt ?? 0n;
    }
}

/** What every escrow script works with. */
export interface EscrowContext {
    provider: NetworkProvider;
    ui: UIProvider;
    network: Network;
    address: Address;
    /** Opened with its StateInit: a message sent while the account is not active deploys it. */
    contract: OpenedEscrow;
    /** Whether a contract is active at the address (false before openEscrow). */
    deployed: boolean;
    parties: Parties;
    read: EscrowReader;
    fresh(): EscrowReader;
    proxy: ProxyContext;
    root: RootContext;
    time: ChainTime;
    /** Remarks to print under the header. */
    notes: string[];
}

/**
 * The escrow named by --escrow, --proxy (with --tee-key, --client), ESCROW_ADDRESS or
 * PROXY_ADDRESS, in that order (see the top of this file). It must exist.
 */
export async function findEscrow(provider: NetworkProvider, cli: Cli): Promise<EscrowContext> {
    const flag = cli.option('escrow');
    const proxyFlag = cli.option('proxy');
    const byProxyOptions = ['proxy', 'tee-key', 'client'].filter((o) => cli.option(o) !== undefined);
    if (flag !== undefined && byProxyOptions.length > 0) {
        cli.fail(
            `give either --escrow <address> or --proxy <address> (with --tee-key, --client), not --escrow with --${byProxyOptions[0]}`,
        );
    }
    if (flag !== undefined) return escrowAt(provider, cli, cli.parse('--escrow', flag, parseAddress), '--escrow');
    if (proxyFlag !== undefined) return escrowOfProxy(provider, cli, cli.parse('--proxy', proxyFlag, parseAddress), '--proxy', false);
    const env = process.env.ESCROW_ADDRESS?.trim();
    if (env && byProxyOptions.length === 0)
        return escrowAt(provider, cli, cli.parse('ESCROW_ADDRESS', env, parseAddress), 'ESCROW_ADDRESS');
    const envProxy = process.env.PROXY_ADDRESS?.trim();
    if (envProxy) return escrowOfProxy(provider, cli, cli.parse('PROXY_ADDRESS', envProxy, parseAddress), 'PROXY_ADDRESS', false);
    cli.fail(
        "missing the escrow: pass --escrow <address> or set ESCROW_ADDRESS, or pass --proxy <address> (or set PROXY_ADDRESS) for the connected wallet's escrow with that proxy",
    );
}

/** The escrow at `address`, which must be active; its parties from its getter. */
export async function escrowAt(provider: NetworkProvider, cli: Cli, address: Address, source: string): Promise<EscrowContext> {
    const network = provider.network();
    if (!(await provider.isContractDeployed(address))) {
        throw new ScriptError(
            `no active escrow at ${formatAddress(address, network)} (${source}) on ${network}; an escrow exists once openEscrow has run (one whose opening the Root refused is gone)`,
        );
    }
    let parties: Parties;
    try {
        const p = await openReadable(provider, Escrow.fromAddress(address)).getParties();
        parties = { root: p.root, proxy: p.proxy, teeKey: p.teeKey, client: p.client };
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (${source}) does not answer as a Cocoon Escrow: ${(e as Error).message}`,
        );
    }
    const computed = await escrowFor(parties.root, parties.proxy, parties.teeKey, parties.client);
    if (!computed.address.equals(address)) {
        throw new ScriptError(
            `the escrow at ${formatAddress(address, network)} (${source}) was built from other contract code than this checkout's (its parties give ${friendly(computed.address, network)}); use the checkout its Root was deployed from`,
        );
    }
    const notes = checkRootFlag(cli, parties.root, network, 'escrow');
    const proxy = await openProxy(provider, parties.proxy, "the escrow's proxy");
    const root = await openRootAt(provider, parties.root, "the escrow's Root");
    return escrowContext(provider, computed, true, parties, proxy, root, notes);
}

/**
 * The escrow of the connected wallet (or --client) with the proxy Provider at `proxyAddress`,
 * under --tee-key or the proxy's keys. `opening`: it need not exist yet (openEscrow) and the key
 * is the bound one.
 */
export async function escrowOfProxy(
    provider: NetworkProvider,
    cli: Cli,
    proxyAddress: Address,
    source: string,
    opening: boolean,
): Promise<EscrowContext> {
    const network = provider.network();
    const proxy = await openProxy(provider, proxyAddress, source);
    const state = await proxy.read.state();
    if (state.role !== ROLE_PROXY) {
        throw new ScriptError(
            `${formatAddress(proxyAddress, network)} (${source}) is a ${roleName(state.role)}'s Provider, not a proxy's: clients open escrows with proxies (showRoot lists them)`,
        );
    }
    const notes = checkRootFlag(cli, state.root, network, 'proxy');
    const clientFlag = cli.option('client');
    const wallet = provider.sender().address;
    if (clientFlag === undefined && !wallet) {
        cli.fail(
            "the escrow is the connected wallet's, but this wallet provider does not reveal its address: use --mnemonic or --tonconnect, or pass --client <address> (or --escrow <address>)",
        );
    }
    const client = clientFlag !== undefined ? cli.parse('--client', clientFlag, parseAddress) : wallet!;
    const keyFlag = cli.option('tee-key');
    const pool = await proxy.read.poolState();
    let key: bigint;
    if (keyFlag !== undefined) {
        key = cli.parse('--tee-key', keyFlag, parseHash);
    } else {
        if (pool.teeKey === 0n) {
            throw new ScriptError(
                `the proxy ${friendly(proxyAddress, network)} has no TEE key bound, so no escrow of it settles; pass --tee-key <hex64> to name an escrow under another key`,
            );
        }
        key = pool.teeKey;
    }
    let escrow = await escrowFor(state.root, proxyAddress, key, client);
    let deployed = await provider.isContractDeployed(escrow.address);
    if (!opening && !deployed && keyFlag === undefined && pool.prevTeeKey !== 0n) {
        const previous = await escrowFor(state.root, proxyAddress, pool.prevTeeKey, client);
        if (await provider.isContractDeployed(previous.address)) {
            notes.push(
                `Note: no escrow under the proxy's bound key ${formatHash(pool.teeKey)}; this is the one under the key it replaced (pass --tee-key to choose).`,
            );
            escrow = previous;
            key = pool.prevTeeKey;
            deployed = true;
        }
    }
    if (!opening && !deployed) {
        throw new ScriptError(
            `no escrow at ${formatAddress(escrow.address, network)}: ${friendly(client, network)} has not opened one with the proxy ${friendly(proxyAddress, network)} under TEE key ${formatHash(key)}; run openEscrow first`,
        );
    }
    const root = await openRootAt(provider, state.root, "the proxy's Root");
    return escrowContext(provider, escrow, deployed, { root: state.root, proxy: proxyAddress, teeKey: key, client }, proxy, root, notes);
}

function escrowContext(
    provider: NetworkProvider,
    escrow: Escrow,
    deployed: boolean,
    parties: Parties,
    proxy: ProxyContext,
    root: RootContext,
    notes: string[],
): EscrowContext {
    const contract = openReadable(provider, escrow);
    return {
        provider,
        ui: provider.ui(),
        network: provider.network(),
        address: escrow.address,
        contract,
        deployed,
        parties,
        read: new EscrowReader(contract, provider),
        fresh: () => new EscrowReader(contract, provider),
        proxy,
        root,
        time: root.time,
        notes,
    };
}

/** A --root that names another Root is refused; a ROOT_ADDRESS that does is noted. */
export function checkRootFlag(cli: Cli, root: Address, network: Network, what: string): string[] {
    const flag = cli.option('root');
    if (flag !== undefined) {
        const named = cli.parse('--root', flag, parseAddress);
        if (!named.equals(root))
            cli.fail(`--root ${friendly(named, network)} is not this ${what}'s Root, which is ${friendly(root, network)}`);
        return [];
    }
    const env = process.env.ROOT_ADDRESS?.trim();
    if (!env) return [];
    try {
        if (parseAddress(env).equals(root)) return [];
    } catch {
        return [];
    }
    return [`Note: ROOT_ADDRESS names another Root; this ${what} belongs to ${friendly(root, network)}.`];
}

export async function printEscrowHeader(ctx: EscrowContext): Promise<void> {
    const { ui, network, parties } = ctx;
    ui.write(`Escrow: ${formatAddress(ctx.address, network)} on ${network}${ctx.deployed ? '' : ' (not deployed yet)'}`);
    ui.write(`  client  ${formatAddress(parties.client, network)}`);
    ui.write(`  proxy   ${await describeProxy(ctx.proxy, network)}`);
    ui.write(`  TEE key ${formatHash(parties.teeKey)}`);
    ui.write(`  Root    ${formatAddress(parties.root, network)}`);
    ui.write(`Chain time: ${formatTime(ctx.time.now)} (${ctx.time.now}; ${ctx.time.source})`);
    for (const n of ctx.notes) ui.write(n);
}

/** Whether the escrow's key settles at its proxy now. */
export async function escrowKeyStanding(ctx: EscrowContext, proxy = ctx.proxy.read): Promise<KeyStanding> {
    return keyStanding((await proxy.state()).role, await proxy.poolState(), ctx.parties.teeKey, ctx.time.now);
}

// ---- vouchers ----

/**
 * A signed voucher given on the command line: its text encoding (encodeSignedVoucher in
 * wrappers/vouchers.ts, base64 of the signed voucher cell), or @<path> of a file holding it.
 */
export function voucherArg(cli: Cli, name = 'voucher'): SignedVoucher {
    const raw = cli.arg(name);
    let text = raw;
    if (raw.startsWith('@')) {
        try {
            text = readFileSync(raw.slice(1), 'utf8').trim();
        } catch (e) {
            cli.fail(`cannot read the ${name} file ${raw.slice(1)}: ${(e as Error).message}`);
        }
    }
    try {
        return decodeSignedVoucher(text);
    } catch (e) {
        const shown = text.length > 24 ? `${text.slice(0, 20)}...` : text;
        cli.fail(
            `invalid ${name} "${shown}": ${(e as Error).message} (expected the text encoding of a signed voucher, as encodeSignedVoucher makes it, or @<file> holding it)`,
        );
    }
}

/** The exit code a contract refuses a voucher with, for each refusal checkVoucher names. */
const VOUCHER_EXIT_CODES: Partial<Record<VoucherProblem, bigint>> = {
    BAD_SIGNATURE: ERR_VOUCHER_SIGNATURE,
    WRONG_ACCOUNT: ERR_VOUCHER_ACCOUNT,
    WRONG_KIND: ERR_VOUCHER_KIND,
    OUT_OF_RANGE: ERR_VOUCHER_KIND,
    NOT_NEWER: ERR_VOUCHER_NOT_NEWER,
    DECREASING: ERR_VOUCHER_DECREASING,
    AFTER_FINAL: ERR_ESCROW_STATE,
};

/** A checkVoucher refusal in words, naming the account's exit code. */
export function voucherRefusal(e: unknown, account: string): string {
    if (!(e instanceof VoucherError)) throw e;
    const code = VOUCHER_EXIT_CODES[e.problem];
    const detail = e.message.slice(e.problem.length + 2);
    return `the voucher is refused: ${detail}${code !== undefined ? ` (the ${account} refuses it with ${errorName(code)})` : ''}`;
}

// ---- transactions ----

/** The transactions of `address` after logical time `sinceLt`, newest first; undefined when the API cannot list them. */
export async function transactionsAfter(
    provider: NetworkProvider,
    address: Address,
    sinceLt: bigint,
    limit = 16,
): Promise<Transaction[] | undefined> {
    try {
        const last = (await provider.getContractState(address)).last;
        if (!last || last.lt <= sinceLt) return [];
        const txs = await contractProvider(provider, address).getTransactions(address, last.lt, last.hash, limit);
        return txs.filter((tx) => tx.lt > sinceLt);
    } catch {
        return undefined;
    }
}

/** Logical time of the last transaction of `address`, 0 if it has none. */
export async function lastLtOf(provider: NetworkProvider, address: Address): Promise<bigint> {
    return (await provider.getContractState(address)).last?.lt ?? 0n;
}
