/**
 * An escrow's and a payout account's state as text (showEscrow, showPayout, and the lines the
 * action scripts print), with what their proxy's Provider says now: whether the account's key
 * still settles there, and the pool that charges fill and payouts draw from.
 */
import {
    ERR_NOT_OWN_ACCOUNT,
    ESCROW_CLOSED,
    ESCROW_CLOSING,
    ESCROW_NEW,
    ESCROW_OPENING,
    ESCROW_STORAGE_BUFFER,
    EscrowState,
} from '../../wrappers/Escrow';
import { PoolState } from '../../wrappers/Provider';
import { EscrowContext, escrowKeyStanding, escrowStatusName, ProxyContext } from './escrow';
import { statusDetail, withdrawable } from './escrowAction';
import { formatAt, formatBps, formatDuration, formatHash, formatTon, table } from './format';
import { PayoutContext, payoutKeyStanding } from './payout';
import { errorName } from './params';
import { statusName } from './provider';

/** "open", "closing: ...", with what the status means for the client. */
export function describeEscrowStatus(state: EscrowState, now: number): string {
    if (state.status === ESCROW_NEW) return `${escrowStatusName(state.status)}: deployed but not opened (openEscrow)`;
    if (state.status === ESCROW_OPENING) return `${escrowStatusName(state.status)}: waiting for the Root's parameters`;
    return `${escrowStatusName(state.status)}${statusDetail(state, now)}`;
}

export function describeCloseAt(state: EscrowState, now: number): string {
    if (state.status === ESCROW_CLOSING) {
        return Number(state.closeAt) > now
            ? `${formatAt(state.closeAt, now)}: the proxy may submit charge vouchers until then, finalizeEscrow pays out from then`
            : `${formatAt(state.closeAt, now)}: passed; vouchers are refused, finalizeEscrow pays out`;
    }
    if (state.status === ESCROW_CLOSED) return 'none (closed)';
    return 'none (no close requested; closeEscrow starts the close delay)';
}

/** Rows of an escrow's counters, in human units. */
export function escrowRows(state: EscrowState, now: number): [string, string][] {
    return [
        ['status', describeEscrowStatus(state, now)],
        ['balance held', `${formatTon(state.balanceHeld)} (the client's, not yet charged or withdrawn)`],
        ['reserve', `${formatTon(state.reserve)} (the proxy's credit limit: withdrawn only with the close)`],
        ['withdrawable', `${formatTon(withdrawable(state))}${withdrawable(state) > 0n ? ' (withdrawEscrow)' : ''}`],
        ['charged', `${formatTon(state.charged)} (moved to the proxy's pool)`],
        ['tokens settled', String(state.tokens)],
        ['seqno', `${state.seqno} (of the last charge voucher accepted; the next must be higher)`],
        ['close delay', formatDuration(state.closeDelay)],
        ['close at', describeCloseAt(state, now)],
    ];
}

function proxyRows(state: { status: bigint; listed: boolean }, pool: PoolState): [string, string][] {
    return [
        ['proxy status', `${statusName(state.status)}${state.listed ? ", listed in the Root's directory" : ', not listed'}`],
        ['pool', `${formatTon(pool.pool)} (settled from escrows, not yet paid to workers)`],
        ['commission', `${formatTon(pool.commissionReleased)} released to the proxy owner`],
        ['protocol fee', `${formatBps(pool.feeBps)} of each charge; ${formatTon(pool.feeOwed)} set aside`],
        ['tokensServed', String(pool.tokensServed)],
        ['settlements', String(pool.settlements)],
        ['payouts', String(pool.payouts)],
    ];
}

async function proxySection(proxy: ProxyContext): Promise<string[]> {
    const state = await proxy.read.state();
    const pool = await proxy.read.poolState();
    return ['Proxy', ...table(proxyRows(state, pool))];
}

export async function renderEscrow(ctx: EscrowContext): Promise<string[]> {
    const now = ctx.time.now;
    const state = await ctx.read.state();
    const balance = (await ctx.read.account()).balance;
    const params = await ctx.root.read.params();
    const standing = await escrowKeyStanding(ctx);
    const rows0 = escrowRows(state, now);
    rows0.push([
        'account balance',
        state.status === ESCROW_CLOSED
            ? `${formatTon(balance)} (the ${formatTon(ESCROW_STORAGE_BUFFER)} storage buffer it keeps, and anything that arrived since the close: finalizeEscrow sweeps that)`
            : `${formatTon(balance)} (the balance held, the ${formatTon(ESCROW_STORAGE_BUFFER)} storage buffer, and what is left of the client messages' gas allowances: it returns at the close)`,
    ]);
    const out: string[] = ['Escrow', ...table(rows0)];
    out.push('Settlement');
    const rows: [string, string][] = [['TEE key', `${formatHash(ctx.parties.teeKey)}: ${standing.text}`]];
    if (!standing.settles && state.status !== ESCROW_CLOSED) {
        rows.push([
            'WARNING',
            `charge vouchers under this key would bounce at the proxy's Provider (${errorName(ERR_NOT_OWN_ACCOUNT)}): nothing more is charged; the client closes with closeEscrow and finalizeEscrow`,
        ]);
    }
    rows.push([
        "Root's terms",
        `minimum reserve ${formatTon(params.minEscrowReserve)}, client close delay ${formatDuration(params.clientCloseDelay)}${params.clientCloseDelay !== state.closeDelay && state.status !== ESCROW_NEW && state.status !== ESCROW_OPENING ? ' (this escrow keeps the delay it learned at opening)' : ''}`,
    ]);
    out.push(...table(rows));
    out.push(...(await proxySection(ctx.proxy)));
    return out;
}

export async function renderPayout(ctx: PayoutContext): Promise<string[]> {
    const state = await ctx.read.state();
    const standing = await payoutKeyStanding(ctx);
    const pool = await ctx.proxy.read.poolState();
    const status = !ctx.deployed
        ? 'not deployed: the first claimPayout deploys it'
        : state.final
          ? 'closed: a final payout voucher was accepted, no voucher after it is'
          : 'open';
    const out: string[] = ['Payout account'];
    const rows: [string, string][] = [
        ['status', status],
        ['seqno', `${state.seqno} (of the last payout voucher accepted; the next must be higher)`],
        ['tokens paid for', String(state.tokens)],
        ['paid', `${formatTon(state.paid)} (to the worker owner, in total)`],
        ['commission', `${formatTon(state.commission)} (released to the proxy owner with these payouts, in total)`],
    ];
    if (ctx.deployed) rows.push(['account balance', formatTon((await ctx.read.account()).balance)]);
    out.push(...table(rows));
    out.push('Settlement');
    const settle: [string, string][] = [['TEE key', `${formatHash(ctx.parties.teeKey)}: ${standing.text}`]];
    if (!standing.settles) {
        settle.push([
            'WARNING',
            `payout vouchers under this key would bounce at the proxy's Provider (${errorName(ERR_NOT_OWN_ACCOUNT)}) and be undone`,
        ]);
    }
    settle.push(['pool covers', `payouts up to ${formatTon(pool.pool)} (worker amount plus commission)`]);
    out.push(...table(settle));
    out.push(...(await proxySection(ctx.proxy)));
    return out;
}

/** The proxy's pool before and after, for action results. */
export function poolChange(before: PoolState, after: PoolState): string {
    return `The proxy's pool: ${formatTon(before.pool)} -> ${formatTon(after.pool)}.`;
}
