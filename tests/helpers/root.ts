/**
 * Helpers shared by the Root specs: a shared deployment restored from a snapshot before each test,
 * a "nothing changed" check for refused actions, decoders for the Root's events and replies, and
 * short-cuts for proposals and the proxy directory.
 */
import '@ton/test-utils';
import { Address, Cell, contractAddress, Sender, Slice, toNano } from '@ton/core';
import { Provider } from '../../build/Provider/tact_Provider';
import { BlockchainSnapshot, internal, SendMessageResult } from '@ton/sandbox';
import { flattenTransaction } from '@ton/test-utils';
import {
    AllowlistChanged,
    DirectoryChanged,
    Excesses,
    ExtendedRoot,
    GovernanceChanged,
    loadAllowlistChanged,
    loadDirectoryChanged,
    loadExcesses,
    loadGovernanceChanged,
    loadParamsChanged,
    loadPauseChanged,
    loadProposalCancelled,
    loadProposalCreated,
    loadProposalExecuted,
    loadRoot$Data,
    ParamsChanged,
    PauseChanged,
    ProposalCancelled,
    ProposalCreated,
    ProposalExecuted,
    Root,
    RootInit,
    RootState,
} from '../../wrappers/Root';
import { Actor, deployEnvironment, Env, EnvOptions, RootContract } from '../fixtures/environment';

/** Any message the Root's generated `send` accepts. */
export type RootMessage = Exclude<Parameters<Root['send']>[3], null>;

// ---------------------------------------------------------------------------------------------
// Shared deployment
// ---------------------------------------------------------------------------------------------

export interface Shared<T> {
    env: Env;
    extra: T;
}

/**
 * Deploys the environment once per describe block (plus an optional setup), and restores that
 * state before each test, so tests stay independent without paying for a deployment each.
 */
export function sharedEnvironment<T = undefined>(opts: EnvOptions = {}, setup?: (env: Env) => Promise<T>): Shared<T> {
    const ctx = {} as Shared<T>;
    let snapshot: BlockchainSnapshot;
    beforeAll(async () => {
        ctx.env = await deployEnvironment(opts);
        expect(ctx.env.deployResult.transactions).toHaveTransaction({
            from: ctx.env.deployer.address,
            to: ctx.env.root.address,
            deploy: true,
            success: true,
        });
        ctx.extra = (setup ? await setup(ctx.env) : undefined) as T;
        snapshot = ctx.env.blockchain.snapshot();
    });
    beforeEach(async () => {
        await ctx.env.blockchain.loadFrom(snapshot);
    });
    return ctx;
}

/** Deploys another Root next to the fixture's one (same blockchain), with some init fields replaced. */
export async function deployRoot(env: Env, overrides: Partial<RootInit>, value = toNano('1')) {
    const init: RootInit = { ...env.init, ...overrides };
    const root = env.blockchain.openContract(await ExtendedRoot.fromRootInit(init));
    const result = await root.sendDeploy(env.deployer.getSender(), value);
    return { root, init, result };
}

/**
 * Checks that a deployment attempt was refused with `exitCode`: the deploy transaction aborted and
 * bounced the value, and the contract's storage never got initialised (it still holds the raw init
 * arguments, so every later message or getter re-runs init and fails the same way).
 */
export async function expectDeployRefused(env: Env, deployed: Awaited<ReturnType<typeof deployRoot>>, exitCode: bigint | number) {
    const { root, result } = deployed;
    expect(result.transactions).toHaveTransaction({
        from: env.deployer.address,
        to: root.address,
        success: false,
        aborted: true,
        exitCode: Number(exitCode),
    });
    expect(result.transactions).toHaveTransaction({ from: root.address, to: env.deployer.address, inMessageBounced: true });
    expect(result.externals.filter((e) => e.info.src.equals(root.address))).toHaveLength(0);
    const account = await env.blockchain.getContract(root.address);
    expect(account.balance).toBe(0n);
    const state = account.accountState;
    if (state?.type === 'active') {
        // Tact keeps the init arguments behind a cleared "initialised" bit until init() succeeds.
        expect(state.state.data!.equals(root.init!.data)).toBe(true);
        expect(state.state.data!.beginParse().preloadUint(1)).toBe(0);
    }
    await expect(root.getState()).rejects.toThrow();
}

