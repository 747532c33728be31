/**
 * Helpers shared by the Provider specs: nodes (owner, Provider contract, TEE key) on the shared
 * Root fixture, the usual owner actions with their success checked, a "nothing changed" check for
 * refused messages, decoders for the Provider's events, forged Root messages, and balance
 * accounting for value checks.
 */
import '@ton/test-utils';
import { Address, beginCell, Builder, Cell, Message, Sender, Slice, StateInit, toNano, TupleReader } from '@ton/core';
import { KeyPair, keyPairFromSeed } from '@ton/crypto';
import { BlockchainTransaction, internal, SandboxContract, SendMessageResult } from '@ton/sandbox';
import { flattenTransaction } from '@ton/test-utils';
import { createHash } from 'node:crypto';
import {
    Binding,
    BindingChanged,
    BindingRefused,
    ExtendedProvider,
    loadBindingChanged,
    loadBindingRefused,
    loadExcesses,
    loadProfileUpdated,
    loadProviderStatusChanged,
    loadReleased,
    loadSlashed,
    loadStakeChanged,
    loadStakeWithdrawal,
    Profile,
    ProfileUpdated,
    Provider,
    ProviderStatusChanged,
    proxyProfile,
    Released,
    Slashed,
    STATUS_ACTIVE,
    StakeChanged,
    storeExecuteSlash,
    storeFreezeWithdrawals,
    storeImageVerdict,
    storeProfile,
    storeProxyDelisted,
    storeProxyListed,
    storeReleaseFromJail,
    storeRootParams,
    storeUnfreezeWithdrawals,
    workerProfile,
} from '../../wrappers/Provider';
import * as ProviderWrapper from '../../wrappers/Provider';
import { Actor, DAY, defaultParams, Env, HASHES, RootContract } from '../fixtures/environment';
import { messagesBetween, plain, storageFees } from './root';

export type Role = 'worker' | 'proxy';

/** The name of the exported ERR_* constant with value `code` (for test titles). */
export function errorName(code: bigint): string {
    const found = Object.entries(ProviderWrapper).find(([k, v]) => k.startsWith('ERR_') && v === code);
    if (!found) throw new Error(`no ERR_* constant equals ${code}`);
    return found[0];
}
export type ProviderContract = SandboxContract<ExtendedProvider>;

// ---------------------------------------------------------------------------------------------
// Profiles and keys
// ---------------------------------------------------------------------------------------------

export const PROXY_ENDPOINT = 'https://proxy.example:8443';

/** A well-formed worker profile (inside every bound), with fields replaced by `o`. */
export function aWorkerProfile(o: Partial<Parameters<typeof workerProfile>[0]> = {}): Profile {
    return workerProfile({
        gpuModel: 'NVIDIA H100 80GB HBM3',
        gpuCount: 8,
        vramGb: 80,
        onlineHoursPerDay: 24,
        region: 'eu-west',
        models: [HASHES.model],
        ...o,
    });
}

/** A well-formed proxy profile (inside every bound), with fields replaced by `o`. */
export function aProxyProfile(o: Partial<Parameters<typeof proxyProfile>[0]> = {}): Profile {
    return proxyProfile({
        onlineHoursPerDay: 24,
        region: 'eu-west',
        endpoint: PROXY_ENDPOINT,
        prices: { prompt: 100n, cached: 10n, completion: 400n, reasoning: 400n, workerFee: 50n },
        ...o,
    });
}

export function defaultProfile(role: Role): Profile {
    return role === 'worker' ? aWorkerProfile() : aProxyProfile();
}

/** Serialised profile, for equality checks (its models map is a Dictionary, not `toEqual`-able). */
export function profileCell(p: Profile | null): string | null {
    return p === null ? null : beginCell().store(storeProfile(p)).endCell().hash().toString('hex');
}

