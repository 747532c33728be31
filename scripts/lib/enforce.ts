/**
 * Governance's enforcement proposals: slashing one of the Root's Providers (ProposeSlash) and
 * releasing a jailed one (ProposeRelease). Unlike the grants of trust (grants.ts), which change the
 * Root, these act on a Provider: executed, the Root sends it ExecuteSlash or ReleaseFromJail with
 * the executor's value (ENFORCE_VALUE), and the Provider returns what it does not spend. A slash
 * waits for the veto window rather than the governance delay, and freezes its target's withdrawals
 * from the moment it is proposed until it is executed or cancelled, unless another slash of the
 * target is still pending. root.tact (ProposeSlash, ProposeRelease, ExecuteProposal,
 * CancelProposal) and provider.tact (slashByGovernance, ReleaseFromJail) are the authority;
 * docs/contracts/slashing.md the design.
 *
 * The target is named by its owner and node index, as the Root stores it, and found at the Root's
 * providerAddress(owner, nodeIndex). Its getters are read once per RootReader, so a fresh reader
 * sees the Provider as it is now and the reader of the opening as it was before the message.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NetworkProvider } from '@ton/blueprint';
import { Address, Cell } from '@ton/core';
import {
    Binding,
    ExtendedProvider,
    ProviderState,
    ROLE_PROXY,
    RootView,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_JAILED,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
} from '../../wrappers/Provider';
import {
    ENFORCE_VALUE,
    ERR_INVALID_SLASH,
    loadProposeRelease,
    loadProposeSlash,
    MIN_VALUE_ENFORCE,
    ProposeRelease,
    ProposeSlash,
    proposalKind,
} from '../../wrappers/Root';
import { ACTION_FLAGS, Cli, CliSpec, parseAddress, parseHash, parseUint } from './args';
import { pollSettings } from './chain';
import { RefusedError, ScriptError } from './errors';
import { formatAddress, formatAt, formatDuration, formatHash, formatTime, formatTon, friendly, Network } from './format';
import { errorName } from './params';
import { MAX_NODE_INDEX, ProviderReader, roleName, statusName } from './provider';
import { statusChange } from './providerShow';
import { openReadable } from './reader';
import { RootContext, RootReader } from './root';

export type Enforcement = ProposeSlash | ProposeRelease;

export function isEnforcement(c: { $$type: string }): c is Enforcement {
    return c.$$type === 'ProposeSlash' || c.$$type === 'ProposeRelease';
}

/** The slash or release a stored proposal body carries, or undefined for another kind. */
export function decodeEnforcement(body: Cell): Enforcement | undefined {
    switch (proposalKind(body)) {
        case 'ProposeSlash':
            return loadProposeSlash(body.beginParse());
        case 'ProposeRelease':
            return loadProposeRelease(body.beginParse());
        default:
            return undefined;
    }
}

// ---- command line ----

/**
 * Options of proposeSlash and proposeRelease: the target is --provider <address> (its owner and
 * node index are read from its getter) or --owner <address> with --node <index> (default 0). It
 * is never taken from PROVIDER_ADDRESS: a slash names its target on the command line.
 */
export const TARGET_FLAGS: Record<string, string | null> = { provider: 'address', owner: 'address', node: 'index' };

export function targetCli(argv: readonly string[], spec: Omit<CliSpec, 'flags'>): Cli {
    return new Cli(argv, { ...spec, flags: { ...TARGET_FLAGS, ...ACTION_FLAGS } });
}

/** How the command line named the target, checked for shape only (the chain is read later). */
export type TargetArg = { provider: Address } | { owner: Address; nodeIndex: bigint };

export function targetArg(cli: Cli): TargetArg {
    const provider = cli.option('provider');
    const owner = cli.option('owner');
    const node = cli.option('node');
    if (provider !== undefined && (owner !== undefined || node !== undefined))
        cli.fail('give either --provider <address> or --owner <address> [--node <index>], not both');
    if (provider !== undefined) return { provider: cli.parse('--provider', provider, parseAddress) };
    if (owner === undefined) {
        cli.fail(
            node !== undefined
                ? "--node <index> names a node of --owner <address> here (governance acts on another's Provider): pass --owner too"
                : 'missing the Provider: pass --provider <address>, or --owner <address> with --node <index> (default 0)',
        );
    }
    return {
        owner: cli.parse('--owner', owner, parseAddress),
        nodeIndex: node === undefined ? 0n : cli.parse('--node', node, (v) => parseUint(v, MAX_NODE_INDEX)),
    };
}