/**
 * A structural copy fit for `toEqual`: addresses become raw strings and cells their hashes
 * (@ton/core's Address carries per-instance closures, so two equal addresses are not `toEqual`).
 */
export function plain(v: unknown): unknown {
    if (v instanceof Address) return `addr:${v.toRawString()}`;
    if (v instanceof Cell) return `cell:${v.hash().toString('hex')}`;
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
    }
    return v;
}

// ---------------------------------------------------------------------------------------------
// State capture and refusal checks
// ---------------------------------------------------------------------------------------------

export interface RootCapture {
    data: Cell;
    code: Cell;
    balance: bigint;
    state: RootState;
}

/** The RootState the `state` getter would return, decoded straight from the persistent data. */
export function stateFromData(data: Cell): RootState {
    const s = data.beginParse();
    if (!s.loadBit()) throw new Error('Root storage is not initialised');
    const d = loadRoot$Data(s);
    return {
        $$type: 'RootState',
        governance: d.governance,
        pendingGovernance: d.pendingGovernance,
        guardian: d.guardian,
        isTest: d.isTest,
        paused: d.paused,
        configVersion: d.configVersion,
        nextProposalId: d.nextProposalId,
        proposalCount: d.proposalCount,
        attestationRootCount: d.attestationRootCount,
        imageCount: d.imageCount,
        modelCount: d.modelCount,
        proxyCount: d.proxyCount,
    };
}

/** Storage, code, balance and state of the Root (no get-method run, so it is cheap). */
export async function captureRoot(env: Env, root: RootContract = env.root): Promise<RootCapture> {
    const account = await env.blockchain.getContract(root.address);
    const s = account.accountState;
    if (s?.type !== 'active') throw new Error(`Root ${root.address} is not active`);
    return {
        data: s.state.data!,
        code: s.state.code!,
        balance: account.balance,
        state: stateFromData(s.state.data!),
    };
}

/** Storage fees the Root paid in the transactions of `result` (the only allowed balance decrease). */
export function storageFees(result: SendMessageResult, address: Address): bigint {
    let fees = 0n;
    for (const tx of result.transactions) {
        const flat = flattenTransaction(tx);
        if (!flat.on?.equals(address) || tx.description.type !== 'generic') continue;
        fees += tx.description.storagePhase?.storageFeesCollected ?? 0n;
    }
    return fees;
}

/**
 * Nothing observable changed: the state getter agrees, the whole persistent storage is bit-for-bit
 * the same (so every map, counter, parameter and configVersion, which the other getters only read),
 * no event was emitted and the Root's balance did not go down beyond storage fees.
 */
export async function expectUnchanged(env: Env, before: RootCapture, result?: SendMessageResult, root: RootContract = env.root) {
    const after = await captureRoot(env, root);
    expect(plain(await root.getState())).toEqual(plain(before.state));
    expect(after.code.hash().toString('hex')).toBe(before.code.hash().toString('hex'));
    expect(after.data.hash().toString('hex')).toBe(before.data.hash().toString('hex'));
    if (result) {
        expect(rootEvents(result, root.address).map((e) => e.$$type)).toEqual([]);
        expect(after.balance).toBeGreaterThanOrEqual(before.balance - storageFees(result, root.address));
    }
}

/** The message from `from` was refused by the Root with `exitCode`, and nothing changed. */
export async function expectRefused(
    env: Env,
    before: RootCapture,
    result: SendMessageResult,
    from: Address,
    exitCode: bigint | number,
    root: RootContract = env.root,
) {
    expect(result.transactions).toHaveTransaction({
        from,
        to: root.address,
        success: false,
        aborted: true,
        exitCode: Number(exitCode),
    });
    await expectUnchanged(env, before, result, root);
}

