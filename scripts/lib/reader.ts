/**
 * Opening contracts so that their getters read correctly over every API blueprint offers.
 *
 * The toncenter v2 API (blueprint's --testnet, --mainnet and `--custom URL --custom-version v2`)
 * returns a get method's stack in tonlib's JSON, and @ton/ton's TonClient turns the items inside a
 * tuple into bare values (a bigint, a Cell, an array) instead of typed tuple items. Every Tact
 * getter that returns a struct returns a tuple, so its generated reader fails ("Not a number").
 * tonlib's JSON is lossy besides: it cannot tell a two-item tuple ending in null from a list.
 *
 * So over TonClient v2 a getter does not run remotely: the script fetches the account (code, data,
 * balance and the time of the block the answer comes from; one API call, as before) and runs the
 * get method on that state in a local TVM (the emulator @ton/sandbox ships). The result is exactly
 * what the contract returns, for the block the API reported. Sends are unchanged. With API v4,
 * liteservers and the test sandbox the getter runs where it always did, as those return the stack
 * losslessly. docs/decisions/0003-getters-over-toncenter-v2.md records the choice.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address, Cell, Contract, ContractProvider, openContract, OpenedContract, TupleItem } from '@ton/core';

interface TonClientV2Like {
    getContractState(address: Address): Promise<{
        balance: bigint;
        state: 'active' | 'uninitialized' | 'frozen';
        code: Buffer | null;
        data: Buffer | null;
        timestampt: number;
    }>;
    runMethod(address: Address, name: string, stack?: TupleItem[]): Promise<unknown>;
    getMasterchainInfo(): Promise<unknown>;
}

/**
 * The API's client when it is a toncenter v2 TonClient. The client classes are told apart by their
 * methods, not with instanceof: blueprint may load its own copy of @ton/ton.
 */
export function tonClientV2(provider: NetworkProvider): TonClientV2Like | null {
    let api: Record<string, unknown>;
    try {
        api = provider.api() as unknown as Record<string, unknown>;
    } catch {
        return null; // the test sandbox has no API client
    }
    const isV2 =
        typeof api.runMethod === 'function' &&
        typeof api.getContractState === 'function' &&
        typeof api.getMasterchainInfo === 'function' &&
        typeof api.getLastBlock !== 'function';
    return isV2 ? (api as unknown as TonClientV2Like) : null;
}

/** Runs get methods on fetched account states; one emulator per process, made on first use. */
class LocalGetters {
    private emulator: Promise<import('@ton/sandbox').Blockchain> | null = null;

    private blockchain() {
        this.emulator ??= (async () => {
            const { Blockchain } = await import('@ton/sandbox');
            const bc = await Blockchain.create();
            bc.verbosity = { print: false, blockchainLogs: false, vmLogs: 'none', debugLogs: false };
            return bc;
        })();
        return this.emulator;
    }

    async run(client: TonClientV2Like, address: Address, name: string, args: TupleItem[]) {
        const state = await client.getContractState(address);
        if (state.state !== 'active' || !state.code || !state.data) {
            throw new Error(`Unable to execute get method ${name}: the account ${address.toString()} is ${state.state} (exit code -13)`);
        }
        const { createShardAccount } = await import('@ton/sandbox');
        const bc = await this.blockchain();
        await bc.setShardAccount(
            address,
            createShardAccount({
                address,
                code: Cell.fromBoc(state.code)[0],
                data: Cell.fromBoc(state.data)[0],
                balance: state.balance,
                workchain: address.workChain,
            }),
        );
        const now = state.timestampt > 0 ? state.timestampt : Math.floor(Date.now() / 1000);
        const res = await bc.runGetMethod(address, name, args, { now });
        return { stack: res.stackReader };
    }
}

const local = new LocalGetters();

/** `provider.provider(address, init)` with getters that read correctly over toncenter v2. */
export function contractProvider(
    provider: NetworkProvider,
    address: Address,
    init?: { code?: Cell; data?: Cell } | null,
): ContractProvider {
    const base = provider.provider(address, init ?? undefined);
    const client = tonClientV2(provider);
    if (!client) return base;
    return new Proxy(base, {
        get(target, prop, receiver) {
            if (prop === 'get') {
                return (name: string | number, args: TupleItem[]) => {
                    if (typeof name !== 'string') throw new Error('get methods are called by name');
                    return local.run(client, address, name, args);
                };
            }
            const value = Reflect.get(target, prop, receiver) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
    });
}

/** `provider.open(contract)` with getters that read correctly over toncenter v2. */
export function openReadable<T extends Contract>(provider: NetworkProvider, contract: T): OpenedContract<T> {
    if (!tonClientV2(provider)) return provider.open(contract);
    return openContract(contract, ({ address, init }) =>
        contractProvider(provider, address, init ? { code: init.code ?? undefined, data: init.data ?? undefined } : null),
    );
}