/**
 * The target's owner and node index under the Root of `ctx`. A --provider address must be a
 * Provider of this Root (its getter names owner, node and Root; the Root must compute the same
 * address from them); a Provider that is not deployed cannot say whose it is.
 */
export async function resolveTarget(ctx: RootContext, arg: TargetArg): Promise<{ owner: Address; nodeIndex: bigint }> {
    if (!('provider' in arg)) return arg;
    const { network } = ctx;
    const address = arg.provider;
    if (!(await ctx.provider.isContractDeployed(address))) {
        throw new RefusedError(
            `Not sent: no contract is deployed at ${formatAddress(address, network)} (--provider), so it names no owner and node; name the target with --owner <address> --node <index>`,
        );
    }
    let state: ProviderState;
    try {
        state = await providerReader(ctx.provider, address).state();
    } catch (e) {
        throw new ScriptError(
            `the contract at ${formatAddress(address, network)} (--provider) does not answer as a Cocoon Provider: ${(e as Error).message}`,
        );
    }
    if (!state.root.equals(ctx.address)) {
        throw new RefusedError(
            `Not sent: the Provider ${friendly(address, network)} serves under another Root, ${friendly(state.root, network)}; this Root cannot slash or release it (pass --root ${friendly(state.root, network)} if that is the one meant)`,
        );
    }
    const expected = await ctx.root.getProviderAddress(state.owner, state.nodeIndex);
    if (!expected.equals(address)) {
        throw new ScriptError(
            `the Root computes another address for node ${state.nodeIndex} of ${friendly(state.owner, network)} (${friendly(expected, network)}) than --provider ${friendly(address, network)}: the Provider was not deployed from this Root's code`,
        );
    }
    return { owner: state.owner, nodeIndex: state.nodeIndex };
}

/**
 * A slash's reason hash: 64 hex digits (0x optional) as they are, or @<path>: the SHA-256 of the
 * file's bytes (an incident report, say, published next to the proposal).
 */
export function reasonArg(cli: Cli, name: string): { hash: bigint; source?: string } {
    const raw = cli.arg(name);
    if (raw.startsWith('@')) {
        const path = raw.slice(1);
        let bytes: Buffer;
        try {
            bytes = readFileSync(path);
        } catch (e) {
            cli.fail(`cannot read the ${name} file ${path}: ${(e as Error).message}`);
        }
        if (bytes.length === 0) cli.fail(`the ${name} file ${path} is empty`);
        const hash = BigInt('0x' + createHash('sha256').update(bytes).digest('hex'));
        return { hash, source: `the SHA-256 of ${path} (${bytes.length} bytes)` };
    }
    return {
        hash: cli.parse(name, raw, (v) => {
            try {
                return parseHash(v);
            } catch {
                throw new Error('expected a 64-hex-digit reason hash (0x optional) or @<file> whose SHA-256 becomes the hash');
            }
        }),
    };
}

// ---- the target ----

/** A slash's or release's target as one reader of the Root sees it. */
export interface Target {
    owner: Address;
    nodeIndex: bigint;
    /** The Root's providerAddress(owner, nodeIndex). */
    address: Address;
    deployed: boolean;
    /** The Provider's getters, when it is deployed. */
    read?: ProviderReader;
}

function providerReader(provider: NetworkProvider, address: Address): ProviderReader {
    return new ProviderReader(openReadable(provider, ExtendedProvider.fromAddress(address)), provider);
}

const targets = new WeakMap<RootReader, Map<string, Promise<Target>>>();

