/**
 * The shape every sending escrow script shares, as runProviderAction (providerAction.ts) for a
 * Provider: print the account, say what will be sent, check from the getters of the escrow (or
 * payout account), its proxy's Provider and its Root that the connected wallet may send it and
 * that every contract on the way would accept it (printing why not, naming the exit code, instead
 * of sending), check that the wallet can pay, send, then poll until the effect is visible and print
 * it. A message the account refuses after all is reported with its exit code when the API lists
 * its transactions.
 *
 * With --dry-run nothing is sent: the script prints the message (destination, value, whether it
 * deploys, body as a base64 BOC), for a client that is a multisig or other contract.
 */
import type { NetworkProvider } from '@ton/blueprint';
import { Address, Cell, Sender } from '@ton/core';
import { ERR_ESCROW_STATE, ERR_NOT_CLIENT, ESCROW_CLOSED, ESCROW_CLOSING, ESCROW_OPEN, EscrowState } from '../../wrappers/Escrow';
import { captureMessage } from './action';
import { Cli } from './args';
import { pollSettings, waitFor } from './chain';
import { RefusedError, ScriptError } from './errors';
import { EscrowContext, escrowStatusName, lastLtOf, transactionsAfter } from './escrow';
import { formatAddress, formatAt, formatTon, friendly } from './format';
import { errorName } from './params';
import { exitName, refusedFrom } from './provider';
import { WALLET_FEE_MARGIN } from './providerAction';

/** What the runner knows about a message it sent. */
export interface Sent {
    queryId: bigint;
    /** The destination's last transaction before the message was sent (0 if it had none). */
    lastLt: bigint;
}

export interface AccountActionSpec {
    /** Prints the account, its parties and the chain time. */
    header(): Promise<void>;
    /** The contract the message goes to, in words: "Escrow" or "PayoutAccount". */
    contract: string;
    to: Address;
    /** The escrow's client when only the client may send (ERR_NOT_CLIENT); absent: anyone may. */
    client?: Address;
    /** What will be sent, in words: the first line follows "Action: ". */
    describe(): Promise<string[]>;
    /** Why a contract on the way would refuse the message, or it would change nothing. */
    refuse?(): Promise<string | undefined>;
    value: bigint;
    /** Where the attached value goes, after "Sent with <value> attached ". */
    valueNote: string;
    send(via: Sender, queryId: bigint): Promise<void>;
    /** What the script waits for, e.g. "the escrow to credit the top-up". */
    waitingFor: string;
    /** Lines describing the result once a fresh read shows it, else undefined. May throw. */
    effect(sent: Sent): Promise<string[] | undefined>;
    /** The read-only script that shows the account. */
    show: string;
}

export async function runAccountAction(provider: NetworkProvider, cli: Cli, spec: AccountActionSpec): Promise<void> {
    const ui = provider.ui();
    const network = provider.network();
    await spec.header();
    const lines = await spec.describe();
    ui.write(`Action: ${lines[0]}`);
    for (const l of lines.slice(1)) ui.write(l);

    const dryRun = cli.switch('dry-run');
    const wallet = provider.sender().address;
    if (spec.client && !dryRun) {
        if (!wallet) {
            throw new RefusedError(
                'Not sent: this wallet provider does not reveal its address, so the sender cannot be checked; use --mnemonic or --tonconnect, or --dry-run',
            );
        }
        if (!wallet.equals(spec.client)) {
            throw new RefusedError(
                `Not sent: the connected wallet ${formatAddress(wallet, network)} is not the escrow's client ${friendly(spec.client, network)} (${errorName(ERR_NOT_CLIENT)})`,
            );
        }
    }
    const reason = await spec.refuse?.();
    if (reason) throw new RefusedError(`Not sent: ${reason}`);

    const queryId = BigInt(Date.now());
    if (dryRun) {
        const captured = await captureMessage((via) => spec.send(via, queryId));
        ui.write(
            'Dry run: nothing sent. The message to send' +
                (spec.client ? ` from the client (${friendly(spec.client, network)})` : '') +
                ':',
        );
        ui.write(`  to:    ${formatAddress(captured.to, network)}`);
        ui.write(`  value: ${formatTon(captured.value)}`);
        if (captured.init) ui.write(`  init:  the ${spec.contract}'s StateInit (attach it: this message deploys the ${spec.contract})`);
        ui.write(`  body:  ${(captured.body ?? Cell.EMPTY).toBoc().toString('base64')}`);
        return;
    }
    await requireWalletBalance(provider, spec.value);

    const sent: Sent = { queryId, lastLt: await lastLtOf(provider, spec.to) };
    await spec.send(provider.sender(), queryId);
    ui.write(`Sent with ${formatTon(spec.value)} attached ${spec.valueNote}; waiting for ${spec.waitingFor}.`);
    const { pollAttempts, pollIntervalMs } = pollSettings(provider);
    const result = await waitFor(
        provider,
        spec.waitingFor,
        async () => {
            const done = await spec.effect(sent);
            if (done) return done;
            await throwIfRefused(provider, spec.contract, spec.to, sent, wallet, spec.show);
            return undefined;
        },
        `The change is not visible after ${pollAttempts} polls over ${Math.round((pollAttempts * pollIntervalMs) / 1000)} s. ` +
            `The ${spec.contract} may have refused the message (exit codes: docs/errors.md) or the wallet has not sent it yet; check the wallet's transactions, then run ${spec.show}.`,
    );
    for (const l of result) ui.write(l);
}

