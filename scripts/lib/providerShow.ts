/**
 * A Provider's state as text (showProvider, and the lines the action scripts print), with what its
 * Root says now: whether the bound image and attestation root are still allowed, the current
 * parameters against the ones the Provider last heard, and its proxy directory entry.
 */
import {
    Binding,
    Payees,
    PendingCheck,
    ProviderState,
    ROLE_PROXY,
    ROLE_WORKER,
    STATUS_ACTIVE,
    STATUS_EXITED,
    STATUS_EXITING,
    STATUS_JAILED,
    STATUS_REGISTERED,
    STATUS_SUSPENDED,
    CHECK_BIND,
    CHECK_RECHECK,
    CHECK_REGISTER,
} from '../../wrappers/Provider';
import { Params, ProxyEntry, Root } from '../../wrappers/Root';
import { pollSettings } from './chain';
import { formatAt, formatBps, formatDuration, formatHash, formatRootHash, formatTime, formatTon, friendly, Network, table } from './format';
import { profileRows } from './profile';
import { ProviderContext, ProviderReader, roleName, statusName, transactionsSince } from './provider';
import type { Sent } from './providerAction';
import { RootReader } from './root';

/** What the Root says now about a binding, as its ImageVerdict would. */
export interface Trust {
    imageAllowed: boolean;
    rootAllowed: boolean;
    paused: boolean;
}

export async function trustNow(root: RootReader, imageHash: bigint, attestationRoot: bigint, role: bigint): Promise<Trust> {
    const images = await root.images();
    return {
        imageAllowed: ((images.get(imageHash) ?? 0n) & role) !== 0n,
        rootAllowed: (await root.attestationRoots()).includes(attestationRoot),
        paused: (await root.state()).paused,
    };
}

export const allowed = (t: Trust) => t.imageAllowed && t.rootAllowed && !t.paused;

/** Why `t` refuses a binding, in words; empty when it allows it. */
export function distrustReasons(t: Trust, role: bigint): string[] {
    const out: string[] = [];
    if (!t.imageAllowed) out.push(`the Root does not allow the image for the ${roleName(role)} role`);
    if (!t.rootAllowed) out.push('the Root does not allow the attestation root');
    if (t.paused) out.push('the Root is paused');
    return out;
}

/** The Root's minimum stake for a role. */
export function minStakeFor(params: Params, role: bigint): bigint {
    return role === ROLE_WORKER ? params.minStakeWorker : params.minStakeProxy;
}

const FINAL = [STATUS_JAILED, STATUS_EXITING, STATUS_EXITED];

/**
 * The status a re-check sent now would leave, from the Root's current answer and parameters (the
 * contract's computeStatus after ImageVerdict); the reasons when it is not active.
 */
export function predictRecheck(
    state: ProviderState,
    binding: Binding | null,
    trust: Trust | undefined,
    minStake: bigint,
    now: number,
): { status: bigint; why: string[] } {
    if (FINAL.includes(state.status)) return { status: state.status, why: [] };
    if (binding && trust) {
        const why = distrustReasons(trust, state.role);
        if (Number(binding.expiresAt) <= now) why.push(`the binding expired at ${formatTime(binding.expiresAt)}`);
        if (why.length > 0) return { status: STATUS_SUSPENDED, why };
        if (state.stake >= minStake && minStake > 0n) return { status: STATUS_ACTIVE, why: [] };
        return { status: STATUS_REGISTERED, why: [`the stake ${formatTon(state.stake)} is below the minimum ${formatTon(minStake)}`] };
    }
    return { status: STATUS_REGISTERED, why: ['no TEE key is bound'] };
}

/** Why the stored status and statusNow differ, and what follows. */
export function explainStatusNow(state: ProviderState, statusNow: bigint, binding: Binding | null, now: number): string {
    const name = statusName(statusNow);
    if (statusNow === STATUS_SUSPENDED && binding && Number(binding.expiresAt) <= now) {
        return `${name}: the binding expired ${formatAt(binding.expiresAt, now)}; a re-check will suspend it`;
    }
    return `${name}: differs from the stored status ${statusName(state.status)}; the next re-check sets it`;
}

export function describePending(p: PendingCheck | null): string {
    if (!p) return 'none';
    const kind =
        { [String(CHECK_REGISTER)]: 'registration', [String(CHECK_BIND)]: 'binding', [String(CHECK_RECHECK)]: 're-check' }[
            String(p.kind)
        ] ?? `kind ${p.kind}`;
    return `${kind} (query ${p.queryId}): the Root's answer has not arrived yet`;
}