/** The target of `e` as `read` sees it, fetched once per reader. */
export function targetOf(ctx: RootContext, read: RootReader, e: { owner: Address; nodeIndex: bigint }): Promise<Target> {
    let cache = targets.get(read);
    if (!cache) targets.set(read, (cache = new Map()));
    const key = `${e.owner.toRawString()}/${e.nodeIndex}`;
    let found = cache.get(key);
    if (!found) {
        found = (async (): Promise<Target> => {
            const address = await read.root.getProviderAddress(e.owner, e.nodeIndex);
            const deployed = await ctx.provider.isContractDeployed(address);
            return {
                owner: e.owner,
                nodeIndex: e.nodeIndex,
                address,
                deployed,
                read: deployed ? providerReader(ctx.provider, address) : undefined,
            };
        })();
        cache.set(key, found);
    }
    return found;
}

export function targetLabel(t: { address: Address; owner: Address; nodeIndex: bigint }, network: Network): string {
    return `${friendly(t.address, network)} (node ${t.nodeIndex} of ${friendly(t.owner, network)})`;
}

/** Pending proposals of `kind` aimed at (owner, nodeIndex), by id; `except` leaves one out. */
export async function pendingOf(
    read: RootReader,
    kind: Enforcement['$$type'],
    e: { owner: Address; nodeIndex: bigint },
    except?: bigint,
): Promise<bigint[]> {
    const out: bigint[] = [];
    for (const p of await read.proposals()) {
        if (p.id === except) continue;
        const x = decodeEnforcement(p.body);
        if (x && x.$$type === kind && x.owner.equals(e.owner) && x.nodeIndex === e.nodeIndex) out.push(p.id);
    }
    return out;
}

const ids = (list: bigint[]) => list.map((id) => `#${id}`).join(', ');

/** What a governance slash of `amount` takes now: stake first, then unbonding stake (slashByGovernance). */
export function slashSplit(amount: bigint, stake: bigint, unbonding: bigint) {
    const fromStake = amount < stake ? amount : stake;
    const rest = amount - fromStake;
    const fromUnbonding = rest < unbonding ? rest : unbonding;
    const total = fromStake + fromUnbonding;
    return { fromStake, fromUnbonding, total, capped: total < amount };
}

/**
 * The status a jailed Provider takes when released (factsStatus in provider.tact): its binding
 * revoked or expired suspends it; a valid binding with the minimum stake it last heard from the
 * Root activates it; otherwise (no binding, too little stake) it is registered. With the reason.
 */
export function releaseStatus(state: ProviderState, binding: Binding | null, view: RootView, now: number): { status: bigint; why: string } {
    if (binding) {
        if (binding.revoked) return { status: STATUS_SUSPENDED, why: 'its binding is revoked' };
        if (now >= Number(binding.expiresAt))
            return { status: STATUS_SUSPENDED, why: `its binding expired at ${formatTime(binding.expiresAt)}` };
        if (state.stake >= view.minStake && view.minStake > 0n)
            return { status: STATUS_ACTIVE, why: `its binding is valid and it stakes ${formatTon(state.stake)}` };
        return {
            status: STATUS_REGISTERED,
            why: `its stake ${formatTon(state.stake)} is below the minimum ${formatTon(view.minStake)} it last heard from the Root`,
        };
    }
    return { status: STATUS_REGISTERED, why: 'no TEE key is bound (a slash for equivocation unbinds the convicted key)' };
}

// ---- describing and checking ----