/** Refuses when the connected wallet cannot pay `value` and its own fee. */
export async function requireWalletBalance(provider: NetworkProvider, value: bigint): Promise<void> {
    const wallet = provider.sender().address;
    if (!wallet) return;
    const balance = (await provider.getContractState(wallet)).balance;
    if (balance < value + WALLET_FEE_MARGIN) {
        throw new RefusedError(
            `Not sent: the connected wallet holds ${formatTon(balance)}, but the message carries ${formatTon(value)} plus the wallet's fee (keep ${formatTon(value + WALLET_FEE_MARGIN)})`,
        );
    }
}

/**
 * Throws when `to` has refused (bounced) a message from `from` since the send; does nothing when
 * its transactions cannot be listed.
 */
export async function throwIfRefused(
    provider: NetworkProvider,
    contract: string,
    to: Address,
    sent: Sent,
    from: Address | undefined,
    show: string,
): Promise<void> {
    const txs = await transactionsAfter(provider, to, sent.lastLt);
    if (!txs || txs.length === 0) return;
    const refused = refusedFrom(txs, from);
    if (refused) {
        throw new ScriptError(
            `the ${contract} refused the message with ${exitName(refused.code)} (docs/errors.md); nothing changed and the value came back less fees. Run ${show} to see its state.`,
        );
    }
}

/** Whether the escrow has processed something since the send. */
export async function escrowMoved(ctx: EscrowContext, sent: Sent): Promise<boolean> {
    return (await ctx.fresh().lastLt()) > sent.lastLt;
}

// ---- refusals shared by the client scripts, as the escrow checks them ----

/** The escrow's status is not one of `allowed` (ERR_ESCROW_STATE); `what` names the message. */
export function wrongStatus(state: EscrowState, allowed: bigint[], what: string, now: number): string | undefined {
    if (allowed.includes(state.status)) return undefined;
    const names = allowed.map(escrowStatusName).join(' or ');
    return `the escrow is ${escrowStatusName(state.status)}${statusDetail(state, now)}; ${what} needs it ${names} (${errorName(ERR_ESCROW_STATE)})`;
}

/** Where a closing or closed escrow stands, after its status name. */
export function statusDetail(state: EscrowState, now: number): string {
    if (state.status === ESCROW_CLOSING) {
        return Number(state.closeAt) > now
            ? `: a close was requested; finalizeEscrow from ${formatAt(state.closeAt, now)}`
            : `: a close was requested, and finalizeEscrow may pay out since ${formatAt(state.closeAt, now)}`;
    }
    if (state.status === ESCROW_CLOSED) return ': closed for good (a client opens one escrow per proxy key)';
    return '';
}

/** What the client may withdraw now: the balance above the reserve, while open. */
export function withdrawable(state: EscrowState): bigint {
    if (state.status !== ESCROW_OPEN) return 0n;
    const free = state.balanceHeld - state.reserve;
    return free > 0n ? free : 0n;
}