/** The Provider's entry in its Root's proxy directory, if any. */
export async function directoryEntry(ctx: ProviderContext, root: RootReader = ctx.root.fresh()): Promise<ProxyEntry | undefined> {
    return (await root.proxies()).find((p) => p.provider.equals(ctx.address))?.entry;
}

/**
 * Follows a proxy's directory entry through an action. Created before the message is sent (it
 * keeps the listing flag, profile and binding as they were); `check` then gives the listing lines
 * once the Root's directory agrees with the Provider, or undefined while a listing, update or
 * delisting is on its way. The Root may refuse a listing or an update (paused, trust revoked
 * meanwhile, directory full): a refused first listing leaves the proxy unlisted, a refused update
 * leaves the Root's previous entry. That is reported when the Provider's transactions show the
 * bounce, or after a few more polls otherwise. Workers have no listing: no lines.
 */
export async function watchListing(ctx: ProviderContext): Promise<(read: ProviderReader, sent: Sent) => Promise<string[] | undefined>> {
    const before = await ctx.read.state();
    const profileBefore = await ctx.read.profile();
    const bindingBefore = await ctx.read.binding();
    const { pollAttempts } = pollSettings(ctx.provider);
    const patience = Math.min(10, Math.floor(pollAttempts / 2));
    let waited = 0;
    const wait = () => waited++ < patience;

    return async (read, sent) => {
        const state = await read.state();
        if (state.role !== ROLE_PROXY) return [];
        const entry = await directoryEntry(ctx);
        const profile = await read.profile();
        const binding = await read.binding();
        const endpoint = profile?.endpoint ?? '';
        if (!state.listed) {
            if (entry && before.listed)
                return wait()
                    ? undefined
                    : ["The Root's directory still lists this Provider: the delisting is on its way (showProvider shows it)."];
            if (entry) return ["Not listed by the Provider, but still in the Root's directory."];
            if (state.status === STATUS_ACTIVE)
                return [
                    "Active but not in the Root's proxy directory: the Root refused the listing (paused, directory full, or trust revoked meanwhile); a re-check asks again.",
                ];
            return ["Not in the Root's proxy directory."];
        }
        const current =
            entry !== undefined &&
            binding !== null &&
            entry.endpoint === endpoint &&
            entry.imageHash === binding.imageHash &&
            entry.attestationRoot === binding.attestationRoot;
        if (current) return [`Listed in the Root's proxy directory with endpoint ${entry.endpoint}.`];
        const moved =
            !before.listed ||
            (profileBefore?.endpoint ?? '') !== endpoint ||
            bindingBefore?.imageHash !== binding?.imageHash ||
            bindingBefore?.attestationRoot !== binding?.attestationRoot;
        if (!moved) {
            return entry
                ? ["The Root's directory entry is out of date (another image, root or endpoint): the Root refused an earlier update."]
                : [
                      "Listed by the Provider, but not in the Root's directory (delisted by governance or the guardian): a re-check of an active proxy lists it again.",
                  ];
        }
        if (await listingBounced(ctx, sent)) {
            return entry
                ? [
                      `The Root refused the directory update (paused, or trust revoked meanwhile): its previous entry stays, with endpoint ${entry.endpoint}.`,
                  ]
                : ['The Root refused the listing (paused, directory full, or trust revoked meanwhile).'];
        }
        if (wait()) return undefined;
        return [
            entry
                ? `The Root's directory does not show the update yet (its entry has endpoint ${entry.endpoint}): the update is on its way, or the Root refused it; showProvider shows which.`
                : "Not in the Root's directory yet: the listing is on its way, or the Root refused it; showProvider shows which.",
        ];
    };
}

/** Whether a ListProxyForRoot came back bounced to the Provider since the send. */
async function listingBounced(ctx: ProviderContext, sent: Sent): Promise<boolean> {
    const txs = await transactionsSince(ctx, sent.lastLt);
    return (txs ?? []).some((tx) => {
        const m = tx.inMessage;
        if (!m || m.info.type !== 'internal' || !m.info.bounced) return false;
        const s = m.body.beginParse();
        return s.remainingBits >= 64 && s.loadUint(32) === 0xffffffff && s.loadUint(32) === Root.opcodes.ListProxyForRoot;
    });
}