/** What the slash or release does, as `ctx.read` sees the Root and the target; one or more lines. */
export async function describeEnforcement(e: Enforcement, ctx: RootContext): Promise<string[]> {
    const { network } = ctx;
    const t = await targetOf(ctx, ctx.read, e);
    const label = targetLabel(t, network);
    if (e.$$type === 'ProposeSlash') {
        const head = `slash up to ${formatTon(e.amount)} of the Provider ${label}, reason ${formatHash(e.reasonHash)}`;
        if (!t.read) return [head, 'no Provider is deployed there: the freeze bounces and the Root drops the proposal'];
        const s = await t.read.state();
        const split = slashSplit(e.amount, s.stake, s.unbonding);
        const treasury = (await ctx.read.params()).treasury;
        const after =
            s.status === STATUS_EXITING || s.status === STATUS_EXITED
                ? `it stays ${statusName(s.status)} (an exiting or exited Provider is not jailed)`
                : s.status === STATUS_JAILED
                  ? 'it stays jailed'
                  : 'it is jailed';
        return [
            head,
            `it holds ${formatTon(s.stake)} staked and ${formatTon(s.unbonding)} unbonding now (${roleName(s.role)}, ${statusName(s.status)}${s.listed ? ', listed' : ''}, withdrawals ${s.withdrawalsFrozen ? 'frozen' : 'not frozen'})`,
            `as it stands the slash takes ${formatTon(split.fromStake)} of the stake and ${formatTon(split.fromUnbonding)} of the unbonding, ${formatTon(split.total)} in all, for the treasury ${friendly(treasury, network)}` +
                (split.capped ? `: capped at what it holds, ${formatTon(e.amount - split.total)} less than the amount` : ''),
            `then ${after}${s.listed ? " and delisted from the Root's proxy directory" : ''}`,
        ];
    }
    const head = `release the Provider ${label} from jail`;
    if (!t.read) return [head, 'no Provider is deployed there: there is nothing to release'];
    const s = await t.read.state();
    if (s.status !== STATUS_JAILED) return [head, `it is ${statusName(s.status)}, not jailed: the release changes nothing`];
    const next = releaseStatus(s, await t.read.binding(), await t.read.rootView(), ctx.time.now);
    return [
        head,
        `it is jailed; released now it would be ${statusName(next.status)}: ${next.why}` +
            (s.role === ROLE_PROXY && next.status === STATUS_ACTIVE ? ", and list itself in the Root's proxy directory" : ''),
    ];
}

/**
 * Why the Root would refuse the slash or release now, or it would do nothing useful, or
 * undefined. At 'execute' a release of a Provider that is not jailed is not refused (the described
 * proposal says it changes nothing); a target that is not deployed is, as the value sent to it
 * would stay in an empty account.
 */
export async function enforcementProblem(e: Enforcement, ctx: RootContext, phase: 'propose' | 'execute'): Promise<string | undefined> {
    const { network } = ctx;
    const t = await targetOf(ctx, ctx.read, e);
    const label = targetLabel(t, network);
    if (e.$$type === 'ProposeSlash') {
        if (phase === 'propose' && e.amount === 0n)
            return `the amount is 0: the Root refuses a slash of nothing (${errorName(ERR_INVALID_SLASH)})`;
        if (!t.read) {
            return phase === 'propose'
                ? `no Provider is deployed at ${label}: the Root's FreezeWithdrawals would bounce and the Root would drop the proposal (check the owner and --node)`
                : `no Provider is deployed at ${label}: ExecuteSlash would leave the value attached in an empty account; cancel the proposal`;
        }
        return undefined;
    }
    if (!t.read) {
        return phase === 'propose'
            ? `no Provider is deployed at ${label}: there is nothing to release (check the owner and --node)`
            : `no Provider is deployed at ${label}: ReleaseFromJail would leave the value attached in an empty account; cancel the proposal`;
    }
    if (phase === 'execute') return undefined;
    const s = await t.read.state();
    if (s.status !== STATUS_JAILED) return `the Provider ${label} is ${statusName(s.status)}, not jailed: a release would change nothing`;
    const pending = await pendingOf(ctx.read, 'ProposeRelease', e);
    if (pending.length > 0) return `a release of this Provider is pending already (${ids(pending)}); execute that one`;
    return undefined;
}

/**
 * What proposeSlash adds: when the slash is executable (the veto window) and the freeze. A release
 * waits for the governance delay, which runProposal states for every grant.
 */
export async function proposeNotes(e: Enforcement, ctx: RootContext): Promise<string[]> {
    const params = await ctx.read.params();
    const now = ctx.time.now;
    if (e.$$type === 'ProposeRelease') return [];
    const others = await pendingOf(ctx.read, 'ProposeSlash', e);
    return [
        `Executable after the veto window of ${formatDuration(params.vetoWindow)}, from ${formatAt(now + Number(params.vetoWindow), now)} by the chain clock, by anyone (executeProposal attaches ${formatTon(ENFORCE_VALUE)}, at least ${formatTon(MIN_VALUE_ENFORCE)}); until it is executed governance or the guardian may cancel it (a veto).`,
        `The Provider's withdrawals freeze at once (the Root sends it FreezeWithdrawals with the proposal) until this slash is executed or cancelled${others.length > 0 ? `, and slash ${ids(others)} of it is pending already` : ''}. The amount is capped at what the Provider holds when the slash is executed.`,
    ];
}

