/**
 * The shape every sending Provider script shares, as runAction (action.ts) for the Root: say what
 * will be sent, check from the getters of the Provider and its Root that the connected wallet may
 * send it and that it would be accepted (printing why not instead of sending), send, then poll until
 * the effect is visible and print it. A message the Provider refuses after all is reported with its
 * exit code when the API lists the Provider's transactions.
 *
 * With --dry-run nothing is sent: the script prints the message (destination, value, body as a
 * base64 BOC), for an owner that is a multisig or other contract rather than a wallet.
 */
import { Cell, Sender, toNano } from '@ton/core';
import {
    ERR_CHECK_PENDING,
    ERR_NOT_OWNER,
    ERR_NOT_REGISTERED,
    ERR_PROVIDER_CLOSED,
    ProviderState,
    STATUS_EXITED,
    STATUS_EXITING,
} from '../../wrappers/Provider';
import { captureMessage } from './action';
import { Cli } from './args';
import { pollSettings, waitFor } from './chain';
import { RefusedError, ScriptError } from './errors';
import { formatAddress, formatTon, friendly } from './format';
import { errorName } from './params';
import {
    exitName,
    OpenedProvider,
    printProviderHeader,
    ProviderContext,
    ProviderReader,
    refusedFrom,
    statusName,
    transactionsSince,
} from './provider';
import { describePending } from './providerShow';

/** Kept in the wallet beyond the attached value for its own fees, in the balance check. */
export const WALLET_FEE_MARGIN = toNano('0.02');

/** What the runner knows about a message it sent. */
export interface Sent {
    queryId: bigint;
    /** The Provider's last transaction before the message was sent. */
    lastLt: bigint;
}

export interface ProviderActionSpec {
    /** The owner, or anyone (recheck). */
    authority: 'owner' | 'anyone';
    /** What will be sent, in words: the first line follows "Action: ". */
    describe(ctx: ProviderContext): Promise<string[]>;
    /** Why the Provider or its Root would refuse the message or it would change nothing. */
    refuse?(ctx: ProviderContext): Promise<string | undefined>;
    /** Value attached to the message; the Provider returns what it does not keep. */
    value: bigint;
    send(contract: OpenedProvider, via: Sender, queryId: bigint): Promise<void>;
    /** What the script is waiting for, e.g. "the Provider to apply the stake". */
    waitingFor: string;
    /** Lines describing the result once a fresh read shows it, else undefined. May throw. */
    effect(read: ProviderReader, ctx: ProviderContext, sent: Sent): Promise<string[] | undefined>;
}

export async function runProviderAction(ctx: ProviderContext, cli: Cli, spec: ProviderActionSpec): Promise<void> {
    const { provider, ui, network } = ctx;
    printProviderHeader(ctx);
    const lines = await spec.describe(ctx);
    ui.write(`Action: ${lines[0]}`);
    for (const l of lines.slice(1)) ui.write(l);

    const dryRun = cli.switch('dry-run');
    const senderAddress = provider.sender().address;
    if (spec.authority === 'owner' && !dryRun) {
        if (!senderAddress) {
            throw new RefusedError(
                'Not sent: this wallet provider does not reveal its address, so the sender cannot be checked; use --mnemonic or --tonconnect, or --dry-run',
            );
        }
        if (!senderAddress.equals(ctx.owner)) {
            throw new RefusedError(
                `Not sent: the connected wallet ${formatAddress(senderAddress, network)} is not the Provider's owner ${friendly(ctx.owner, network)} (${errorName(ERR_NOT_OWNER)})`,
            );
        }
    }
    const reason = await spec.refuse?.(ctx);
    if (reason) throw new RefusedError(`Not sent: ${reason}`);

    const queryId = BigInt(Date.now());
    if (dryRun) {
        const captured = await captureMessage((via) => spec.send(ctx.contract, via, queryId));
        ui.write(
            'Dry run: nothing sent. The message to send' +
                (spec.authority === 'owner' ? ` from the owner (${friendly(ctx.owner, network)})` : '') +
                ':',
        );
        ui.write(`  to:    ${formatAddress(captured.to, network)}`);
        ui.write(`  value: ${formatTon(captured.value)}`);
        if (captured.init) ui.write("  init:  the Provider's StateInit (attach it: this message deploys the Provider)");
        ui.write(`  body:  ${(captured.body ?? Cell.EMPTY).toBoc().toString('base64')}`);
        return;
    }
    await requireBalance(ctx, spec.value);

    const sent: Sent = { queryId, lastLt: ctx.deployed ? await ctx.fresh().lastLt() : 0n };
    await spec.send(ctx.contract, provider.sender(), queryId);
    ui.write(`Sent with ${formatTon(spec.value)} attached (what the Provider does not keep comes back); waiting for ${spec.waitingFor}.`);
    const { pollAttempts, pollIntervalMs } = pollSettings(provider);
    const result = await waitFor(
        provider,
        spec.waitingFor,
        async () => {
            const read = ctx.fresh();
            const done = await spec.effect(read, ctx, sent);
            if (done) return done;
            await throwIfRefused(ctx, sent, senderAddress);
            return undefined;
        },
        `The change is not visible after ${pollAttempts} polls over ${Math.round((pollAttempts * pollIntervalMs) / 1000)} s. ` +
            "The Provider may have refused the message (exit codes: docs/errors.md) or the wallet has not sent it yet; check the wallet's transactions, then run showProvider.",
    );
    for (const l of result) ui.write(l);
}

