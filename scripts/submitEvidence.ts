/**
 * Submits equivocation evidence (anyone may: a client, a worker, anyone they showed the vouchers):
 * two conflicting vouchers signed by a proxy's TEE key, to that proxy's Provider. They conflict
 * when they are for the same account and kind and have the same seqno with different content, or
 * the later seqno has a lower cumulative value (relate in wrappers/vouchers.ts). The Provider
 * slashes the Root's equivocation fraction of its stake and unbonding stake, jails and delists
 * itself, stops settling for that key, pays the reporter its capped share (with what is left of
 * the value attached) and the treasury the rest. docs/contracts/slashing.md.
 *
 * Each voucher is its text encoding (encodeSignedVoucher, wrappers/vouchers.ts) or @<file> holding
 * it. The proxy is --proxy or PROXY_ADDRESS, or else the one voucher A's account names (an
 * escrow's or a payout account's parties getter). The script checks the pair as the Provider will
 * and refuses what it would refuse.
 *
 *     npx blueprint run submitEvidence --testnet --mnemonic -- @a.txt @b.txt
 */
import type { NetworkProvider } from '@ton/blueprint';
import { EVIDENCE_VALUE, evidenceBody, ROLE_PROXY } from '../wrappers/Provider';
import { kindName, relate } from '../wrappers/vouchers';
import { Cli } from './lib/args';
import { pollSettings } from './lib/chain';
import { voucherArg } from './lib/escrow';
import {
    describeRelation,
    evidenceRefusal,
    EVIDENCE_FLAGS,
    findAccused,
    keyLabel,
    payout,
    signerOf,
    slashOf,
    voucherLine,
} from './lib/evidence';
import { formatBps, formatHash, formatTon, friendly } from './lib/format';
import { runProviderAction, throwIfRefused } from './lib/providerAction';
import { directoryEntry, statusChange } from './lib/providerShow';
import { contractProvider } from './lib/reader';

export async function run(provider: NetworkProvider, args: string[]) {
    const cli = new Cli(args, {
        script: 'submitEvidence',
        args: ['voucherA: text|@file', 'voucherB: text|@file'],
        flags: EVIDENCE_FLAGS,
    });
    const a = voucherArg(cli, 'voucherA');
    const b = voucherArg(cli, 'voucherB');
    const [va, vb] = [a.voucher, b.voucher];
    const ctx = await findAccused(provider, cli, va);
    const { network } = ctx;
    const before = await ctx.read.state();
    const pool = await ctx.read.poolState();
    const terms = await ctx.read.payees();
    const signer = signerOf(pool, a, b);
    const { pollAttempts } = pollSettings(provider);
    const patience = Math.min(10, Math.floor(pollAttempts / 2));
    let waited = 0;

    await runProviderAction(ctx, cli, {
        authority: 'anyone',
        describe: async () => {
            const same = va.account.equals(vb.account);
            const lines = [
                `submit equivocation evidence against this proxy: two ${va.kind === vb.kind ? `${kindName(va.kind)} ` : ''}vouchers ${same ? `for ${friendly(va.account, network)}` : 'for two accounts'}`,
                `  A  ${voucherLine(va)}`,
                `  B  ${voucherLine(vb)}`,
                `${describeRelation(va, vb, relate(va, vb))}.`,
            ];
            if (signer.ok) lines.push(`Both signed by ${keyLabel(signer.key, signer.which)}.`);
            if (before.role !== ROLE_PROXY || !terms) return lines;
            const s = slashOf(before.stake, before.unbonding, terms);
            lines.push(
                `Expected slash, ${formatBps(terms.equivocationSlashBps)} of stake and of unbonding: ${formatTon(s.fromStake)} of the stake ${formatTon(before.stake)} + ${formatTon(s.fromUnbonding)} of the unbonding ${formatTon(before.unbonding)} = ${formatTon(s.amount)}`,
                `  stake ${formatTon(before.stake)} -> ${formatTon(before.stake - s.fromStake)}, unbonding ${formatTon(before.unbonding)} -> ${formatTon(before.unbonding - s.fromUnbonding)}`,
                `  reporter (the sender): min(${formatBps(terms.reporterShareBps)} of the slash = ${formatTon(s.share)}, cap ${formatTon(terms.reporterRewardCap)}) = ${formatTon(s.reward)}, with what is left of the ${formatTon(EVIDENCE_VALUE)} attached`,
                `  treasury ${friendly(terms.treasury, network)}: the rest, ${formatTon(s.toTreasury)}`,
                `Then the Provider is jailed${before.listed ? " and delisted from the Root's proxy directory" : ''}; ${signer.ok ? `the key ${formatHash(signer.key)}` : 'the key'} settles no more here (charges and payouts of its escrows and payout accounts are refused; clients close unilaterally) and cannot be bound again.`,
            );
            const params = await ctx.root.read.params();
            if (
                params.equivocationSlashBps !== terms.equivocationSlashBps ||
                params.reporterShareBps !== terms.reporterShareBps ||
                params.reporterRewardCap !== terms.reporterRewardCap ||
                !params.treasury.equals(terms.treasury)
            ) {
                lines.push(
                    `(The Root's terms are now ${formatBps(params.equivocationSlashBps)} slashed, ${formatBps(params.reporterShareBps)} to the reporter up to ${formatTon(params.reporterRewardCap)}, treasury ${friendly(params.treasury, network)}; the Provider applies the terms above until a re-check.)`,
                );
            }
            return lines;
        },
        refuse: async () => evidenceRefusal(before, pool, a, b, terms),
        value: EVIDENCE_VALUE,
        send: (_contract, via, queryId) =>
            contractProvider(provider, ctx.address).internal(via, {
                value: EVIDENCE_VALUE,
                bounce: true,
                body: evidenceBody(a, b, queryId),
            }),
        waitingFor: 'the Provider to slash and jail itself',
        effect: async (read, _ctx, sent) => {
            const after = await read.state();
            if (after.slashes <= before.slashes) return undefined;
            // Someone else's evidence may have jailed it first: then this message bounced.
            await throwIfRefused(ctx, sent);
            let listing: string;
            if (await directoryEntry(ctx)) {
                if (waited++ < patience) return undefined;
                listing = "The Root's directory still lists this Provider: the delisting is on its way (showProvider shows it).";
            } else {
                listing = before.listed ? "Delisted: no longer in the Root's proxy directory." : "Not in the Root's proxy directory.";
            }
            const payees = (await read.payees()) ?? terms!;
            const s = payout(before.stake - after.stake, before.unbonding - after.unbonding, payees);
            return [
                `Slashed ${formatTon(s.amount)}: stake ${formatTon(before.stake)} -> ${formatTon(after.stake)}, unbonding ${formatTon(before.unbonding)} -> ${formatTon(after.unbonding)}.`,
                statusChange(before, after),
                `Slashes: ${before.slashes} -> ${after.slashes}.`,
                `The reporter got ${formatTon(s.reward)} with what was left of the value; the treasury ${friendly(payees.treasury, network)} got ${formatTon(s.toTreasury)}.`,
                `Convicted key: ${formatHash(payees.convictedKey)}: it settles no more here and cannot be bound again.`,
                listing,
            ];
        },
    });
}
