/**
 * Finding, opening and reading a Provider contract (one per node). A script names it by
 *
 *   --provider <address>, or the PROVIDER_ADDRESS environment variable; or
 *   --node <index>: the connected wallet's node under the Root of --root or ROOT_ADDRESS, its
 *     address computed as initOf Provider(root, owner, nodeIndex) (ExtendedProvider.forNode).
 *
 * The Provider's own Root is opened with it: the scripts check the Root's allowlists and
 * parameters before sending, as the Provider's Root query will.
 */
import type { NetworkProvider, UIProvider } from '@ton/blueprint';
import { Address, ContractState, OpenedContract, Transaction } from '@ton/core';
import {
    Binding,
    BindingChanged,
    BindingRefused,
    ExtendedProvider,
    loadBindingChanged,
    loadBindingRefused,
    loadProviderStatusChanged,
    loadStakeChanged,
    readProfileStack,
    Payees,
    PendingCheck,
    PoolState,
    Profile,
    Provider,
    ProviderState,
    ProviderStatusChanged,
    ROLE_PROXY,
    ROLE_WORKER,
    RootView,
    STATUS_NAMES,
    StakeChanged,
} from '../../wrappers/Provider';
import { Cli, CliSpec, parseAddress, parseUint } from './args';
import { ChainTime } from './chain';
import { ScriptError } from './errors';
import { formatAddress, formatTime, friendly, Network } from './format';
import { errorName } from './params';
import { ProviderRole } from './profile';
import { contractProvider, openReadable } from './reader';
import { openRoot, openRootAt, RootContext } from './root';

export type OpenedProvider = OpenedContract<ExtendedProvider>;

/** Options of every script that acts on a registered Provider. */
export const PROVIDER_FLAGS: Record<string, string | null> = { provider: 'address', node: 'index', root: 'address' };
/** Options of every script that sends a message to a registered Provider. */
export const PROVIDER_ACTION_FLAGS: Record<string, string | null> = { ...PROVIDER_FLAGS, 'dry-run': null };

/** The Cli of a script that sends a message to a registered Provider; `extra` adds options. */
export function providerActionCli(argv: readonly string[], spec: Omit<CliSpec, 'flags'>, extra: Record<string, string | null> = {}): Cli {
    return new Cli(argv, { ...spec, flags: { ...extra, ...PROVIDER_ACTION_FLAGS } });
}

export const MAX_NODE_INDEX = 0xffffffffn;

export function roleName(role: bigint): ProviderRole | 'none' {
    return role === ROLE_WORKER ? 'worker' : role === ROLE_PROXY ? 'proxy' : 'none';
}

export function statusName(status: bigint): string {
    return STATUS_NAMES[Number(status)] ?? `unknown (${status})`;
}

/**
 * Getter results of one Provider, each fetched on first use and then kept, as RootReader does; a
 * fresh reader sees later changes.
 */
export class ProviderReader {
    private readonly cache = new Map<string, Promise<unknown>>();

    constructor(
        readonly contract: OpenedProvider,
        private readonly network: NetworkProvider,
    ) {}

    private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
        if (!this.cache.has(key)) this.cache.set(key, load());
        return this.cache.get(key) as Promise<T>;
    }

    state(): Promise<ProviderState> {
        return this.memo('state', () => this.contract.getState());
    }
    profile(): Promise<Profile | null> {
        return this.memo('profile', () => readProfileGetter(this.network, this.contract.address));
    }
    binding(): Promise<Binding | null> {
        return this.memo('binding', () => this.contract.getBinding());
    }
    pendingCheck(): Promise<PendingCheck | null> {
        return this.memo('pending', () => this.contract.getPendingCheck());
    }
    rootView(): Promise<RootView> {
        return this.memo('rootView', () => this.contract.getRootView());
    }
    /** A proxy's pool and the TEE keys that settle there (the escrow scripts read it). */
    poolState(): Promise<PoolState> {
        return this.memo('poolState', () => this.contract.getPoolState());
    }
    /** The treasury and slashing terms the Provider last heard from its Root, and the convicted key; null before its first answer. */
    payees(): Promise<Payees | null> {
        return this.memo('payees', () => this.contract.getPayees());
    }
    /** The status a re-check would set from what the Provider knows now (expiry included). */
    statusNow(): Promise<bigint> {
        return this.memo('statusNow', () => this.contract.getStatusNow());
    }
    account(): Promise<ContractState> {
        return this.memo('account', () => this.network.getContractState(this.contract.address));
    }
    /** Logical time of the Provider's last transaction, 0 if it has none. */
    async lastLt(): Promise<bigint> {
        return (await this.account()).last?.lt ?? 0n;
    }
}

/** The `profile` getter, decoded (readProfileStack in wrappers/Provider.ts says why not getProfile()). */
export async function readProfileGetter(network: NetworkProvider, address: Address): Promise<Profile | null> {
    return readProfileStack((await contractProvider(network, address).get('profile', [])).stack);
}