/** Lines executeProposal adds: the value attached, and whether the target's withdrawals unfreeze. */
export async function executeNotes(e: Enforcement, id: bigint, ctx: RootContext): Promise<string[]> {
    const t = await targetOf(ctx, ctx.read, e);
    const value = `Attaches ${formatTon(ENFORCE_VALUE)} (at least ${formatTon(MIN_VALUE_ENFORCE)}): the Root forwards it to the Provider, which pays its own work from it${
        e.$$type === 'ProposeSlash' ? ' (the delisting and the treasury payment included)' : ' (a listing included)'
    } and returns the rest to the executor.`;
    if (e.$$type === 'ProposeRelease' || !t.read) return [value];
    const others = await pendingOf(ctx.read, 'ProposeSlash', e, id);
    return [
        value,
        others.length > 0
            ? `Its withdrawals stay frozen after this slash: slash ${ids(others)} of it is still pending.`
            : 'Its withdrawals unfreeze with this slash (no other slash of it is pending).',
    ];
}

/** Lines cancelProposal adds for a slash: whether its target's withdrawals unfreeze. */
export async function cancelNotes(e: Enforcement, id: bigint, ctx: RootContext): Promise<string[]> {
    if (e.$$type !== 'ProposeSlash') return [];
    const others = await pendingOf(ctx.read, 'ProposeSlash', e, id);
    return [
        others.length > 0
            ? `Cancelling it leaves the Provider's withdrawals frozen: slash ${ids(others)} of it is still pending.`
            : "Cancelling it unfreezes the Provider's withdrawals (the Root sends it UnfreezeWithdrawals): no other slash of it is pending.",
    ];
}

/** Reads the target's state and last transaction before a message is sent, for the effect to compare. */
export async function snapshotTarget(e: Enforcement, ctx: RootContext): Promise<void> {
    const t = await targetOf(ctx, ctx.read, e);
    if (t.read) await Promise.all([t.read.state(), t.read.lastLt()]);
}

// ---- effects ----

/**
 * Returns true a few more times while an effect that follows the Root's (the Provider's
 * transaction, the directory's update) is not visible yet, then false: the caller then reports
 * what it sees.
 */
export function patience(provider: NetworkProvider): () => boolean {
    const { pollAttempts } = pollSettings(provider);
    const limit = Math.min(10, Math.floor(pollAttempts / 2));
    let waited = 0;
    return () => waited++ < limit;
}

async function listedAt(read: RootReader, address: Address): Promise<boolean> {
    return (await read.proxies()).some((p) => p.provider.equals(address));
}

/** After proposeSlash: the target's withdrawals frozen. `read` is fresh. */
export async function proposedEffect(
    e: Enforcement,
    ctx: RootContext,
    read: RootReader,
    wait: () => boolean,
): Promise<string[] | undefined> {
    if (e.$$type !== 'ProposeSlash') return [];
    const t = await targetOf(ctx, read, e);
    if (!t.read) return ['The Provider is not deployed: the freeze will bounce and the Root drop the proposal.'];
    if (!(await t.read.state()).withdrawalsFrozen) {
        return wait()
            ? undefined
            : ["The Provider's withdrawals are not frozen yet: the Root's FreezeWithdrawals is on its way (showProvider shows it)."];
    }
    return ["The Provider's withdrawals are frozen (withdrawalsFrozen) until the slash is executed or cancelled."];
}

/**
 * After proposeSlash, when the proposal with our query id is not pending although the Root's next
 * id moved: a slash of a Provider that is not deployed was dropped when its freeze bounced.
 */
export async function droppedSlash(e: Enforcement, ctx: RootContext, read: RootReader): Promise<string | undefined> {
    if (e.$$type !== 'ProposeSlash') return undefined;
    const t = await targetOf(ctx, read, e);
    return t.deployed
        ? undefined
        : `the Root created the slash proposal and dropped it: no Provider is deployed at ${targetLabel(t, ctx.network)}, so its FreezeWithdrawals bounced (ProposalCancelled, by that address)`;
}

