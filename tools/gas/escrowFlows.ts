/**
 * Every flow of the job escrow, run once in a sandbox on the test fixture's deployment, with the
 * gas of the protocol's own contracts (Escrow, PayoutAccount, the proxy's Provider, the Root)
 * summed over the flow's transactions and the fees over the whole message chain. Used by the gas
 * snapshot (tests/gas/escrow.gas.spec.ts) and the benchmark (`npm run bench:escrow`, which prints the table from tests/gas/escrow.gas.spec.ts).
 *
 * Cocoon's figures for the same flows, measured in @ton/sandbox with their FunC and Tolk builds
 * (protocol contracts' gas summed), are the references the job-escrow issue sets.
 */
import { Address, toNano } from '@ton/core';
import { SendMessageResult } from '@ton/sandbox';
import { escrowFor, payoutAccountFor, submitChargeBody, submitPayoutBody, SUBMIT_VALUE } from '../../wrappers/Escrow';
import { KIND_CHARGE, KIND_PAYOUT, signVoucher, Voucher } from '../../wrappers/vouchers';
import { deployEnvironment, Env } from '../../tests/fixtures/environment';
import { activate, createNode, publicKeyInt } from '../../tests/helpers/provider';
import { Figures, measureContracts, Section } from './snapshot';

/** Cocoon's gas for the same flows: [FunC build, Tolk build]. */
export const COCOON_REFERENCE: Record<string, [number, number]> = {
    top_up: [22017, 17869],
    charge: [15937, 11549],
    payout: [22550, 17982],
    withdraw: [25462, 20522],
    unilateral_close: [39977, 31289],
};

export interface FlowRun {
    env: Env;
    flows: Section;
}

export async function runEscrowFlows(): Promise<FlowRun> {
    const env = await deployEnvironment();
    const flows: Section = {};
    const node = await createNode(env, 'proxy');
    await activate(env, node);
    const key = publicKeyInt(node.key);
    const client = await env.blockchain.treasury('bench-client');
    const worker = await env.blockchain.treasury('bench-worker');
    const escrow = env.blockchain.openContract(await escrowFor(env.root.address, node.provider.address, key, client.address));
    const account = env.blockchain.openContract(await payoutAccountFor(env.root.address, node.provider.address, key, worker.address, 0));
    const protocol: Address[] = [env.root.address, node.provider.address, escrow.address, account.address];
    const record = (name: string, ...results: SendMessageResult[]) => {
        if (flows[name]) throw new Error(`flow ${name} recorded twice`);
        const each: Figures[] = results.map((r) => measureContracts(r.transactions, protocol));
        flows[name] = { gas: each.reduce((a, f) => a + f.gas, 0), fees: each.reduce((a, f) => a + f.fees, 0) };
    };
    const charge = (v: Partial<Voucher>) =>
        submitChargeBody(
            signVoucher(
                { kind: KIND_CHARGE, account: escrow.address, seqno: 1n, tokens: 0n, amount: 0n, commission: 0n, final: false, ...v },
                node.key.secretKey,
            ),
        );
    const payout = (v: Partial<Voucher>) =>
        submitPayoutBody(
            signVoucher(
                { kind: KIND_PAYOUT, account: account.address, seqno: 1n, tokens: 0n, amount: 0n, commission: 0n, final: false, ...v },
                node.key.secretKey,
            ),
        );
    const proxySends = (to: Address, body: ReturnType<typeof charge>, init?: typeof account.init) =>
        node.owner.send({ to, value: SUBMIT_VALUE, body, init });

    record(
        'open',
        await escrow.send(
            client.getSender(),
            { value: toNano('20.11') },
            { $$type: 'OpenEscrow', queryId: 1n, reserve: toNano('1'), demand: null },
        ),
    );
    record('top_up', await escrow.send(client.getSender(), { value: toNano('5') }, { $$type: 'TopUp', queryId: 2n }));
    await proxySends(escrow.address, charge({ seqno: 1n, tokens: 1000n, amount: toNano('2') }));
    record('charge', await proxySends(escrow.address, charge({ seqno: 2n, tokens: 2500n, amount: toNano('5') })));
    record(
        'payout_first',
        await proxySends(
            account.address,
            payout({ seqno: 1n, tokens: 1000n, amount: toNano('1'), commission: toNano('0.2') }),
            account.init,
        ),
    );
    record(
        'payout',
        await proxySends(account.address, payout({ seqno: 2n, tokens: 2500n, amount: toNano('2.5'), commission: toNano('0.5') })),
    );
    record(
        'commission_withdraw',
        await node.provider.send(
            node.owner.getSender(),
            { value: toNano('0.05') },
            { $$type: 'WithdrawCommission', queryId: 3n, amount: toNano('0.5') },
        ),
    );
    record(
        'withdraw',
        await escrow.send(client.getSender(), { value: toNano('0.05') }, { $$type: 'WithdrawAvailable', queryId: 4n, amount: toNano('1') }),
    );
    const close = await escrow.send(client.getSender(), { value: toNano('0.05') }, { $$type: 'RequestClose', queryId: 5n });
    env.advance(Number((await escrow.getState()).closeDelay) + 1);
    record(
        'unilateral_close',
        close,
        await escrow.send(client.getSender(), { value: toNano('0.05') }, { $$type: 'FinalizeClose', queryId: 6n }),
    );

    // A second escrow for the cooperative close: the proxy's final voucher settles and refunds.
    const other = await env.blockchain.treasury('bench-client-2');
    const escrow2 = env.blockchain.openContract(await escrowFor(env.root.address, node.provider.address, key, other.address));
    protocol.push(escrow2.address);
    await escrow2.send(
        other.getSender(),
        { value: toNano('10.11') },
        { $$type: 'OpenEscrow', queryId: 1n, reserve: toNano('1'), demand: null },
    );
    const fin = submitChargeBody(
        signVoucher(
            { kind: KIND_CHARGE, account: escrow2.address, seqno: 1n, tokens: 700n, amount: toNano('3'), commission: 0n, final: true },
            node.key.secretKey,
        ),
    );
    record('cooperative_close', await proxySends(escrow2.address, fin));
    return { env, flows };
}
