/**
 * Finding, opening and reading a worker's PayoutAccount (docs/contracts/escrow.md): one per worker
 * node and proxy key, at initOf PayoutAccount(root, proxy Provider, proxy TEE key, worker owner,
 * worker node index), computed with payoutAccountFor (wrappers/Escrow.ts). The first payout voucher
 * submitted deploys it. A script names it by
 *
 *   --payout <address>, or the PAYOUT_ADDRESS environment variable: a deployed account; its parties
 *     come from its getter and the address is checked against payoutAccountFor of them;
 *   --proxy <address> (or PROXY_ADDRESS) with --worker-owner (default: the connected wallet),
 *     --worker-node (default 0) and --tee-key (default: the proxy's bound key, or the key it
 *     replaced when only that one has an account);
 *   claimPayout: the account the voucher names. If it is not deployed yet, the same options give
 *     what its StateInit needs, and the computed address must be the voucher's.
 */
import type { NetworkProvider, UIProvider } from '@ton/blueprint';
import { Address, ContractState, OpenedContract } from '@ton/core';
import { ERR_VOUCHER_ACCOUNT, PayoutAccount, payoutAccountFor, PayoutState } from '../../wrappers/Escrow';
import { ROLE_PROXY } from '../../wrappers/Provider';
import { Cli, CliSpec, parseAddress, parseHash, parseUint } from './args';
import { ChainTime } from './chain';
import { RefusedError, ScriptError } from './errors';
import { errorName } from './params';
import { describeProxy, checkRootFlag, keyStanding, KeyStanding, openProxy, ProxyContext } from './escrow';
import { formatAddress, formatHash, formatTime, friendly, Network } from './format';
import { MAX_NODE_INDEX, roleName } from './provider';
import { openReadable } from './reader';
import { openRootAt, RootContext } from './root';

/** Options naming a payout account. */
export const PAYOUT_FLAGS: Record<string, string | null> = {
    payout: 'address',
    proxy: 'address',
    'tee-key': 'hex64',
    'worker-owner': 'address',
    'worker-node': 'index',
    root: 'address',
};

/** The Cli of a script that submits to a payout account (the voucher names it: no --payout). */
export function payoutActionCli(argv: readonly string[], spec: Omit<CliSpec, 'flags'>): Cli {
    const flags: Record<string, string | null> = { ...PAYOUT_FLAGS, 'dry-run': null };
    delete flags.payout;
    return new Cli(argv, { ...spec, flags });
}

export interface PayoutParties {
    root: Address;
    proxy: Address;
    teeKey: bigint;
    workerOwner: Address;
    workerNode: bigint;
}

export type OpenedPayout = OpenedContract<PayoutAccount>;

/** Counters of an account that has none yet (before its first payout voucher). */
export const EMPTY_PAYOUT_STATE: PayoutState = { $$type: 'PayoutState', seqno: 0n, tokens: 0n, paid: 0n, commission: 0n, final: false };

/** Getter results of one payout account, each fetched on first use and then kept. */
export class PayoutReader {
    private readonly cache = new Map<string, Promise<unknown>>();

    constructor(
        readonly contract: OpenedPayout,
        private readonly network: NetworkProvider,
    ) {}

    private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
        if (!this.cache.has(key)) this.cache.set(key, load());
        return this.cache.get(key) as Promise<T>;
    }

    account(): Promise<ContractState> {
        return this.memo('account', () => this.network.getContractState(this.contract.address));
    }
    async active(): Promise<boolean> {
        return (await this.account()).state.type === 'active';
    }
    /** The counters; all zero while the account is not deployed. */
    state(): Promise<PayoutState> {
        return this.memo('state', async () => ((await this.active()) ? this.contract.getState() : EMPTY_PAYOUT_STATE));
    }
    async lastLt(): Promise<bigint> {
        return (await this.account()).last?.lt ?? 0n;
    }
}

export interface PayoutContext {
    provider: NetworkProvider;
    ui: UIProvider;
    network: Network;
    address: Address;
    /** Opened with its StateInit: a message sent while the account is not active deploys it. */
    contract: OpenedPayout;
    deployed: boolean;
    parties: PayoutParties;
    read: PayoutReader;
    fresh(): PayoutReader;
    proxy: ProxyContext;
    root: RootContext;
    time: ChainTime;
    notes: string[];
}

