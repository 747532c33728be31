/**
 * The devnet saves its chain to its state directory: a restart finds the deployed Root with its
 * state, its transactions and the clock where they were; --reset starts a fresh chain.
 */
import { rmSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { serializeTuple, toNano } from '@ton/core';
import { ExtendedRoot } from '../../wrappers/Root';
import { loadRootConfig } from '../../scripts/lib/config';
import { client, call, tempStateDir, testDevnet } from './helpers';

jest.setTimeout(60_000);

describe('devnet: state survives a restart', () => {
    const dir = tempStateDir();
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('restores the Root, its getters, the transaction history and the clock; --reset discards them', async () => {
        const first = await testDevnet({ stateDir: dir });
        const tc = client(first);
        const w = first.chain.wallets[0];
        const { init } = loadRootConfig('scripts/config/devnet.json', w.address);
        const root = await ExtendedRoot.fromRootInit(init);
        await tc.open(root).sendDeploy(tc.open(w.contract).sender(w.keyPair.secretKey), toNano('0.5'));
        await call(first, '/devnet/time/advance', { seconds: 7200 });
        const stateBefore = await first.chain.bc.runGetMethod(root.address, 'state');
        const accountBefore = await tc.getContractState(root.address);
        const txsBefore = await tc.getTransactions(root.address, { limit: 10 });
        const walletTxsBefore = await tc.getTransactions(w.address, { limit: 10 });
        const seqnoBefore = (await tc.getMasterchainInfo()).latestSeqno;
        const offsetBefore = first.chain.offset;
        await first.close();

        const second = await testDevnet({ stateDir: dir });
        try {
            const tc2 = client(second);
            expect(second.chain.restored).toBe(true);
            expect(await tc2.isContractDeployed(root.address)).toBe(true);
            const accountAfter = await tc2.getContractState(root.address);
            expect(accountAfter.balance).toBe(accountBefore.balance);
            expect(accountAfter.data?.equals(accountBefore.data!)).toBe(true);
            expect(accountAfter.lastTransaction).toEqual(accountBefore.lastTransaction);
            const stateAfter = await second.chain.bc.runGetMethod(root.address, 'state');
            expect(serializeTuple(stateAfter.stack).hash().toString('hex')).toBe(serializeTuple(stateBefore.stack).hash().toString('hex'));
            expect(await tc2.open(ExtendedRoot.fromAddress(root.address)).getConfigVersion()).toBe(0n);
            expect((await tc2.getTransactions(root.address, { limit: 10 })).map((t) => t.hash().toString('hex'))).toEqual(
                txsBefore.map((t) => t.hash().toString('hex')),
            );
            expect((await tc2.getTransactions(w.address, { limit: 10 })).map((t) => t.lt)).toEqual(walletTxsBefore.map((t) => t.lt));
            expect((await tc2.getMasterchainInfo()).latestSeqno).toBe(seqnoBefore);
            expect(second.chain.offset).toBe(offsetBefore);
            // The same wallets, and they still send (the seqno continued).
            expect(second.chain.wallets[0].address.equals(w.address)).toBe(true);
            expect(await tc2.open(w.contract).getSeqno()).toBe(1);
        } finally {
            await second.close();
        }

        const fresh = await testDevnet({ stateDir: dir, reset: true });
        try {
            expect(fresh.chain.restored).toBe(false);
            expect(await client(fresh).isContractDeployed(root.address)).toBe(false);
            expect(fresh.chain.offset).toBe(0);
        } finally {
            await fresh.close();
        }
    });

    it('drops transactions written after the last saved state, and names a broken state file', async () => {
        const d = tempStateDir();
        try {
            const a = await testDevnet({ stateDir: d, wallets: 1 });
            await call(a, '/devnet/faucet', { address: a.chain.wallets[0].address.toString(), amount: '1' });
            await a.close();
            const txFile = path.join(d, 'transactions.jsonl');
            const lines = readFileSync(txFile, 'utf8').trim().split('\n');
            // A transaction the state never saw (as after a crash between the two writes).
            const orphan = JSON.parse(lines[lines.length - 1]) as { a: string; b: number; t: string };
            const { Cell, loadTransaction } = await import('@ton/core');
            expect(loadTransaction(Cell.fromBase64(orphan.t).beginParse()).lt).toBeGreaterThan(0n);
            const state = JSON.parse(readFileSync(path.join(d, 'state.json'), 'utf8')) as { snapshot: { lt: string } };
            const ltBefore = BigInt(state.snapshot.lt);
            state.snapshot.lt = (ltBefore - 1000000n).toString();
            writeFileSync(path.join(d, 'state.json'), JSON.stringify(state));
            const b = await testDevnet({ stateDir: d, wallets: 1 });
            try {
                const kept = readFileSync(txFile, 'utf8').trim().split('\n').filter(Boolean);
                expect(kept.length).toBeLessThan(lines.length);
            } finally {
                await b.close();
            }
            writeFileSync(path.join(d, 'state.json'), '{not json');
            await expect(testDevnet({ stateDir: d })).rejects.toThrow(/is not a devnet state file .*--reset/);
            appendFileSync(path.join(d, 'state.json'), '');
        } finally {
            rmSync(d, { recursive: true, force: true });
        }
    });
});