/** What every script acting on a Provider works with. */
export interface ProviderContext {
    provider: NetworkProvider;
    ui: UIProvider;
    network: Network;
    address: Address;
    contract: OpenedProvider;
    /** Whether a contract is active at the address (false only before registration). */
    deployed: boolean;
    owner: Address;
    nodeIndex: bigint;
    /** Getter results as of opening; `fresh()` gives a new reader. */
    read: ProviderReader;
    fresh(): ProviderReader;
    /** The Provider's Root, opened. */
    root: RootContext;
    time: ChainTime;
    /** Remarks to print under the header, e.g. a ROOT_ADDRESS that names another Root. */
    notes: string[];
}

/**
 * Opens the registered Provider named by --provider, PROVIDER_ADDRESS or --node (see the top of
 * this file) and its Root.
 */
export async function openProvider(provider: NetworkProvider, cli: Cli): Promise<ProviderContext> {
    const flag = cli.option('provider');
    const node = cli.option('node');
    if (flag !== undefined && node !== undefined) cli.fail('give either --provider <address> or --node <index>, not both');
    if (node !== undefined) {
        const ctx = await openNode(
            provider,
            cli,
            cli.parse('--node', node, (v) => parseUint(v, MAX_NODE_INDEX)),
        );
        if (!ctx.deployed) {
            throw new ScriptError(
                `no Provider at ${formatAddress(ctx.address, ctx.network)}: node ${ctx.nodeIndex} of ${friendly(ctx.owner, ctx.network)} under this Root is not registered; run registerProvider first`,
            );
        }
        await requireProvider(ctx, `--node ${ctx.nodeIndex}`);
        return ctx;
    }
    const env = process.env.PROVIDER_ADDRESS?.trim();
    const source = flag !== undefined ? '--provider' : 'PROVIDER_ADDRESS';
    const raw = flag ?? env;
    if (!raw) {
        cli.fail(
            "missing the Provider: pass --provider <address> or set PROVIDER_ADDRESS, or pass --node <index> for the connected wallet's node under the Root of --root or ROOT_ADDRESS",
        );
    }
    return providerAt(provider, cli, cli.parse(source, raw, parseAddress), source);
}

/**
 * The registered Provider at `address` (named by `source`, e.g. "--provider") and its Root; a
 * --root that names another Root is refused, a ROOT_ADDRESS that does is noted.
 */
export async function providerAt(provider: NetworkProvider, cli: Cli, address: Address, source: string): Promise<ProviderContext> {
    const network = provider.network();
    if (!(await provider.isContractDeployed(address))) {
        throw new ScriptError(
            `no active contract at ${formatAddress(address, network)} (${source}) on ${network}; a Provider exists once registerProvider has run`,
        );
    }
    const contract = openReadable(provider, ExtendedProvider.fromAddress(address));
    const read = new ProviderReader(contract, provider);
    const state = await readState(read, address, network, source);
    const notes: string[] = [];
    const rootFlag = cli.option('root');
    if (rootFlag !== undefined) {
        const named = cli.parse('--root', rootFlag, parseAddress);
        if (!named.equals(state.root))
            cli.fail(`--root ${friendly(named, network)} is not this Provider's Root, which is ${friendly(state.root, network)}`);
    } else {
        const envRoot = process.env.ROOT_ADDRESS?.trim();
        if (envRoot && !sameAddress(envRoot, state.root)) {
            notes.push(`Note: ROOT_ADDRESS names another Root; this Provider serves under ${friendly(state.root, network)}.`);
        }
    }
    const root = await openRootAt(provider, state.root, "the Provider's Root");
    return {
        provider,
        ui: provider.ui(),
        network,
        address,
        contract,
        deployed: true,
        owner: state.owner,
        nodeIndex: state.nodeIndex,
        read,
        fresh: () => new ProviderReader(contract, provider),
        root,
        time: root.time,
        notes,
    };
}

/**
 * The Provider of node `nodeIndex` of the connected wallet under the Root of --root or
 * ROOT_ADDRESS, registered or not. The address is computed locally and checked against the Root's
 * providerAddress getter: a Root built with other Provider code would not recognise this Provider.
 */
export async function openNode(provider: NetworkProvider, cli: Cli, nodeIndex: bigint): Promise<ProviderContext> {
    const owner = provider.sender().address;
    if (!owner) {
        cli.fail(
            "--node <index> names the connected wallet's node, but this wallet provider does not reveal its address: use --mnemonic or --tonconnect, or name the Provider with --provider <address>",
        );
    }
    const root = await openRoot(provider, cli);
    const network = root.network;
    const computed = await ExtendedProvider.forNode(root.address, owner, nodeIndex);
    const expected = await root.root.getProviderAddress(owner, nodeIndex);
    if (!expected.equals(computed.address)) {
        throw new ScriptError(
            `the Root computes another address for node ${nodeIndex} of ${friendly(owner, network)} (${friendly(expected, network)}) than this checkout's Provider code (${friendly(computed.address, network)}): the Root was built from other contract code; use the checkout it was deployed from`,
        );
    }
    const contract = openReadable(provider, computed);
    return {
        provider,
        ui: provider.ui(),
        network,
        address: computed.address,
        contract,
        deployed: await provider.isContractDeployed(computed.address),
        owner,
        nodeIndex,
        read: new ProviderReader(contract, provider),
        fresh: () => new ProviderReader(contract, provider),
        root,
        time: root.time,
        notes: [],
    };
}