/**
 * After executeProposal of a slash or release; `read` is fresh, `ctx.read` as before sending
 * (snapshotTarget read the target then).
 */
export async function executedEffect(
    e: Enforcement,
    id: bigint,
    ctx: RootContext,
    read: RootReader,
    wait: () => boolean,
): Promise<string[] | undefined> {
    const { network } = ctx;
    const before = await targetOf(ctx, ctx.read, e);
    const now = await targetOf(ctx, read, e);
    if (!before.read || !now.read) return [`Proposal #${id} executed, but no Provider is deployed at ${targetLabel(now, network)}.`];
    const b = await before.read.state();
    const a = await now.read.state();
    const label = targetLabel(now, network);
    const gone = `Proposal #${id} is no longer pending, but the Provider shows no change: it may have been cancelled meanwhile (showRoot, showProvider).`;
    if (e.$$type === 'ProposeSlash') {
        if (a.slashes <= b.slashes) return wait() ? undefined : [gone];
        const stillListed = await listedAt(read, now.address);
        if (b.listed && stillListed && wait()) return undefined;
        const taken = b.stake + b.unbonding - (a.stake + a.unbonding);
        const others = await pendingOf(read, 'ProposeSlash', e);
        const lines = [
            `Proposal #${id} executed: slashed ${formatTon(taken)} of the Provider ${label} (proposed: up to ${formatTon(e.amount)}).`,
            `  stake ${formatTon(b.stake)} -> ${formatTon(a.stake)}, unbonding ${formatTon(b.unbonding)} -> ${formatTon(a.unbonding)}; the treasury ${friendly((await read.params()).treasury, network)} received ${formatTon(taken)}.`,
            statusChange(b, a),
            a.withdrawalsFrozen
                ? `Withdrawals stay frozen${others.length > 0 ? `: slash ${ids(others)} of it is still pending` : ''}.`
                : 'Withdrawals unfrozen.',
            `Slashes: ${b.slashes} -> ${a.slashes}.`,
        ];
        if (b.listed) {
            lines.push(
                stillListed
                    ? "The Root's directory still lists it: the delisting is on its way (showRoot shows it)."
                    : "Delisted: no longer in the Root's proxy directory.",
            );
        }
        return lines;
    }
    if (b.status === STATUS_JAILED) {
        if (a.status === STATUS_JAILED) return wait() ? undefined : [gone];
        const proxyActive = a.role === ROLE_PROXY && a.status === STATUS_ACTIVE;
        const listed = proxyActive && (await listedAt(read, now.address));
        if (proxyActive && !listed && wait()) return undefined;
        const lines = [`Proposal #${id} executed: the Provider ${label} is released.`, statusChange(b, a)];
        if (proxyActive) {
            lines.push(
                listed
                    ? "Listed in the Root's proxy directory again."
                    : "Not in the Root's proxy directory yet: the listing is on its way, or the Root refused it (showProvider shows which).",
            );
        }
        return lines;
    }
    if ((await now.read.lastLt()) <= (await before.read.lastLt())) return wait() ? undefined : [gone];
    return [`Proposal #${id} executed: the Provider ${label} was ${statusName(b.status)}, not jailed, so nothing changed.`];
}

/** After cancelProposal of a slash: whether the target's withdrawals unfroze. `read` is fresh. */
export async function cancelledEffect(
    e: Enforcement,
    ctx: RootContext,
    read: RootReader,
    wait: () => boolean,
): Promise<string[] | undefined> {
    if (e.$$type !== 'ProposeSlash') return [];
    const t = await targetOf(ctx, read, e);
    const label = targetLabel(t, ctx.network);
    if (!t.read) return [];
    const others = await pendingOf(read, 'ProposeSlash', e);
    if (others.length > 0) return [`The withdrawals of the Provider ${label} stay frozen: slash ${ids(others)} of it is still pending.`];
    if ((await t.read.state()).withdrawalsFrozen) {
        return wait()
            ? undefined
            : [`The withdrawals of the Provider ${label} are still frozen: the Root's UnfreezeWithdrawals is on its way.`];
    }
    return [`The withdrawals of the Provider ${label} are unfrozen.`];
}
