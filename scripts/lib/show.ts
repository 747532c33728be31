/** The Root's state as text (showRoot, and the header of every action). */
import {
    ERR_PROPOSAL_NOT_FOUND,
    MAX_ATTESTATION_ROOTS,
    MAX_IMAGES,
    MAX_MODELS,
    MAX_PENDING_PROPOSALS,
    MAX_PROXIES,
    MIN_VALUE_ENFORCE,
    proposalKind,
    ROLE_PROXY,
    roleNames,
} from '../../wrappers/Root';
import { isEnforcement } from './enforce';
import { decodeProposal, describeContent } from './grants';
import {
    formatAddress,
    formatAt,
    formatHash,
    formatOptionalAddress,
    formatRelative,
    formatRootHash,
    formatTime,
    formatTon,
    table,
} from './format';
import { errorName, formatParam, NUMERIC_PARAMS, PARAM_KEYS } from './params';
import { PendingProposal, RootContext } from './root';

export function printHeader(ctx: RootContext): void {
    ctx.ui.write(`Root: ${formatAddress(ctx.address, ctx.network)} on ${ctx.network}`);
    ctx.ui.write(`Chain time: ${formatTime(ctx.time.now)} (${ctx.time.now}; ${ctx.time.source})`);
}

export type ProposalTiming = 'waiting' | 'executable' | 'expired';

/** The Root executes a proposal when executeAfter <= now <= expiresAt. */
export function proposalTiming(p: PendingProposal, now: number): ProposalTiming {
    if (now < Number(p.executeAfter)) return 'waiting';
    if (now > Number(p.expiresAt)) return 'expired';
    return 'executable';
}

/** Why there is nothing to act on: the proposal is not pending; lists those that are. */
export async function missingProposal(ctx: RootContext, id: bigint): Promise<string> {
    const ids = (await ctx.read.proposals()).map((p) => `#${p.id}`);
    return `there is no pending proposal #${id} (${errorName(ERR_PROPOSAL_NOT_FOUND)}); pending: ${ids.length > 0 ? ids.join(', ') : 'none'}`;
}

export async function describeProposal(ctx: RootContext, p: PendingProposal): Promise<string[]> {
    const now = ctx.time.now;
    const content = decodeProposal(p.body);
    const what = content ? await describeContent(content, ctx) : [`unknown content ${p.body.toBoc().toString('base64')}`];
    const timing = proposalTiming(p, now);
    const paused = (await ctx.read.state()).paused;
    const slash = content?.$$type === 'ProposeSlash';
    const value = content && isEnforcement(content) ? ` (with at least ${formatTon(MIN_VALUE_ENFORCE)} attached)` : '';
    const status = {
        waiting: slash
            ? `in its veto window, executable ${formatRelative(p.executeAfter, now)}; until executed, governance or the guardian may cancel it`
            : `not executable yet, executable ${formatRelative(p.executeAfter, now)}`,
        executable: paused ? `executable now, by governance only while the Root is paused${value}` : `executable now, by anyone${value}`,
        expired: slash
            ? "expired: it can only be cancelled, by anyone; the Provider's withdrawals stay frozen until it is"
            : 'expired: it can only be cancelled; propose again',
    }[timing];
    return [
        `#${p.id} ${proposalKind(p.body)}: ${what[0]}`,
        ...what.slice(1).map((l) => `   ${l}`),
        `   executeAfter ${formatAt(p.executeAfter, now)}, expiresAt ${formatAt(p.expiresAt, now)}`,
        `   status: ${status}`,
    ];
}

export async function renderRoot(ctx: RootContext): Promise<string[]> {
    const { read, network } = ctx;
    const state = await read.state();
    const params = await read.params();
    const balance = (await ctx.provider.getContractState(ctx.address)).balance;
    const out: string[] = [];

    out.push('State');
    out.push(
        ...table([
            ['governance', formatAddress(state.governance, network)],
            ['pending governance', formatOptionalAddress(state.pendingGovernance, network)],
            ['guardian', formatOptionalAddress(state.guardian, network)],
            [
                'isTest',
                state.isTest
                    ? 'true (a test Root: it may allowlist the simulated test attestation root)'
                    : 'false (production: refuses the simulated test root)',
            ],
            ['paused', String(state.paused)],
            ['configVersion', String(state.configVersion)],
            ['balance', formatTon(balance)],
        ]),
    );

    out.push('Parameters');
    const described = new Map(NUMERIC_PARAMS.map((p) => [p.key as string, p.description]));
    const rows = PARAM_KEYS.map((k): [string, string] => [k, formatParam(k, params, network)]);
    const width = Math.max(...rows.map(([, v]) => v.length));
    out.push(
        ...table(
            rows.map(([k, v]) => [
                k,
                described.has(k) ? `${v.padEnd(width)}  ${described.get(k)}` : `${v.padEnd(width)}  receives protocol fees and slashes`,
            ]),
        ),
    );

    const roots = await read.attestationRoots();
    out.push(`Attestation roots (${roots.length} of at most ${MAX_ATTESTATION_ROOTS})`);
    out.push(...list(roots.map(formatRootHash)));

    const images = await read.images();
    out.push(`Images (${images.size} of at most ${MAX_IMAGES})`);
    out.push(...list([...images].map(([h, roles]) => `${formatHash(h)}  ${roleNames(roles).join(', ')}`)));

    const models = await read.models();
    out.push(`Models (${models.length} of at most ${MAX_MODELS})`);
    out.push(...list(models.map(formatHash)));

    const proposals = await read.proposals();
    out.push(`Pending proposals (${proposals.length} of at most ${MAX_PENDING_PROPOSALS}; next id ${state.nextProposalId})`);
    const proposalLines: string[] = [];
    for (const p of proposals) proposalLines.push(...(await describeProposal(ctx, p)));
    out.push(...list(proposalLines));

    const proxies = await read.proxies();
    out.push(`Proxy directory (${proxies.length} of at most ${MAX_PROXIES})`);
    out.push(
        ...list(
            proxies.flatMap(({ provider, entry }) => [
                `${formatAddress(provider, network)}`,
                `   owner ${formatAddress(entry.owner, network)}, node ${entry.nodeIndex}`,
                `   endpoint ${entry.endpoint}`,
                `   image ${formatHash(entry.imageHash)}, attestation root ${formatRootHash(entry.attestationRoot)}`,
                `   listed ${formatAt(entry.listedAt, ctx.time.now)}`,
                ...staleListing(entry.imageHash, entry.attestationRoot, images, roots),
            ]),
        ),
    );
    return out;
}

/**
 * The Root cannot sweep its directory when trust is revoked (no loop over providers), so a listed
 * proxy may run an image or root that is no longer allowed until its Provider is re-checked.
 * Clients must skip such entries; say so.
 */
function staleListing(imageHash: bigint, attestationRoot: bigint, images: Map<bigint, bigint>, roots: bigint[]): string[] {
    const problems: string[] = [];
    if (((images.get(imageHash) ?? 0n) & ROLE_PROXY) === 0n) problems.push('its image is no longer allowed for the proxy role');
    if (!roots.includes(attestationRoot)) problems.push('its attestation root is no longer allowed');
    return problems.length === 0
        ? []
        : [`   STALE: ${problems.join('; ')}. Clients must not use it; a re-check of its Provider delists it.`];
}

function list(items: string[]): string[] {
    return items.length === 0 ? ['  (none)'] : items.map((i) => `  ${i}`);
}
