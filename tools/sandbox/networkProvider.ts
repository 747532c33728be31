/**
 * A blueprint NetworkProvider over @ton/sandbox, so the operator scripts' run() functions can be
 * tested offline exactly as `blueprint run` calls them. It implements what the scripts use:
 * sender() (a sandbox treasury wallet; switch with useWallet), provider(), open(),
 * isContractDeployed, waitForDeploy, waitForLastTransaction, getContractState, network(), and ui()
 * with a UIProvider that records what is written. It also implements the scripts' ChainHints:
 * the chain time is `blockchain.now`, and polling does not sleep (the sandbox applies a message
 * before send() returns).
 */
import type { NetworkProvider, SenderWithSendResult, UIProvider } from '@ton/blueprint';
import {
    Address,
    Cell,
    Contract,
    ContractProvider,
    ContractState,
    OpenedContract,
    SendMode,
    SenderArguments,
    StateInit,
    comment,
    openContract,
    toNano,
} from '@ton/core';
import { Blockchain, SandboxContract, SendMessageResult, TreasuryContract } from '@ton/sandbox';
import type { ChainHints } from '../../scripts/lib/chain';

type Network = ReturnType<NetworkProvider['network']>;

/** Records writes; refuses every interactive prompt, since the scripts must never ask. */
export class RecordingUI implements UIProvider {
    readonly lines: string[] = [];
    readonly actionPrompts: string[] = [];

    write(message: string): void {
        this.lines.push(...message.split('\n'));
    }
    /** Everything written, one string. */
    text(): string {
        return this.lines.join('\n');
    }
    clear(): void {
        this.lines.length = 0;
        this.actionPrompts.length = 0;
    }
    prompt(message: string): Promise<boolean> {
        throw new Error(`unexpected interactive prompt: ${message}`);
    }
    inputAddress(message: string): Promise<Address> {
        throw new Error(`unexpected interactive prompt: ${message}`);
    }
    input(message: string): Promise<string> {
        throw new Error(`unexpected interactive prompt: ${message}`);
    }
    choose<T>(message: string): Promise<T> {
        throw new Error(`unexpected interactive prompt: ${message}`);
    }
    setActionPrompt(message: string): void {
        this.actionPrompts.push(message);
    }
    clearActionPrompt(): void {}
}

export class SandboxNetworkProvider implements NetworkProvider, ChainHints {
    readonly recordingUI = new RecordingUI();
    /** Results of every message sent through sender(), oldest first. */
    readonly sent: SendMessageResult[] = [];
    readonly pollIntervalMs = 0;
    readonly pollAttempts = 3;
    private lastResult: SendMessageResult | undefined;

    constructor(
        readonly blockchain: Blockchain,
        private wallet: SandboxContract<TreasuryContract>,
        private readonly networkName: Network = 'custom',
    ) {}

    /** The connected wallet from now on. */
    useWallet(wallet: SandboxContract<TreasuryContract>): this {
        this.wallet = wallet;
        return this;
    }

    async chainTime(): Promise<number> {
        return this.blockchain.now ?? Math.floor(Date.now() / 1000);
    }

    network(): Network {
        return this.networkName;
    }

    explorer(): 'tonviewer' {
        return 'tonviewer';
    }

    /** Like blueprint's: one message per send, PAY_GAS_SEPARATELY only, applied at once. */
    sender(): SenderWithSendResult {
        const wallet = this.wallet;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const self = this;
        return {
            address: wallet.address,
            get lastSendResult() {
                return self.lastResult;
            },
            send: async (args: SenderArguments) => {
                if (!(args.sendMode === undefined || args.sendMode === SendMode.PAY_GAS_SEPARATELY)) {
                    throw new Error('Deployer sender does not support `sendMode` other than `PAY_GAS_SEPARATELY`');
                }
                const result = await wallet.send(args);
                self.sent.push(result);
                self.lastResult = result;
            },
        };
    }

    api(): never {
        throw new Error('api() is not available over the sandbox; scripts should use provider() and open()');
    }

    /** Like blueprint's: the state init goes with a message only while the account is not active. */
    provider(address: Address, init?: { code?: Cell; data?: Cell } | null): ContractProvider {
        const inner = this.blockchain.provider(address, init ? ({ code: init.code, data: init.data } as StateInit) : null);
        return {
            getState: () => inner.getState(),
            get: (name, args) => inner.get(name, args),
            external: (message) => inner.external(message),
            getTransactions: (a, lt, hash, limit) => inner.getTransactions(a, lt, hash, limit),
            open: <T extends Contract>(contract: T) => this.open(contract),
            internal: async (via, args) => {
                const active = (await inner.getState()).state.type === 'active';
                await via.send({
                    to: address,
                    value: typeof args.value === 'string' ? toNano(args.value) : args.value,
                    sendMode: args.sendMode,
                    bounce: args.bounce,
                    init: init && !active ? (init as StateInit) : undefined,
                    body: typeof args.body === 'string' ? comment(args.body) : args.body,
                });
            },
        };
    }

    open<T extends Contract>(contract: T): OpenedContract<T> {
        return openContract(contract, (params) =>
            this.provider(
                params.address,
                params.init ? { code: params.init.code ?? undefined, data: params.init.data ?? undefined } : null,
            ),
        );
    }

    async isContractDeployed(address: Address): Promise<boolean> {
        return (await this.getContractState(address)).state.type === 'active';
    }

    async waitForDeploy(address: Address, attempts = 20): Promise<void> {
        if (attempts <= 0) throw new Error('Attempt number must be positive');
        if (!(await this.isContractDeployed(address))) throw new Error("Contract was not deployed. Check your wallet's transactions");
        this.recordingUI.write(`Contract deployed at address ${address.toString()}`);
    }

    async waitForLastTransaction(): Promise<void> {
        if (!this.lastResult) throw new Error('nothing was sent');
    }

    getContractState(address: Address): Promise<ContractState> {
        return this.blockchain.provider(address).getState();
    }

    getConfig(): never {
        throw new Error('getConfig() is not implemented over the sandbox');
    }

    async deploy(contract: Contract, value: bigint, body?: Cell): Promise<void> {
        if (await this.isContractDeployed(contract.address)) throw new Error('Contract is already deployed!');
        if (!contract.init) throw new Error('Contract has no init!');
        await this.sender().send({ to: contract.address, value, body, init: contract.init });
        await this.waitForDeploy(contract.address);
    }

    ui(): UIProvider {
        return this.recordingUI;
    }
}
