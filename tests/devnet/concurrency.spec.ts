/**
 * 100 sendBoc calls at once: ten wallets, ten messages each with seqnos 0..9, fired together in a
 * shuffled order (the seed is printed; DEVNET_SEED=<n> replays it). Every call succeeds, every
 * message lands exactly once, and each wallet's messages land in seqno order.
 */
import { Cell, loadTransaction, toNano } from '@ton/core';
import { TonClient } from '@ton/ton';
import { RunningDevnet } from '../../tools/devnet/server';
import { client, rpc, testDevnet, transferBoc } from './helpers';
import { mulberry32, seedFrom } from '../helpers/random';

jest.setTimeout(120_000);

describe('devnet: concurrent sendBoc', () => {
    let devnet: RunningDevnet;
    let tc: TonClient;
    beforeAll(async () => {
        // A generous hold: on a loaded machine the 100 emulations can take longer than the 2 s default,
        // and this test is about order and loss, not speed (devnet:bench measures that).
        devnet = await testDevnet({ wallets: 10, holdMs: 15_000 });
        tc = client(devnet);
    });
    afterAll(async () => {
        await devnet.close();
    });

    it('100 concurrent sends from 10 wallets all land, in seqno order per wallet, nothing lost', async () => {
        const random = mulberry32(seedFrom('DEVNET_SEED', 'devnet concurrency'));
        const wallets = devnet.chain.wallets;
        const sink = wallets[0].address; // every message pays wallet 0 a distinct amount
        const sends: { wallet: number; seqno: number; boc: string; amount: bigint }[] = [];
        for (let w = 1; w < wallets.length; w++) {
            for (let seqno = 0; seqno < 10; seqno++) {
                const amount = toNano('0.001') * BigInt(w * 100 + seqno + 1);
                sends.push({ wallet: w, seqno, amount, boc: transferBoc(wallets[w], seqno, [{ to: sink, value: amount }]) });
            }
        }
        // Wallet 0 sends ten too, to wallet 1.
        for (let seqno = 0; seqno < 10; seqno++) {
            const amount = toNano('0.002') * BigInt(seqno + 1);
            sends.push({ wallet: 0, seqno, amount, boc: transferBoc(wallets[0], seqno, [{ to: wallets[1].address, value: amount }]) });
        }
        expect(sends).toHaveLength(100);
        for (let i = sends.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [sends[i], sends[j]] = [sends[j], sends[i]];
        }
        const blockBefore = devnet.chain.seqno;

        const results = await Promise.all(sends.map((s) => rpc(devnet, 'sendBoc', { boc: s.boc })));
        const failed = results.map((r, i) => ({ r, s: sends[i] })).filter(({ r }) => r.status !== 200);
        expect(failed.map(({ r, s }) => `wallet ${s.wallet} seqno ${s.seqno}: ${JSON.stringify(r.json)}`)).toEqual([]);
        expect(devnet.chain.seqno - blockBefore).toBe(100);

        for (let w = 0; w < wallets.length; w++) {
            expect(await tc.open(wallets[w].contract).getSeqno()).toBe(10);
            const txs = (await tc.getTransactions(wallets[w].address, { limit: 100 }))
                .filter((t) => t.inMessage?.info.type === 'external-in')
                .reverse();
            expect(txs).toHaveLength(10);
            // Each transaction's external carried the next seqno: read it back from the message body
            // (signature 512 bits, subwallet 32, valid_until 32, then the seqno).
            const seqnos = txs.map((t) => {
                const s = t.inMessage!.body.beginParse();
                s.skip(512 + 32 + 32);
                return s.loadUint(32);
            });
            expect(seqnos).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
            for (const t of txs) {
                const d = t.description;
                expect(d.type === 'generic' && d.computePhase.type === 'vm' && d.computePhase.success).toBe(true);
            }
        }
        // Every payment arrived once: the sink's inbound internal values are exactly the amounts sent.
        const sinkIn = devnet.chain
            .transactionsOf(sink)
            .map((r) => loadTransaction(Cell.fromBoc(r.boc)[0].beginParse()))
            .filter((t) => t.inMessage?.info.type === 'internal')
            .map((t) => (t.inMessage!.info as { value: { coins: bigint } }).value.coins)
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const expected = sends
            .filter((s) => s.wallet !== 0)
            .map((s) => s.amount)
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(sinkIn).toEqual(expected);
    });
});