/** Refuses when the connected wallet cannot pay `value` and its own fee. */
async function requireBalance(ctx: ProviderContext, value: bigint): Promise<void> {
    const wallet = ctx.provider.sender().address;
    if (!wallet) return;
    const balance = (await ctx.provider.getContractState(wallet)).balance;
    if (balance < value + WALLET_FEE_MARGIN) {
        throw new RefusedError(
            `Not sent: the connected wallet holds ${formatTon(balance)}, but the message carries ${formatTon(value)} plus the wallet's fee (keep ${formatTon(value + WALLET_FEE_MARGIN)})`,
        );
    }
}

/**
 * Throws when the Provider has refused (bounced) a message from `from` since the send; does nothing
 * when its transactions cannot be listed.
 */
export async function throwIfRefused(ctx: ProviderContext, sent: Sent, from = ctx.provider.sender().address): Promise<void> {
    const txs = await transactionsSince(ctx, sent.lastLt);
    if (!txs || txs.length === 0) return;
    const refused = refusedFrom(txs, from);
    if (refused) {
        throw new ScriptError(
            `the Provider refused the message with ${exitName(refused.code)} (docs/errors.md); nothing changed and the value came back less fees. Run showProvider to see its state.`,
        );
    }
}

/** Whether the Provider has processed something since the send and has no Root query in flight. */
export async function settled(read: ProviderReader, sent: Sent): Promise<boolean> {
    return (await read.lastLt()) > sent.lastLt && !(await read.state()).checkPending;
}

// ---- refusals shared by the scripts, in the order the contract checks them ----

/** The Provider has no role yet (ERR_NOT_REGISTERED). */
export function unregistered(state: ProviderState): string | undefined {
    return state.role === 0n ? `the Provider is not registered (${errorName(ERR_NOT_REGISTERED)}); run registerProvider first` : undefined;
}

/** Staking, binding and profile changes stop once the Provider exits (ERR_PROVIDER_CLOSED). */
export function closed(state: ProviderState): string | undefined {
    if (state.status !== STATUS_EXITING && state.status !== STATUS_EXITED) return undefined;
    return `the Provider is ${statusName(state.status)}: it takes no more stake, bindings or profile changes (${errorName(ERR_PROVIDER_CLOSED)})`;
}

/** A Root query is in flight (ERR_CHECK_PENDING). */
export async function checkInFlight(read: ProviderReader): Promise<string | undefined> {
    const p = await read.pendingCheck();
    return p
        ? `a Root check is in flight: ${describePending(p)} (${errorName(ERR_CHECK_PENDING)}); run showProvider in a moment`
        : undefined;
}