/** The `profile` getter, decoded (readProfileStack in wrappers/Provider.ts says why not getProfile()). */
export async function readProfile(env: Env, p: ProviderContract | Address): Promise<Profile | null> {
    const address = p instanceof Address ? p : p.address;
    const r = await env.blockchain.runGetMethod(address, 'profile');
    return ProviderWrapper.readProfileStack(new TupleReader(r.stack));
}

/** A deterministic Ed25519 key pair standing for a TEE key. */
export function teeKey(seed: string): KeyPair {
    return keyPairFromSeed(createHash('sha256').update(`tee:${seed}`).digest());
}

export function publicKeyInt(k: KeyPair): bigint {
    return BigInt('0x' + k.publicKey.toString('hex'));
}

/** `n` bytes of ASCII text. */
export function text(n: number, c = 'a'): string {
    return c.repeat(n);
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

export interface Node {
    role: Role;
    owner: Actor;
    provider: ProviderContract;
    nodeIndex: bigint;
    key: KeyPair;
    /** An image allowlisted for this role only. */
    image: bigint;
    profile: Profile;
    /** The Root's minimum stake for the role under the fixture's default parameters. */
    minStake: bigint;
}

/** Opens (does not deploy) the Provider of (owner, nodeIndex) under `root`. */
export async function openProvider(env: Env, owner: Address, nodeIndex = 0n, root: Address = env.root.address): Promise<ProviderContract> {
    return env.blockchain.openContract(await ExtendedProvider.forNode(root, owner, nodeIndex));
}

/** A node of `role`: a funded owner wallet, its (undeployed) Provider and a TEE key. */
export async function createNode(env: Env, role: Role, opts: { seed?: string; nodeIndex?: bigint; root?: Address } = {}): Promise<Node> {
    const nodeIndex = opts.nodeIndex ?? 0n;
    const owner = await env.blockchain.treasury(opts.seed ?? `${role}-owner`);
    const provider = await openProvider(env, owner.address, nodeIndex, opts.root ?? env.root.address);
    const params = await env.root.getParams();
    return {
        role,
        owner,
        provider,
        nodeIndex,
        key: teeKey(`${opts.seed ?? role}-${nodeIndex}`),
        image: role === 'worker' ? HASHES.workerImage : HASHES.proxyImage,
        profile: defaultProfile(role),
        minStake: role === 'worker' ? params.minStakeWorker : params.minStakeProxy,
    };
}

/** Every transaction of `result` succeeded (compute and action phases). */
export function expectAllSucceeded(result: SendMessageResult) {
    for (const tx of result.transactions) {
        const f = flattenTransaction(tx);
        if (!f.success || f.aborted) {
            throw new Error(`transaction on ${f.on} failed: exit ${f.exitCode}, action ${f.actionResultCode}, op 0x${f.op?.toString(16)}`);
        }
    }
}

/** Registers the node (deploying its Provider); the whole chain succeeds. */
export async function register(node: Node, opts: { profile?: Profile; queryId?: bigint; value?: bigint } = {}) {
    const result = await node.provider.sendRegister(
        node.owner.getSender(),
        node.role,
        opts.profile ?? node.profile,
        opts.queryId ?? 0n,
        opts.value,
    );
    expect(result.transactions).toHaveTransaction({ from: node.owner.address, to: node.provider.address, success: true });
    expectAllSucceeded(result);
    return result;
}

export interface BindArgs {
    key?: KeyPair;
    image?: bigint;
    attestationRoot?: bigint;
    expiresAt?: bigint;
    signature?: Buffer;
    queryId?: bigint;
    value?: bigint;
    via?: Sender;
}

/** A binding expiry inside the default attestation lifetime (7 days): now + 6 days. */
export function defaultExpiry(env: Env): bigint {
    return BigInt(env.blockchain.now!) + BigInt(6 * DAY);
}

/** Sends BindAttestation for the node (defaults: its key and image, the allowed root, now + 6 days). */
export async function sendBind(env: Env, node: Node, a: BindArgs = {}) {
    const expiresAt = a.expiresAt ?? defaultExpiry(env);
    const args = {
        teeKey: a.key ?? node.key,
        imageHash: a.image ?? node.image,
        attestationRoot: a.attestationRoot ?? HASHES.root,
        expiresAt,
        signature: a.signature,
    };
    const result = await node.provider.sendBind(a.via ?? node.owner.getSender(), args, a.queryId ?? 0n, a.value);
    return { result, expiresAt, args };
}

/** Binds and expects the Root to accept the binding (a BindingChanged event, the getter updated). */
export async function bind(env: Env, node: Node, a: BindArgs = {}) {
    const r = await sendBind(env, node, a);
    expectAllSucceeded(r.result);
    const changed = providerEvents(r.result, node.provider.address).filter((e) => e.$$type === 'BindingChanged');
    expect(changed).toHaveLength(1);
    const b = (await node.provider.getBinding())!;
    expect(b.teeKey).toBe(publicKeyInt(r.args.teeKey));
    expect(b.expiresAt).toBe(r.expiresAt);
    return r;
}

/** Stakes `amount` (default: the role's minimum) and expects it accepted. */
export async function stake(node: Node, amount: bigint = node.minStake, queryId = 0n, extra?: bigint) {
    const result = await node.provider.sendStake(node.owner.getSender(), amount, queryId, extra);
    expectAllSucceeded(result);
    return result;
}

/** Register, bind, stake the minimum: an active node (a proxy is then listed in the Root). */
export async function activate(env: Env, node: Node, a: BindArgs = {}) {
    await register(node);
    const bound = await bind(env, node, a);
    await stake(node);
    expect((await node.provider.getState()).status).toBe(STATUS_ACTIVE);
    return bound;
}

export async function status(p: ProviderContract): Promise<bigint> {
    return (await p.getState()).status;
}

// ---------------------------------------------------------------------------------------------
// Refusals: exit code and nothing changed
// ---------------------------------------------------------------------------------------------

export interface ProviderCapture {
    active: boolean;
    data: Cell;
    balance: bigint;
    state: unknown;
    binding: unknown;
    profile: string | null;
    pending: unknown;
    rootView: unknown;
}

/** Storage, balance and every getter of the Provider (null getters while it has no account). */
export async function captureProvider(env: Env, p: ProviderContract): Promise<ProviderCapture> {
    const account = await env.blockchain.getContract(p.address);
    const s = account.accountState;
    if (s?.type !== 'active') {
        return {
            active: false,
            data: p.init!.data,
            balance: account.balance,
            state: null,
            binding: null,
            profile: null,
            pending: null,
            rootView: null,
        };
    }
    return {
        active: true,
        data: s.state.data!,
        balance: account.balance,
        state: plain(await p.getState()),
        binding: plain(await p.getBinding()),
        profile: profileCell(await readProfile(env, p)),
        pending: plain(await p.getPendingCheck()),
        rootView: plain(await p.getRootView()),
    };
}

/**
 * Nothing observable changed: the same persistent data bit for bit, the same getState(),
 * getBinding(), getProfile(), getPendingCheck() and getRootView(), no event, and the balance
 * lower by exactly the storage fees the Provider paid in `result`. An account that did not exist
 * may have been activated by the refused message's StateInit, but only with its init data (so an
 * unregistered Provider: role 0, status 0, nothing bound, no profile).
 */
export async function expectProviderUnchanged(env: Env, p: ProviderContract, before: ProviderCapture, result?: SendMessageResult) {
    const after = await captureProvider(env, p);
    expect(after.data.hash().toString('hex')).toBe(before.data.hash().toString('hex'));
    if (before.active) {
        expect(after.state).toEqual(before.state);
        expect(after.binding).toEqual(before.binding);
        expect(after.profile).toEqual(before.profile);
        expect(after.pending).toEqual(before.pending);
        expect(after.rootView).toEqual(before.rootView);
    } else if (after.active) {
        const st = await p.getState();
        expect([st.role, st.status, st.stake, st.unbonding, st.listed, st.checkPending]).toEqual([0n, 0n, 0n, 0n, false, false]);
        expect(after.binding).toBeNull();
        expect(after.profile).toBeNull();
    }
    if (result) {
        expect(providerEvents(result, p.address)).toEqual([]);
        expect(after.balance).toBe(before.balance - storageFees(result, p.address));
    }
}

/** The message from `from` was refused by the Provider with `exitCode`, bounced, and changed nothing. */
export async function expectProviderRefused(
    env: Env,
    p: ProviderContract,
    before: ProviderCapture,
    result: SendMessageResult,
    from: Address,
    exitCode: bigint | number,
) {
    expect(result.transactions).toHaveTransaction({ from, to: p.address, success: false, aborted: true, exitCode: Number(exitCode) });
    expect(result.transactions).toHaveTransaction({ from: p.address, to: from, inMessageBounced: true });
    await expectProviderUnchanged(env, p, before, result);
}

/** Captures, runs `action`, and checks it was refused with `exitCode` and changed nothing. */
export async function refuses(
    env: Env,
    p: ProviderContract,
    from: Address,
    exitCode: bigint | number,
    action: () => Promise<SendMessageResult>,
) {
    const before = await captureProvider(env, p);
    const result = await action();
    await expectProviderRefused(env, p, before, result, from, exitCode);
    return result;
}

// ---------------------------------------------------------------------------------------------
// Events and messages
// ---------------------------------------------------------------------------------------------

export type ProviderEvent = ProviderStatusChanged | BindingChanged | BindingRefused | StakeChanged | ProfileUpdated | Slashed | Released;

const EVENT_LOADERS: Record<ProviderEvent['$$type'], (s: Slice) => ProviderEvent> = {
    ProviderStatusChanged: loadProviderStatusChanged,
    BindingChanged: loadBindingChanged,
    BindingRefused: loadBindingRefused,
    StakeChanged: loadStakeChanged,
    ProfileUpdated: loadProfileUpdated,
    Slashed: loadSlashed,
    Released: loadReleased,
};

/** Decodes a Provider event with the generated loader of its opcode; throws on anything else. */
export function decodeProviderEvent(body: Cell): ProviderEvent {
    const op = body.beginParse().preloadUint(32);
    for (const [name, loader] of Object.entries(EVENT_LOADERS)) {
        if ((Provider.opcodes as Record<string, number>)[name] === op) {
            const s = body.beginParse();
            const event = loader(s);
            expect(s.remainingBits).toBe(0);
            expect(s.remainingRefs).toBe(0);
            return event;
        }
    }
    throw new Error(`not a Provider event: opcode 0x${op.toString(16)}`);
}

/** Every event the Provider at `address` emitted in `result`, decoded, in order. */
export function providerEvents(result: SendMessageResult, address: Address): ProviderEvent[] {
    return result.externals.filter((e) => e.info.src.equals(address)).map((e) => decodeProviderEvent(e.body));
}

export function eventsOf<K extends ProviderEvent['$$type']>(result: SendMessageResult, address: Address, kind: K) {
    return providerEvents(result, address).filter((e): e is Extract<ProviderEvent, { $$type: K }> => e.$$type === kind);
}

/** The status transitions in `result` as [previous, status] pairs. */
export function statusChanges(result: SendMessageResult, address: Address): [bigint, bigint][] {
    return eventsOf(result, address, 'ProviderStatusChanged').map((e) => [e.previous, e.status]);
}

/** The single Excesses sent from `from` to `to` in `result`, with its value. */
export function excessesFrom(result: SendMessageResult, from: Address, to: Address) {
    const msgs = messagesBetween(result, from, to);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].bounce).toBe(false);
    return { ...loadExcesses(msgs[0].body.beginParse()), value: msgs[0].value };
}

