/**
 * Opens the connected wallet's job escrow with a proxy (the client's own action): deploys the
 * Escrow at initOf Escrow(root, proxy Provider, proxy TEE key, client) with the deposit, the
 * reserve (the proxy's credit limit, at least the Root's minEscrowReserve) and optionally a demand
 * profile for the proxy's capacity planning. The escrow asks the Root for its parameters and opens
 * on its answer; a Root that refuses (reserve too low, paused) has the deposit refunded.
 *
 *     npx blueprint run openEscrow --testnet --mnemonic -- <proxy> 10 --reserve 1
 */
import type { NetworkProvider } from '@ton/blueprint';
import {
    DemandProfile,
    ESCROW_NEW,
    ESCROW_OPEN,
    ERR_ESCROW_STATE,
    ERR_INSUFFICIENT_VALUE,
    ERR_NOT_OWN_ACCOUNT,
    OPEN_OVERHEAD,
} from '../wrappers/Escrow';
import { STATUS_ACTIVE } from '../wrappers/Provider';
import { Cli, parseModel, parsePositiveTon, parseTon, parseUint } from './lib/args';
import { ScriptError } from './lib/errors';
import { escrowKeyStanding, escrowOfProxy, escrowStatusName, printEscrowHeader } from './lib/escrow';
import { runAccountAction, statusDetail, withdrawable } from './lib/escrowAction';
import { formatAt, formatDuration, formatHash, formatTon, friendly } from './lib/format';
import { errorName } from './lib/params';
import { statusName } from './lib/provider';

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT32 = (1n << 32n) - 1n;
const DEMAND_FLAGS = ['model', 'tokens-per-day', 'prompt-tokens', 'completion-tokens'];