/**
 * The `payees` getter: the treasury and slashing terms the Provider last heard from its Root
 * (against the Root's current ones), and the key last proven to equivocate here, if any.
 */
export function payeesSection(payees: Payees | null, params: Params, network: Network): string[] {
    const out = ['Payees (the treasury and slashing terms the Provider last heard from its Root; docs/contracts/slashing.md)'];
    if (!payees) return [...out, '  (none: the Provider has not heard from its Root yet)'];
    const now = (differs: boolean, value: string) => (differs ? ` (the Root says ${value} now; a re-check refreshes it)` : '');
    const rows: [string, string][] = [
        [
            'treasury',
            `${friendly(payees.treasury, network)}${now(!payees.treasury.equals(params.treasury), friendly(params.treasury, network))}`,
        ],
        [
            'equivocation slash',
            `${formatBps(payees.equivocationSlashBps)} of stake and of unbonding${now(payees.equivocationSlashBps !== params.equivocationSlashBps, formatBps(params.equivocationSlashBps))}`,
        ],
        [
            'reporter share',
            `${formatBps(payees.reporterShareBps)} of a slash${now(payees.reporterShareBps !== params.reporterShareBps, formatBps(params.reporterShareBps))}`,
        ],
        [
            'reporter cap',
            `${formatTon(payees.reporterRewardCap)}${now(payees.reporterRewardCap !== params.reporterRewardCap, formatTon(params.reporterRewardCap))}`,
        ],
    ];
    for (const key of payees.convicted.keys()) {
        rows.push([
            'convicted key',
            `${formatHash(key)} (proven to equivocate: it settles no more here and cannot be bound again)${key === payees.convictedKey ? ', the last' : ''}`,
        ]);
    }
    if (payees.convictedJail) rows.push(['jailed for', 'equivocation: evidence pays no more, no key is bound until a release']);
    return [...out, ...table(rows)];
}

/** "status: a -> b" or "status: a" lines after an action. */
export function statusChange(before: ProviderState | undefined, after: ProviderState): string {
    if (!before || before.status === after.status) return `Status: ${statusName(after.status)}.`;
    return `Status: ${statusName(before.status)} -> ${statusName(after.status)}.`;
}

/** The unbonding stake and when it unlocks, by the chain clock. */
export function describeUnbonding(state: ProviderState, now: number): string {
    if (state.unbonding === 0n) return 'none';
    const when = Number(state.unlockAt) <= now ? 'withdrawable now' : `withdrawable from ${formatAt(state.unlockAt, now)}`;
    return `${formatTon(state.unbonding)}, ${when}${state.withdrawalsFrozen ? ' once withdrawals are unfrozen' : ''}`;
}

export function describeBinding(b: Binding, trust: Trust, role: bigint, now: number): [string, string][] {
    return [
        [
            'image',
            `${formatHash(b.imageHash)}  (${trust.imageAllowed ? 'the Root allows it' : 'NOT allowed by the Root'} for the ${roleName(role)} role now)`,
        ],
        ['attestation root', `${formatRootHash(b.attestationRoot)}  (${trust.rootAllowed ? 'allowed' : 'NOT allowed'} by the Root now)`],
        ['TEE key', formatHash(b.teeKey)],
        ['expiresAt', `${formatAt(b.expiresAt, now)}${Number(b.expiresAt) <= now ? ' EXPIRED' : ''}`],
        ['revoked', b.revoked ? 'true (a re-check found the Root no longer allows it)' : 'false'],
    ];
}