/** Captures, runs `action`, and checks that it was refused with `exitCode` and changed nothing. */
export async function refuses(
    env: Env,
    from: Address,
    exitCode: bigint | number,
    action: () => Promise<SendMessageResult>,
    root: RootContract = env.root,
) {
    const before = await captureRoot(env, root);
    const result = await action();
    await expectRefused(env, before, result, from, exitCode, root);
    return result;
}

/** The message from `from` was accepted by the Root. */
export function expectAccepted(result: SendMessageResult, from: Address, root: Address) {
    expect(result.transactions).toHaveTransaction({ from, to: root, success: true, aborted: false });
}

// ---------------------------------------------------------------------------------------------
// Events and replies
// ---------------------------------------------------------------------------------------------

export type RootEvent =
    | ProposalCreated
    | ProposalExecuted
    | ProposalCancelled
    | AllowlistChanged
    | ParamsChanged
    | GovernanceChanged
    | PauseChanged
    | DirectoryChanged;

const EVENT_LOADERS: Record<RootEvent['$$type'], (s: Slice) => RootEvent> = {
    ProposalCreated: loadProposalCreated,
    ProposalExecuted: loadProposalExecuted,
    ProposalCancelled: loadProposalCancelled,
    AllowlistChanged: loadAllowlistChanged,
    ParamsChanged: loadParamsChanged,
    GovernanceChanged: loadGovernanceChanged,
    PauseChanged: loadPauseChanged,
    DirectoryChanged: loadDirectoryChanged,
};

/** Decodes an event body with the generated loader of its opcode; throws on anything else. */
export function decodeEvent(body: Cell): RootEvent {
    const op = body.beginParse().preloadUint(32);
    for (const [name, loader] of Object.entries(EVENT_LOADERS)) {
        if ((Root.opcodes as Record<string, number>)[name] === op) {
            const s = body.beginParse();
            const event = loader(s);
            expect(s.remainingBits).toBe(0);
            expect(s.remainingRefs).toBe(0);
            return event;
        }
    }
    throw new Error(`not a Root event: opcode 0x${op.toString(16)}`);
}

/** Every external message the Root emitted in `result`, decoded, in order. */
export function rootEvents(result: SendMessageResult, root: Address): RootEvent[] {
    return result.externals.filter((e) => e.info.src.equals(root)).map((e) => decodeEvent(e.body));
}

/** Bodies of internal messages sent from `from` to `to` in `result`. */
export function messagesBetween(result: SendMessageResult, from: Address, to: Address) {
    const out: { body: Cell; value: bigint; bounce: boolean }[] = [];
    for (const tx of result.transactions) {
        const m = tx.inMessage;
        if (m?.info.type !== 'internal') continue;
        if (m.info.src.equals(from) && m.info.dest.equals(to)) {
            out.push({ body: m.body, value: m.info.value.coins, bounce: m.info.bounce });
        }
    }
    return out;
}

/** The single reply the Root sent to `to`, parsed with `loader`. */
export function replyFrom<T>(result: SendMessageResult, root: Address, to: Address, loader: (s: Slice) => T): T {
    const msgs = messagesBetween(result, root, to);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].bounce).toBe(false);
    return loader(msgs[0].body.beginParse());
}

/** The single Excesses the Root sent back to `to`. */
export function excessesTo(result: SendMessageResult, root: Address, to: Address): Excesses & { value: bigint } {
    const msgs = messagesBetween(result, root, to);
    expect(msgs).toHaveLength(1);
    return { ...loadExcesses(msgs[0].body.beginParse()), value: msgs[0].value };
}

// ---------------------------------------------------------------------------------------------
// Proposals
// ---------------------------------------------------------------------------------------------

/** The id of the proposal created in `result` (from its ProposalCreated event). */
export function createdProposal(result: SendMessageResult, root: Address): ProposalCreated {
    const created = rootEvents(result, root).filter((e): e is ProposalCreated => e.$$type === 'ProposalCreated');
    expect(created).toHaveLength(1);
    return created[0];
}