/** The demand profile of --model, --tokens-per-day, --prompt-tokens, --completion-tokens (all or none). */
function demandArg(cli: Cli): { demand: DemandProfile; spec?: string } | null {
    const given = DEMAND_FLAGS.filter((f) => cli.option(f) !== undefined);
    if (given.length === 0) return null;
    const missing = DEMAND_FLAGS.filter((f) => !given.includes(f));
    if (missing.length > 0)
        cli.fail(`a demand profile needs all of ${DEMAND_FLAGS.map((f) => `--${f}`).join(', ')}; --${missing[0]} is missing`);
    const opt = (f: string) => cli.option(f)!;
    const model = cli.parse('--model', opt('model'), parseModel);
    return {
        demand: {
            $$type: 'DemandProfile',
            model: model.hash,
            tokensPerDay: cli.parse('--tokens-per-day', opt('tokens-per-day'), (v) => parseUint(v, MAX_UINT64)),
            promptTokens: cli.parse('--prompt-tokens', opt('prompt-tokens'), (v) => parseUint(v, MAX_UINT32)),
            completionTokens: cli.parse('--completion-tokens', opt('completion-tokens'), (v) => parseUint(v, MAX_UINT32)),
        },
        spec: model.spec,
    };
}

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, {
        script: 'openEscrow',
        args: ['proxy: address', 'deposit: TON'],
        flags: {
            reserve: 'TON',
            'tee-key': 'hex64',
            model: 'modelHash|name@revision:weightsSha256',
            'tokens-per-day': 'n',
            'prompt-tokens': 'n',
            'completion-tokens': 'n',
            client: 'address',
            root: 'address',
            'dry-run': null,
        },
    });
    const proxyAddress = cli.address('proxy');
    const deposit = cli.parse('deposit', cli.arg('deposit'), parsePositiveTon);
    const demand = demandArg(cli);
    const ctx = await escrowOfProxy(provider, cli, proxyAddress, '<proxy>', true);
    const { network } = ctx;
    const now = ctx.time.now;
    const params = await ctx.root.read.params();
    const reserveFlag = cli.option('reserve');
    const reserve = reserveFlag !== undefined ? cli.parse('--reserve', reserveFlag, (v) => parseTon(v)) : params.minEscrowReserve;
    const standing = await escrowKeyStanding(ctx);
    const value = deposit + OPEN_OVERHEAD;

    await runAccountAction(provider, cli, {
        header: () => printEscrowHeader(ctx),
        contract: 'Escrow',
        to: ctx.address,
        client: ctx.parties.client,
        describe: async () => {
            const lines = [
                `open an escrow with the proxy ${friendly(proxyAddress, network)} under its TEE key ${formatHash(ctx.parties.teeKey)}, deploying it:`,
                `  deposit       ${formatTon(deposit)}`,
                `  reserve       ${formatTon(reserve)} (the proxy's credit limit; the Root's minimum is ${formatTon(params.minEscrowReserve)})`,
                `  withdrawable  ${formatTon(deposit > reserve ? deposit - reserve : 0n)} once open (withdrawEscrow)`,
                `  close delay   ${formatDuration(params.clientCloseDelay)} (the Root's client close delay, learned at opening)`,
            ];
            if (demand) {
                const d = demand.demand;
                const allowed = (await ctx.root.read.models()).includes(d.model);
                lines.push(
                    `  demand        model ${demand.spec ?? formatHash(d.model)}${demand.spec ? ` (${formatHash(d.model)})` : ''}${allowed ? '' : ' (NOT allowed by the Root)'}`,
                    `                ${d.tokensPerDay} tokens a day, prompts of ${d.promptTokens} tokens, completions of ${d.completionTokens} (published in the EscrowOpened event for the proxy's planning; not stored)`,
                );
            }
            const proxyState = await ctx.proxy.read.state();
            const binding = await ctx.proxy.read.binding();
            if (proxyState.status !== STATUS_ACTIVE) lines.push(`WARNING: the proxy is ${statusName(proxyState.status)}, not active.`);
            else if (!proxyState.listed) lines.push("WARNING: the proxy is not listed in the Root's directory.");
            if (binding && Number(binding.expiresAt) <= now)
                lines.push(`WARNING: the proxy's attestation expired ${formatAt(binding.expiresAt, now)}.`);
            return lines;
        },
        refuse: async () => {
            if (ctx.deployed) {
                const s = await ctx.read.state();
                if (s.status !== ESCROW_NEW) {
                    return `this client's escrow with the proxy under this key exists already: it is ${escrowStatusName(s.status)}${statusDetail(s, now)} (a second OpenEscrow is refused with ${errorName(ERR_ESCROW_STATE)})${s.status === ESCROW_OPEN ? '; topUpEscrow adds to it' : ''}`;
                }
            }
            if (deposit < reserve)
                return `the deposit ${formatTon(deposit)} is below the reserve ${formatTon(reserve)} (the escrow refuses it with ${errorName(ERR_INSUFFICIENT_VALUE)}); deposit at least the reserve`;
            if (reserve < params.minEscrowReserve) {
                return `the reserve ${formatTon(reserve)} is below the Root's minimum ${formatTon(params.minEscrowReserve)}: the Root's answer would refuse the opening and the escrow would refund the deposit and close; pass --reserve of at least that`;
            }
            if ((await ctx.root.read.state()).paused)
                return 'the Root is paused: its answer would refuse the opening and the escrow would refund the deposit; open once it is unpaused';
            if (!standing.settles) {
                return `the TEE key ${formatHash(ctx.parties.teeKey)} is ${standing.text}: the proxy's Provider would not credit this escrow's charges (${errorName(ERR_NOT_OWN_ACCOUNT)}); open under the proxy's bound key (leave out --tee-key)`;
            }
            return undefined;
        },
        value,
        valueNote: `(the deposit ${formatTon(deposit)} plus ${formatTon(OPEN_OVERHEAD)} for the escrow's storage buffer, the Root query and gas)`,
        send: (via, queryId) =>
            ctx.contract.send(via, { value }, { $$type: 'OpenEscrow', queryId, reserve, demand: demand?.demand ?? null }),
        waitingFor: "the Root's answer to the opening",
        effect: async (sent) => {
            const read = ctx.fresh();
            const account = await read.account();
            if (account.state.type !== 'active') {
                if ((account.last?.lt ?? 0n) <= sent.lastLt) return undefined;
                throw new ScriptError(
                    "the Root refused the opening (the reserve below its minimum, or it is paused): the escrow refunded the deposit to the client and is gone (its EscrowClosed event says so). Run showRoot to see the Root's terms.",
                );
            }
            const s = await read.state();
            if (s.status !== ESCROW_OPEN) return undefined;
            return [
                `Escrow open: balance held ${formatTon(s.balanceHeld)}, reserve ${formatTon(s.reserve)}, withdrawable ${formatTon(withdrawable(s))}; close delay ${formatDuration(s.closeDelay)}.`,
                `export ESCROW_ADDRESS=${friendly(ctx.address, network)}`,
            ];
        },
        show: 'showEscrow',
    });
}