/** Whether `text` is a valid address equal to `address` (an invalid one is not ours to report). */
function sameAddress(text: string, address: Address): boolean {
    try {
        return parseAddress(text).equals(address);
    } catch {
        return true;
    }
}

async function readState(read: ProviderReader, address: Address, network: Network, source: string): Promise<ProviderState> {
    try {
        return await read.state();
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (${source}) does not answer as a Cocoon Provider: ${(e as Error).message}`,
        );
    }
}

async function requireProvider(ctx: ProviderContext, source: string): Promise<void> {
    await readState(ctx.read, ctx.address, ctx.network, source);
}

export function printProviderHeader(ctx: ProviderContext): void {
    const { ui, network } = ctx;
    ui.write(`Provider: ${formatAddress(ctx.address, network)} on ${network}`);
    ui.write(`  node ${ctx.nodeIndex} of owner ${formatAddress(ctx.owner, network)}`);
    ui.write(`  Root ${formatAddress(ctx.root.address, network)}`);
    ui.write(`Chain time: ${formatTime(ctx.time.now)} (${ctx.time.now}; ${ctx.time.source})`);
    for (const n of ctx.notes) ui.write(n);
}

// ---- transactions and events ----

/**
 * The Provider's transactions after logical time `sinceLt`, newest first, or undefined when the
 * API cannot list them (the events a script decodes are only in transactions).
 */
export async function transactionsSince(ctx: ProviderContext, sinceLt: bigint, limit = 16): Promise<Transaction[] | undefined> {
    try {
        const last = (await ctx.provider.getContractState(ctx.address)).last;
        if (!last) return [];
        if (last.lt <= sinceLt) return [];
        const txs = await ctx.provider.provider(ctx.address).getTransactions(ctx.address, last.lt, last.hash, limit);
        return txs.filter((tx) => tx.lt > sinceLt);
    } catch {
        return undefined;
    }
}

/** The exit code of a transaction whose compute or action phase failed, else undefined. */
export function failedExitCode(tx: Transaction): number | undefined {
    const d = tx.description;
    if (d.type !== 'generic') return undefined;
    if (d.computePhase.type === 'vm' && !d.computePhase.success) return d.computePhase.exitCode;
    if (d.aborted && d.actionPhase && !d.actionPhase.success) return d.actionPhase.resultCode;
    return d.aborted ? -1 : undefined;
}

/** The first transaction in `txs` of a message from `from` that the Provider refused. */
export function refusedFrom(txs: Transaction[], from: Address | undefined): { code: number } | undefined {
    for (const tx of [...txs].reverse()) {
        const src = tx.inMessage?.info.src;
        if (from && !(Address.isAddress(src) && src.equals(from))) continue;
        const code = failedExitCode(tx);
        if (code !== undefined) return { code };
    }
    return undefined;
}

export type ProviderEvent =
    | { kind: 'BindingRefused'; event: BindingRefused }
    | { kind: 'BindingChanged'; event: BindingChanged }
    | { kind: 'ProviderStatusChanged'; event: ProviderStatusChanged }
    | { kind: 'StakeChanged'; event: StakeChanged };

/** The events (external-out messages) the Provider emitted in `txs`, oldest first. */
export function providerEvents(txs: Transaction[]): ProviderEvent[] {
    const out: ProviderEvent[] = [];
    for (const tx of [...txs].sort((a, b) => (a.lt < b.lt ? -1 : 1))) {
        for (const m of tx.outMessages.values()) {
            if (m.info.type !== 'external-out') continue;
            const s = m.body.beginParse();
            if (s.remainingBits < 32) continue;
            const op = s.preloadUint(32);
            try {
                if (op === Provider.opcodes.BindingRefused) out.push({ kind: 'BindingRefused', event: loadBindingRefused(s) });
                else if (op === Provider.opcodes.BindingChanged) out.push({ kind: 'BindingChanged', event: loadBindingChanged(s) });
                else if (op === Provider.opcodes.ProviderStatusChanged)
                    out.push({ kind: 'ProviderStatusChanged', event: loadProviderStatusChanged(s) });
                else if (op === Provider.opcodes.StakeChanged) out.push({ kind: 'StakeChanged', event: loadStakeChanged(s) });
            } catch {
                // not one of ours after all
            }
        }
    }
    return out;
}

/** "ERR_X (exit code n)" for a Provider or Root exit code. */
export function exitName(code: number): string {
    return code < 0 ? 'an aborted transaction' : errorName(code);
}
