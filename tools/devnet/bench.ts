/**
 * `npm run devnet:bench`: throughput and latency of the devnet through its HTTP API, as a client
 * sees them. Starts an in-memory devnet, then
 *   1. sends N transfers (signed v4r2 externals) from W wallets, each wallet's messages in seqno
 *      order, all wallets at once, and reports transactions per second (sendBoc returns once the
 *      message's whole chain is processed, so this is landed transactions, not accepted requests);
 *   2. calls a get method (the wallet's seqno) M times, one after another, and reports the
 *      latency's median, 95th percentile and maximum;
 *   3. does the same through @ton/ton's TonClient (JSON-RPC, zod validation on the client).
 *
 *   npm run devnet:bench -- [--transfers 400] [--wallets 8] [--calls 300]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { beginCell, external, internal, SendMode, storeMessage, toNano } from '@ton/core';
import { TonClient } from '@ton/ton';
import { startDevnet } from './server';

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function post(url: string, body: unknown) {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { ok: boolean; error?: string };
    if (!json.ok) throw new Error(`${res.status} ${json.error}`);
    return json;
}

async function main() {
    const { values } = parseArgs({
        options: { transfers: { type: 'string' }, wallets: { type: 'string' }, calls: { type: 'string' } },
        strict: true,
    });
    const transfers = Number(values.transfers ?? 400);
    const walletCount = Number(values.wallets ?? 8);
    const calls = Number(values.calls ?? 300);
    if (![transfers, walletCount, calls].every((n) => Number.isSafeInteger(n) && n > 0)) {
        console.error('devnet bench: --transfers, --wallets and --calls take positive whole numbers');
        process.exit(2);
    }
    const devnet = await startDevnet({ port: 0, stateDir: null, wallets: walletCount, holdMs: 2000 });
    try {
        const wallets = devnet.chain.wallets;
        const perWallet = Math.ceil(transfers / walletCount);
        const bocs: string[][] = wallets.map((w, i) =>
            Array.from({ length: perWallet }, (_, seqno) => {
                const body = w.contract.createTransfer({
                    seqno,
                    secretKey: w.keyPair.secretKey,
                    sendMode: SendMode.PAY_GAS_SEPARATELY,
                    timeout: devnet.chain.now() + 3600,
                    messages: [internal({ to: wallets[(i + 1) % wallets.length].address, value: toNano('0.01'), bounce: false })],
                });
                return beginCell()
                    .store(storeMessage(external({ to: w.address, body })))
                    .endCell()
                    .toBoc()
                    .toString('base64');
            }),
        );
        const rpcUrl = devnet.endpoint;
        const t0 = performance.now();
        await Promise.all(
            bocs.map(async (list) => {
                for (const boc of list) await post(rpcUrl, { id: 1, jsonrpc: '2.0', method: 'sendBoc', params: { boc } });
            }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const sent = perWallet * walletCount;
        // Each transfer is two transactions: the wallet's, and the receiving wallet's.
        const txCount = sent * 2;

        const target = wallets[0].address.toString();
        const latencies: number[] = [];
        for (let i = 0; i < calls; i++) {
            const s = performance.now();
            await post(rpcUrl, { id: 1, jsonrpc: '2.0', method: 'runGetMethod', params: { address: target, method: 'seqno', stack: [] } });
            latencies.push(performance.now() - s);
        }
        latencies.sort((a, b) => a - b);
        const tc = new TonClient({ endpoint: rpcUrl });
        const clientLat: number[] = [];
        for (let i = 0; i < calls; i++) {
            const s = performance.now();
            await tc.runMethod(wallets[0].address, 'seqno');
            clientLat.push(performance.now() - s);
        }
        clientLat.sort((a, b) => a - b);

        const ms = (v: number) => `${v.toFixed(2)} ms`;
        console.log(`devnet benchmark (node ${process.version}, in-memory chain)`);
        console.log(`  sendBoc: ${sent} transfers from ${walletCount} wallets in ${seconds.toFixed(2)} s`);
        console.log(`    ${(sent / seconds).toFixed(1)} messages/s, ${(txCount / seconds).toFixed(1)} transactions/s`);
        console.log(`  runGetMethod (seqno), ${calls} sequential calls over HTTP JSON-RPC:`);
        console.log(
            `    median ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(latencies[latencies.length - 1])}`,
        );
        console.log(`  the same through TonClient.runMethod:`);
        console.log(
            `    median ${ms(percentile(clientLat, 50))}, p95 ${ms(percentile(clientLat, 95))}, max ${ms(clientLat[clientLat.length - 1])}`,
        );
    } finally {
        await devnet.close();
    }
}

void main();