/** The single StakeWithdrawal the Provider sent to `to` in `result`, with its value. */
export function withdrawalTo(result: SendMessageResult, provider: Address, to: Address) {
    const msgs = messagesBetween(result, provider, to);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].bounce).toBe(true);
    return { ...loadStakeWithdrawal(msgs[0].body.beginParse()), value: msgs[0].value };
}

/** Opcodes of the internal messages from `from` to `to` in `result`, in order. */
export function opsBetween(result: SendMessageResult, from: Address, to: Address): number[] {
    return messagesBetween(result, from, to).map((m) => m.body.beginParse().preloadUint(32));
}

/**
 * What the account at `address` paid in `result`: each transaction's total fees plus the forward
 * fees of the internal messages it sent (carried in the messages, so not in total fees).
 */
export function feesPaid(result: SendMessageResult, address: Address): bigint {
    let fees = 0n;
    for (const tx of result.transactions) {
        const f = flattenTransaction(tx);
        if (!f.on?.equals(address)) continue;
        fees += tx.totalFees.coins;
        for (const m of tx.outMessages.values()) {
            if (m.info.type === 'internal') fees += m.info.forwardFee;
        }
    }
    return fees;
}

/** Value that reached `address` in internal messages of `result` minus the value it sent. */
export function valueFlow(result: SendMessageResult, address: Address): { received: bigint; sent: bigint } {
    let received = 0n;
    let sent = 0n;
    for (const tx of result.transactions) {
        const f = flattenTransaction(tx);
        if (!f.on?.equals(address)) continue;
        if (tx.inMessage?.info.type === 'internal') received += tx.inMessage.info.value.coins;
        for (const m of tx.outMessages.values()) {
            if (m.info.type === 'internal') sent += m.info.value.coins;
        }
    }
    return { received, sent };
}

