/** Finding, opening and reading a deployed Root. */
import type { NetworkProvider, UIProvider } from '@ton/blueprint';
import { Address, OpenedContract } from '@ton/core';
import { ExtendedRoot, Params, Proposal, ProxyEntry, RootState } from '../../wrappers/Root';
import { Cli, parseAddress } from './args';
import { ChainTime, chainTime } from './chain';
import { ScriptError } from './errors';
import { formatAddress, Network } from './format';
import { openReadable } from './reader';

export type OpenedRoot = OpenedContract<ExtendedRoot>;

export interface PendingProposal extends Proposal {
    id: bigint;
}

/**
 * Getter results of one Root, each fetched on first use and then kept: a script reads what it
 * needs once (public APIs are rate-limited) and takes a fresh reader to see later changes.
 */
export class RootReader {
    private readonly cache = new Map<string, Promise<unknown>>();

    constructor(readonly root: OpenedRoot) {}

    private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
        if (!this.cache.has(key)) this.cache.set(key, load());
        return this.cache.get(key) as Promise<T>;
    }

    state(): Promise<RootState> {
        return this.memo('state', () => this.root.getState());
    }
    params(): Promise<Params> {
        return this.memo('params', () => this.root.getParams());
    }
    /** Attestation root hashes, ascending. */
    attestationRoots(): Promise<bigint[]> {
        return this.memo('roots', async () => sorted((await this.root.getAttestationRoots()).keys()));
    }
    /** Image hash -> role mask. */
    images(): Promise<Map<bigint, bigint>> {
        return this.memo('images', async () => {
            const d = await this.root.getImages();
            return new Map(sorted(d.keys()).map((k) => [k, BigInt(d.get(k)!)]));
        });
    }
    models(): Promise<bigint[]> {
        return this.memo('models', async () => sorted((await this.root.getModels()).keys()));
    }
    /** Pending proposals, oldest first. */
    proposals(): Promise<PendingProposal[]> {
        return this.memo('proposals', async () => {
            const d = await this.root.getProposals();
            return d
                .keys()
                .sort((a, b) => a - b)
                .map((id) => ({ id: BigInt(id), ...d.get(id)! }));
        });
    }
    proposal(id: bigint): Promise<PendingProposal | undefined> {
        return this.memo(`proposal:${id}`, async () => {
            const p = await this.root.getProposal(id);
            return p ? { id, ...p } : undefined;
        });
    }
    /** Proxy directory: Provider contract address -> entry. */
    proxies(): Promise<{ provider: Address; entry: ProxyEntry }[]> {
        return this.memo('proxies', async () => {
            const d = await this.root.getProxies();
            return d.keys().map((provider) => ({ provider, entry: d.get(provider)! }));
        });
    }
}

function sorted(keys: bigint[]): bigint[] {
    return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What every script acting on a deployed Root works with. */
export interface RootContext {
    provider: NetworkProvider;
    ui: UIProvider;
    network: Network;
    address: Address;
    root: OpenedRoot;
    /** Getter results as of opening; `fresh()` gives a new reader. */
    read: RootReader;
    fresh(): RootReader;
    time: ChainTime;
}

/**
 * Opens the Root named by --root or, failing that, the ROOT_ADDRESS environment variable, and
 * checks that a Root answers there.
 */
export async function openRoot(provider: NetworkProvider, cli: Cli): Promise<RootContext> {
    const flag = cli.option('root');
    const env = process.env.ROOT_ADDRESS?.trim();
    const source = flag !== undefined ? '--root' : 'ROOT_ADDRESS';
    const raw = flag ?? env;
    if (!raw) cli.fail('missing the Root address: pass --root <address> or set ROOT_ADDRESS');
    return openRootAt(provider, cli.parse(source, raw, parseAddress), source);
}

/** Opens the Root at `address`; `source` says where the address came from, for error messages. */
export async function openRootAt(provider: NetworkProvider, address: Address, source: string): Promise<RootContext> {
    const network = provider.network();
    if (!(await provider.isContractDeployed(address))) {
        throw new ScriptError(`no active contract at ${formatAddress(address, network)} (${source}) on ${network}`);
    }
    const root = openReadable(provider, ExtendedRoot.fromAddress(address));
    const read = new RootReader(root);
    try {
        await read.state();
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (${source}) does not answer as a Cocoon Root: ${(e as Error).message}`,
        );
    }
    return {
        provider,
        ui: provider.ui(),
        network,
        address,
        root,
        read,
        fresh: () => new RootReader(root),
        time: await chainTime(provider, address),
    };
}