/** The payout account named by --payout, --proxy (with the worker and key options), PAYOUT_ADDRESS or PROXY_ADDRESS. */
export async function findPayout(provider: NetworkProvider, cli: Cli): Promise<PayoutContext> {
    const flag = cli.option('payout');
    const byProxy = ['proxy', 'tee-key', 'worker-owner', 'worker-node'].filter((o) => cli.option(o) !== undefined);
    if (flag !== undefined && byProxy.length > 0) {
        cli.fail(
            `give either --payout <address> or --proxy <address> (with --worker-owner, --worker-node, --tee-key), not --payout with --${byProxy[0]}`,
        );
    }
    if (flag !== undefined) return payoutAt(provider, cli, cli.parse('--payout', flag, parseAddress), '--payout');
    const env = process.env.PAYOUT_ADDRESS?.trim();
    if (env && byProxy.length === 0) return payoutAt(provider, cli, cli.parse('PAYOUT_ADDRESS', env, parseAddress), 'PAYOUT_ADDRESS');
    const computed = await payoutOfProxy(provider, cli);
    if (computed) return computed;
    cli.fail(
        'missing the payout account: pass --payout <address> or set PAYOUT_ADDRESS, or pass --proxy <address> (or set PROXY_ADDRESS) with --worker-owner <address> (default: the connected wallet) and --worker-node <index> (default 0)',
    );
}

/**
 * The payout account a voucher names (claimPayout): read from its getter when deployed; otherwise
 * computed from the options, which must give the voucher's address.
 */
export async function payoutForVoucher(provider: NetworkProvider, cli: Cli, account: Address): Promise<PayoutContext> {
    const network = provider.network();
    if (await provider.isContractDeployed(account)) return payoutAt(provider, cli, account, "the voucher's account");
    const computed = await payoutOfProxy(provider, cli, account);
    if (!computed) {
        cli.fail(
            `the voucher's payout account ${friendly(account, network)} is not deployed yet; to deploy it with this claim, name its proxy with --proxy <address> (or set PROXY_ADDRESS), and the worker with --worker-owner <address> and --worker-node <index> (default: the connected wallet, node 0)`,
        );
    }
    return computed;
}

/** The deployed payout account at `address`; its parties from its getter. */
export async function payoutAt(provider: NetworkProvider, cli: Cli, address: Address, source: string): Promise<PayoutContext> {
    const network = provider.network();
    if (!(await provider.isContractDeployed(address))) {
        throw new ScriptError(
            `no payout account at ${formatAddress(address, network)} (${source}) on ${network} yet: the first claimPayout deploys it; name it with --proxy and --worker-owner, --worker-node to show it before`,
        );
    }
    let parties: PayoutParties;
    try {
        const p = await openReadable(provider, PayoutAccount.fromAddress(address)).getParties();
        parties = { root: p.root, proxy: p.proxy, teeKey: p.teeKey, workerOwner: p.workerOwner, workerNode: p.workerNode };
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (${source}) does not answer as a Cocoon PayoutAccount: ${(e as Error).message}`,
        );
    }
    const computed = await payoutAccountFor(parties.root, parties.proxy, parties.teeKey, parties.workerOwner, parties.workerNode);
    if (!computed.address.equals(address)) {
        throw new ScriptError(
            `the payout account at ${formatAddress(address, network)} (${source}) was built from other contract code than this checkout's (its parties give ${friendly(computed.address, network)})`,
        );
    }
    const notes = checkRootFlag(cli, parties.root, network, 'payout account');
    const proxy = await openProxy(provider, parties.proxy, "the payout account's proxy");
    const root = await openRootAt(provider, parties.root, "the payout account's Root");
    return payoutContext(provider, computed, true, parties, proxy, root, notes);
}

/**
 * The payout account of --worker-owner (default: the connected wallet) and --worker-node (default
 * 0) with the proxy of --proxy or PROXY_ADDRESS, under --tee-key or one of the proxy's keys;
 * undefined when no proxy is named. With `account` (a voucher's), the key is the one that gives
 * that address, and none doing so is refused.
 */