/**
 * How `address`'s balance moved in the transactions of `result` on it, storage fees aside: value
 * received, less value sent, less every fee it paid (feesPaid). Add storageFees (helpers/root) to
 * leave those out too.
 */
export function balanceChange(result: SendMessageResult, address: Address): bigint {
    const { received, sent } = valueFlow(result, address);
    return received - sent - feesPaid(result, address);
}

export async function balanceOf(env: Env, address: Address): Promise<bigint> {
    return (await env.blockchain.getContract(address)).balance;
}

// ---------------------------------------------------------------------------------------------
// Step-by-step delivery
// ---------------------------------------------------------------------------------------------

/**
 * Delivers `body` from `from` to `to` one transaction at a time on a queue of its own: `step()`
 * runs the next transaction, `rest()` runs the remaining ones. Between steps the blockchain can be
 * read and other messages sent (they run on the default queue).
 */
export async function stepwise(env: Env, from: Address, to: Address, body: Cell, value: bigint, stateInit?: StateInit) {
    const iter = await env.blockchain.sendMessageIter(internal({ from, to, value, body, stateInit }) as Message, { allowParallel: true });
    const done: BlockchainTransaction[] = [];
    return {
        async step(): Promise<BlockchainTransaction> {
            const n = await iter.next();
            if (n.done) throw new Error('no transaction left');
            done.push(n.value);
            return n.value;
        },
        async rest(): Promise<SendMessageResult> {
            for (let n = await iter.next(); !n.done; n = await iter.next()) done.push(n.value);
            return { transactions: done, events: done.flatMap((t) => t.events), externals: done.flatMap((t) => t.externals) };
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Forged Root messages
// ---------------------------------------------------------------------------------------------

export function cellOf(f: (b: Builder) => void): Cell {
    return beginCell().store(f).endCell();
}

/** One well-formed body of each message the Provider accepts only from its Root. */
export function rootMessageBodies(env: Env, o: { queryId?: bigint; imageHash?: bigint; role?: bigint } = {}): Record<string, Cell> {
    const queryId = o.queryId ?? 0n;
    const params = defaultParams(env.treasury.address);
    return {
        ImageVerdict: cellOf(
            storeImageVerdict({
                $$type: 'ImageVerdict',
                queryId,
                configVersion: 99n,
                imageHash: o.imageHash ?? HASHES.workerImage,
                role: o.role ?? 1n,
                attestationRoot: HASHES.root,
                imageAllowed: true,
                rootAllowed: true,
                paused: false,
                params: { ...params, minStakeWorker: toNano('1'), minStakeProxy: toNano('1') },
            }),
        ),
        RootParams: cellOf(
            storeRootParams({
                $$type: 'RootParams',
                queryId,
                configVersion: 99n,
                paused: false,
                params: { ...params, minStakeWorker: toNano('1'), minStakeProxy: toNano('1') },
            }),
        ),
        ProxyListed: cellOf(storeProxyListed({ $$type: 'ProxyListed', queryId, configVersion: 99n })),
        ProxyDelisted: cellOf(storeProxyDelisted({ $$type: 'ProxyDelisted', queryId, configVersion: 99n, wasListed: true })),
        FreezeWithdrawals: cellOf(storeFreezeWithdrawals({ $$type: 'FreezeWithdrawals', queryId })),
        UnfreezeWithdrawals: cellOf(storeUnfreezeWithdrawals({ $$type: 'UnfreezeWithdrawals', queryId })),
        ExecuteSlash: cellOf(
            storeExecuteSlash({
                $$type: 'ExecuteSlash',
                queryId,
                amount: toNano('1'),
                reasonHash: 1n,
                treasury: env.treasury.address,
                unfreeze: true,
                excessTo: env.stranger.address,
            }),
        ),
        ReleaseFromJail: cellOf(storeReleaseFromJail({ $$type: 'ReleaseFromJail', queryId, excessTo: env.stranger.address })),
    };
}

/** Sends a raw body to the Provider from any address (the Root's, to act as the Root). */
export function sendAs(env: Env, from: Address, to: Address, body: Cell, value = toNano('0.05')) {
    return env.blockchain.sendMessage(internal({ from, to, value, body }));
}

export function freeze(env: Env, p: ProviderContract, root: RootContract = env.root) {
    return sendAs(env, root.address, p.address, rootMessageBodies(env).FreezeWithdrawals);
}

export function unfreeze(env: Env, p: ProviderContract, root: RootContract = env.root) {
    return sendAs(env, root.address, p.address, rootMessageBodies(env).UnfreezeWithdrawals);
}

export function bindingOf(b: Binding | null) {
    return plain(b);
}

/**
 * Runs `action` and checks conservation over `accounts`: every transaction of the result happened
 * on one of them, and their balances together went down by exactly the fees they paid (no value
 * created, none lost elsewhere). Returns the result and each account's balance change.
 */
export async function conserving(env: Env, accounts: Address[], action: () => Promise<SendMessageResult>) {
    const before = await Promise.all(accounts.map((a) => balanceOf(env, a)));
    const result = await action();
    const after = await Promise.all(accounts.map((a) => balanceOf(env, a)));
    for (const tx of result.transactions) {
        const on = flattenTransaction(tx).on!;
        expect(accounts.some((a) => a.equals(on))).toBe(true);
    }
    const sum = (xs: bigint[]) => xs.reduce((x, y) => x + y, 0n);
    const fees = sum(accounts.map((a) => feesPaid(result, a)));
    expect(sum(after) - sum(before)).toBe(-fees);
    const delta = (a: Address) => {
        const i = accounts.findIndex((x) => x.equals(a));
        if (i < 0) throw new Error(`${a} is not watched`);
        return after[i] - before[i];
    };
    return { result, delta };
}
