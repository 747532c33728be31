/**
 * The shape every sending script shares: open the Root, say what will be sent, check from the
 * getters that the connected wallet may send it and that the Root would accept it (printing why
 * not instead of sending), send, then poll until the effect is visible and print it.
 *
 * With --dry-run nothing is sent: the script prints the message (destination, value, body as a
 * base64 BOC) for a governance that is a multisig or DAO contract rather than a wallet.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address, Cell, Sender, SenderArguments } from '@ton/core';
import { ERR_NOT_GOVERNANCE, ERR_NOT_GOVERNANCE_OR_GUARDIAN, ERR_NOT_PENDING_GOVERNANCE, RootState } from '../../wrappers/Root';
import { Cli } from './args';
import { pollSettings, waitFor } from './chain';
import { RefusedError, ScriptError } from './errors';
import { formatAddress, formatTon, friendly } from './format';
import { errorName } from './params';
import { OpenedRoot, openRoot, RootContext, RootReader } from './root';
import { printHeader } from './show';

/** Who the Root accepts the message from. */
export type Authority = 'governance' | 'governanceOrGuardian' | 'pendingGovernance' | 'anyone';

export interface ActionSpec {
    /** What will be sent, in words. */
    describe(ctx: RootContext): Promise<string[]>;
    authority: Authority | ((ctx: RootContext) => Promise<Authority>);
    /**
     * The Root's exit code for a sender without that authority, when it is not the usual one
     * (ERR_NOT_GOVERNANCE, ERR_NOT_GOVERNANCE_OR_GUARDIAN, ERR_NOT_PENDING_GOVERNANCE): for
     * executeProposal, whose sender is checked only while the Root is paused, ERR_PAUSED.
     */
    authorityError?: bigint;
    /** Why the Root would refuse the message or it would change nothing; undefined to go ahead. */
    refuse?(ctx: RootContext): Promise<string | undefined>;
    /**
     * Who returns what the message's value does not pay for, when not the Root (executing a slash
     * or a release: the Provider the Root forwards the value to).
     */
    returnedBy?(): string;
    /** Sends the message; the value it attaches is the one printed. */
    send(root: OpenedRoot, via: Sender, queryId: bigint): Promise<void>;
    /** Lines describing the result once a fresh read shows it, else undefined. */
    effect(read: RootReader, ctx: RootContext, queryId: bigint): Promise<string[] | undefined>;
}

/** The addresses allowed to send, how to name them in a message, and the Root's exit code for others. */
function allowed(authority: Authority, s: RootState): { who: string; addresses: Address[]; error: bigint } | undefined {
    switch (authority) {
        case 'anyone':
            return undefined;
        case 'governance':
            return { who: 'governance', addresses: [s.governance], error: ERR_NOT_GOVERNANCE };
        case 'governanceOrGuardian':
            return {
                who: 'governance or the guardian',
                addresses: s.guardian ? [s.governance, s.guardian] : [s.governance],
                error: ERR_NOT_GOVERNANCE_OR_GUARDIAN,
            };
        case 'pendingGovernance':
            return {
                who: 'the pending governance',
                addresses: s.pendingGovernance ? [s.pendingGovernance] : [],
                error: ERR_NOT_PENDING_GOVERNANCE,
            };
    }
}

export async function runAction(provider: NetworkProvider, cli: Cli, spec: ActionSpec): Promise<void> {
    const ctx = await openRoot(provider, cli);
    const { ui, network } = ctx;
    printHeader(ctx);
    const lines = await spec.describe(ctx);
    ui.write(`Action: ${lines[0]}`);
    for (const l of lines.slice(1)) ui.write(l);

    const state = await ctx.read.state();
    const authority = typeof spec.authority === 'function' ? await spec.authority(ctx) : spec.authority;
    const need = allowed(authority, state);
    const dryRun = cli.switch('dry-run');
    const senderAddress = provider.sender().address;
    if (need && need.addresses.length === 0)
        throw new RefusedError(`Not sent: no governance hand-over is pending, so there is no ${need.who}`);
    if (need && !dryRun) {
        if (!senderAddress) {
            throw new RefusedError(
                'Not sent: this wallet provider does not reveal its address, so the sender cannot be checked; use --mnemonic or --tonconnect, or --dry-run',
            );
        }
        if (!need.addresses.some((a) => a.equals(senderAddress))) {
            throw new RefusedError(
                `Not sent: the connected wallet ${formatAddress(senderAddress, network)} is not ${need.who} (${need.addresses.map((a) => friendly(a, network)).join(' or ')}); the Root refuses it with ${errorName(spec.authorityError ?? need.error)}`,
            );
        }
    }
    const reason = await spec.refuse?.(ctx);
    if (reason) throw new RefusedError(`Not sent: ${reason}`);

    const queryId = BigInt(Date.now());
    if (dryRun) {
        const captured = await captureMessage((via) => spec.send(ctx.root, via, queryId));
        ui.write(
            'Dry run: nothing sent. The message to send' +
                (need ? ` from ${need.who} (${need.addresses.map((a) => friendly(a, network)).join(' or ')})` : '') +
                ':',
        );
        ui.write(`  to:    ${formatAddress(captured.to, network)}`);
        ui.write(`  value: ${formatTon(captured.value)}`);
        ui.write(`  body:  ${(captured.body ?? Cell.EMPTY).toBoc().toString('base64')}`);
        return;
    }

    // The value differs by message (a slash and what follows it need more than GOVERNANCE_VALUE).
    const { value } = await captureMessage((via) => spec.send(ctx.root, via, queryId));
    await spec.send(ctx.root, provider.sender(), queryId);
    ui.write(
        `Sent with ${formatTon(value)} attached (what ${spec.returnedBy?.() ?? 'the Root'} does not spend comes back); waiting for the Root to apply it.`,
    );
    const { pollAttempts, pollIntervalMs } = pollSettings(provider);
    const result = await waitFor(
        provider,
        'the Root to apply the message',
        () => spec.effect(ctx.fresh(), ctx, queryId),
        `The change is not visible after ${pollAttempts} polls over ${Math.round((pollAttempts * pollIntervalMs) / 1000)} s. ` +
            "The Root may have refused the message (exit codes: docs/errors.md) or the wallet has not sent it yet; check the wallet's transactions, then run showRoot.",
    );
    for (const l of result) ui.write(l);
    ui.write(`configVersion is now ${(await ctx.fresh().state()).configVersion}.`);
}

/** The message `send` would send, without sending it. */
export async function captureMessage(send: (via: Sender) => Promise<void>): Promise<SenderArguments> {
    let captured: SenderArguments | undefined;
    await send({
        send: async (args) => {
            captured = args;
        },
    });
    if (!captured) throw new ScriptError('script bug: nothing was captured');
    return captured;
}