async function payoutOfProxy(provider: NetworkProvider, cli: Cli, account?: Address): Promise<PayoutContext | undefined> {
    const network = provider.network();
    const flag = cli.option('proxy');
    const raw = flag ?? process.env.PROXY_ADDRESS?.trim();
    if (!raw) return undefined;
    const source = flag !== undefined ? '--proxy' : 'PROXY_ADDRESS';
    const proxyAddress = cli.parse(source, raw, parseAddress);
    const proxy = await openProxy(provider, proxyAddress, source);
    const state = await proxy.read.state();
    if (state.role !== ROLE_PROXY) {
        throw new ScriptError(`${formatAddress(proxyAddress, network)} (${source}) is a ${roleName(state.role)}'s Provider, not a proxy's`);
    }
    const notes = checkRootFlag(cli, state.root, network, 'proxy');
    const ownerFlag = cli.option('worker-owner');
    const wallet = provider.sender().address;
    if (ownerFlag === undefined && !wallet) {
        cli.fail('this wallet provider does not reveal its address: pass --worker-owner <address>, or use --mnemonic or --tonconnect');
    }
    const workerOwner = ownerFlag !== undefined ? cli.parse('--worker-owner', ownerFlag, parseAddress) : wallet!;
    const nodeFlag = cli.option('worker-node');
    const workerNode = nodeFlag !== undefined ? cli.parse('--worker-node', nodeFlag, (v) => parseUint(v, MAX_NODE_INDEX)) : 0n;
    const pool = await proxy.read.poolState();
    const keyFlag = cli.option('tee-key');
    const keys =
        keyFlag !== undefined ? [cli.parse('--tee-key', keyFlag, parseHash)] : [pool.teeKey, pool.prevTeeKey].filter((k) => k !== 0n);
    if (keys.length === 0) {
        throw new ScriptError(
            `the proxy ${friendly(proxyAddress, network)} has no TEE key bound; pass --tee-key <hex64> to name an account under another key`,
        );
    }
    const candidates = await Promise.all(keys.map((k) => payoutAccountFor(state.root, proxyAddress, k, workerOwner, workerNode)));
    let index = 0;
    if (account) {
        index = candidates.findIndex((c) => c.address.equals(account));
        if (index < 0) {
            throw new RefusedError(
                `Not sent: the voucher is for ${friendly(account, network)}, which is not the payout account of worker owner ${friendly(workerOwner, network)}, node ${workerNode}, with the proxy ${friendly(proxyAddress, network)} under TEE key ${keys.map(formatHash).join(' or ')} (a voucher works only on the account it names: ${errorName(ERR_VOUCHER_ACCOUNT)}); pass the worker's --worker-owner and --worker-node, or --tee-key`,
            );
        }
    } else if (keys.length > 1 && !(await provider.isContractDeployed(candidates[0].address))) {
        if (await provider.isContractDeployed(candidates[1].address)) {
            index = 1;
            notes.push(
                `Note: no payout account under the proxy's bound key ${formatHash(keys[0])}; this is the one under the key it replaced (pass --tee-key to choose).`,
            );
        }
    }
    const chosen = candidates[index];
    const root = await openRootAt(provider, state.root, "the proxy's Root");
    const deployed = await provider.isContractDeployed(chosen.address);
    return payoutContext(
        provider,
        chosen,
        deployed,
        { root: state.root, proxy: proxyAddress, teeKey: keys[index], workerOwner, workerNode },
        proxy,
        root,
        notes,
    );
}

function payoutContext(
    provider: NetworkProvider,
    account: PayoutAccount,
    deployed: boolean,
    parties: PayoutParties,
    proxy: ProxyContext,
    root: RootContext,
    notes: string[],
): PayoutContext {
    const contract = openReadable(provider, account);
    return {
        provider,
        ui: provider.ui(),
        network: provider.network(),
        address: account.address,
        contract,
        deployed,
        parties,
        read: new PayoutReader(contract, provider),
        fresh: () => new PayoutReader(contract, provider),
        proxy,
        root,
        time: root.time,
        notes,
    };
}

export async function printPayoutHeader(ctx: PayoutContext): Promise<void> {
    const { ui, network, parties } = ctx;
    ui.write(
        `Payout account: ${formatAddress(ctx.address, network)} on ${network}${ctx.deployed ? '' : ' (not deployed yet: the first claimPayout deploys it)'}`,
    );
    ui.write(`  worker  node ${parties.workerNode} of owner ${formatAddress(parties.workerOwner, network)}`);
    ui.write(`  proxy   ${await describeProxy(ctx.proxy, network)}`);
    ui.write(`  TEE key ${formatHash(parties.teeKey)}`);
    ui.write(`  Root    ${formatAddress(parties.root, network)}`);
    ui.write(`Chain time: ${formatTime(ctx.time.now)} (${ctx.time.now}; ${ctx.time.source})`);
    for (const n of ctx.notes) ui.write(n);
}

/** Whether the account's key settles at its proxy now. */
export async function payoutKeyStanding(ctx: PayoutContext, proxy = ctx.proxy.read): Promise<KeyStanding> {
    return keyStanding((await proxy.state()).role, await proxy.poolState(), ctx.parties.teeKey, ctx.time.now);
}