export async function renderProvider(ctx: ProviderContext): Promise<string[]> {
    const { read, time } = ctx;
    const now = time.now;
    const state = await read.state();
    const binding = await read.binding();
    const statusNow = await read.statusNow();
    const view = await read.rootView();
    const profile = await read.profile();
    const rootRead = ctx.root.read;
    const rootState = await rootRead.state();
    const params = await rootRead.params();
    const role = state.role;
    const out: string[] = [];

    const trust = binding ? await trustNow(rootRead, binding.imageHash, binding.attestationRoot, role) : undefined;
    const minStake = minStakeFor(params, role);
    const rows: [string, string][] = [
        ['role', roleName(role)],
        ['status', statusName(state.status)],
    ];
    if (statusNow !== state.status) rows.push(['statusNow', explainStatusNow(state, statusNow, binding, now)]);
    if (state.role !== 0n && !FINAL.includes(state.status)) {
        const next = predictRecheck(state, binding, trust, minStake, now);
        if (next.status !== state.status && next.status !== statusNow) {
            rows.push(['re-check now', `would make it ${statusName(next.status)}: ${next.why.join('; ')}`]);
        }
    }
    rows.push(['check pending', describePending(await read.pendingCheck())]);
    const balance = (await read.account()).balance;
    const buffer = balance - state.stake - state.unbonding;
    rows.push([
        'balance',
        buffer >= 0n
            ? `${formatTon(balance)} (${formatTon(buffer)} beyond stake and unbonding: the storage buffer)`
            : `${formatTon(balance)}: ${formatTon(-buffer)} LESS than stake and unbonding, storage fees have eaten into the stake; a plain transfer to the Provider tops up its storage buffer`,
    ]);
    out.push('Provider', ...table(rows));

    out.push('Stake');
    const stakeNote =
        role === 0n || state.status === STATUS_EXITING || state.status === STATUS_EXITED
            ? ''
            : `  (the Root's minimum for a ${roleName(role)}: ${formatTon(minStake)}${view.minStake !== minStake ? `; the Provider still counts ${formatTon(view.minStake)} until a re-check` : ''})`;
    out.push(
        ...table([
            ['stake', `${formatTon(state.stake)}${stakeNote}`],
            ['unbonding', describeUnbonding(state, now)],
            ['withdrawals', state.withdrawalsFrozen ? 'FROZEN: a slash is pending' : 'not frozen'],
        ]),
    );

    if (role === ROLE_PROXY) {
        const entry = await directoryEntry(ctx, rootRead);
        const dir = entry ? `listed ${formatAt(entry.listedAt, now)}, endpoint ${entry.endpoint}` : 'no entry';
        const lines: [string, string][] = [
            ['listed', state.listed ? 'yes' : 'no'],
            ["Root's directory", dir],
        ];
        if (state.listed && !entry)
            lines.push([
                'MISMATCH',
                "the Provider counts itself listed, the Root's directory does not (delisted by governance or the guardian, or the listing bounced)",
            ]);
        if (!state.listed && entry)
            lines.push(['MISMATCH', "the Root's directory lists this Provider, which does not count itself listed"]);
        if (entry && binding && (entry.imageHash !== binding.imageHash || entry.attestationRoot !== binding.attestationRoot))
            lines.push(['MISMATCH', 'the directory entry names another image or attestation root than the binding']);
        if (entry && profile && entry.endpoint !== profile.endpoint)
            lines.push(['MISMATCH', "the directory entry's endpoint differs from the profile's"]);
        out.push('Listing', ...table(lines));
    }

    out.push('Binding');
    if (binding && trust) {
        out.push(...table(describeBinding(binding, trust, role, now)));
        if (trust.paused) out.push('  The Root is paused: bindings are refused, and a re-check suspends.');
    } else {
        out.push('  (none: bindAttestation binds a TEE key)');
    }

    out.push('Profile');
    if (profile && role !== 0n) {
        const models = await rootRead.models();
        out.push(
            ...table(
                profileRows(roleName(role) as 'worker' | 'proxy', profile, (h) =>
                    models.includes(h) ? '  (allowed by the Root)' : '  (NOT allowed by the Root)',
                ),
            ),
        );
    } else {
        out.push('  (none)');
    }

    out.push('Root view (what the Provider last heard from its Root)');
    out.push(
        ...table([
            [
                'configVersion',
                `${view.configVersion}${view.configVersion !== rootState.configVersion ? ` (the Root is at ${rootState.configVersion} now; a re-check refreshes the view)` : ''}`,
            ],
            ['minStake', `${formatTon(view.minStake)}${view.minStake === 0n ? ' (not heard yet)' : ''}`],
            ['unbondingDelay', formatDuration(view.unbondingDelay)],
            ['attestationLifetime', formatDuration(view.attestationLifetime)],
        ]),
    );

    out.push(...payeesSection(await read.payees(), params, ctx.network));

    out.push('Counters');
    out.push(
        ...table([
            ['tokensServed', String(state.tokensServed)],
            ['settlements', String(state.settlements)],
            ['slashes', String(state.slashes)],
        ]),
    );
    return out;
}