/** Sets the sandbox clock to an absolute time. */
export function setNow(env: Env, t: bigint | number) {
    env.blockchain.now = Number(t);
}

/**
 * Runs a proposing action, moves the clock to the proposal's executeAfter and executes it (by
 * `executor`, a stranger by default, since anyone may). Returns the id and both results.
 */
export async function proposeAndExecute(env: Env, propose: () => Promise<SendMessageResult>, executor: Actor = env.stranger) {
    const proposeResult = await propose();
    expectAccepted(proposeResult, env.governance.address, env.root.address);
    const created = createdProposal(proposeResult, env.root.address);
    setNow(env, created.executeAfter);
    const executeResult = await env.root.sendExecuteProposal(executor.getSender(), created.proposalId);
    expectAccepted(executeResult, executor.address, env.root.address);
    return { id: created.proposalId, created, proposeResult, executeResult };
}

// ---------------------------------------------------------------------------------------------
// Proxy directory
// ---------------------------------------------------------------------------------------------

export interface ListArgs {
    owner: Address;
    nodeIndex?: bigint;
    imageHash: bigint;
    attestationRoot: bigint;
    endpoint?: string;
    queryId?: bigint;
    value?: bigint;
    /** Send from this address instead of the Provider contract's own. */
    via?: Sender;
}

/**
 * Address of the Provider contract of (owner, nodeIndex) under `root`, derived off-chain like
 * Provider.fromInit does (directory.spec checks it equals the Root's providerAddress getter).
 */
export async function providerAddress(root: Address, owner: Address, nodeIndex: bigint): Promise<Address> {
    return contractAddress(0, (await Provider.fromInit(root, owner, nodeIndex)).init!);
}

/** The Sender of the Provider contract of (owner, nodeIndex) under `root`. */
export async function providerSender(env: Env, owner: Address, nodeIndex: bigint, root: RootContract = env.root) {
    const address = await providerAddress(root.address, owner, nodeIndex);
    return { address, sender: env.blockchain.sender(address) };
}

/** Sends ListProxyForRoot, by default from the right Provider contract address. */
export async function listProxy(env: Env, a: ListArgs, root: RootContract = env.root) {
    const nodeIndex = a.nodeIndex ?? 0n;
    const provider = await providerSender(env, a.owner, nodeIndex, root);
    const result = await root.send(
        a.via ?? provider.sender,
        { value: a.value ?? toNano('0.05') },
        {
            $$type: 'ListProxyForRoot',
            queryId: a.queryId ?? 0n,
            owner: a.owner,
            nodeIndex,
            imageHash: a.imageHash,
            attestationRoot: a.attestationRoot,
            endpoint: a.endpoint ?? 'https://proxy.example:8443',
        },
    );
    return { result, provider: provider.address };
}

/** Sends DelistProxyForRoot, by default from the right Provider contract address. */
export async function delistProxyForRoot(
    env: Env,
    a: { owner: Address; nodeIndex?: bigint; queryId?: bigint; value?: bigint; via?: Sender },
    root: RootContract = env.root,
) {
    const nodeIndex = a.nodeIndex ?? 0n;
    const provider = await providerSender(env, a.owner, nodeIndex, root);
    const result = await root.send(
        a.via ?? provider.sender,
        { value: a.value ?? toNano('0.05') },
        { $$type: 'DelistProxyForRoot', queryId: a.queryId ?? 0n, owner: a.owner, nodeIndex },
    );
    return { result, provider: provider.address };
}

/** Sends an internal message with a raw body from any address (no wallet in between). */
export function sendRaw(env: Env, from: Address, body: Cell, value = toNano('0.1'), to: Address = env.root.address) {
    return env.blockchain.sendMessage(internal({ from, to, value, body }));
}

/** A masterchain address (for the treasury check). */
export function masterchainAddress(seed = 1): Address {
    return new Address(-1, Buffer.alloc(32, seed));
}
