/**
 * Timings of the attestation toolkit, printed, never asserted (tests must not depend on the
 * machine's speed):
 *
 *     npx ts-node --transpile-only tools/attest/bench.ts [iterations]
 *
 * Verification of the public sample cold (a new verifier: every certificate, CRL and signature),
 * with the PCK chain and collateral already verified (another quote from the same platform), and
 * from the quote cache; a simulated quote; an RA-TLS identity; an RA-TLS connection on loopback
 * (handshake plus both peers' verification).
 */
import { Address } from '@ton/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCollateral } from '../../worker/src/attestation/collateral';
import { imageHash } from '../../worker/src/attestation/imageHash';
import { parseQuote } from '../../worker/src/attestation/quote';
import { TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { ChainPolicy } from '../../worker/src/attestation/runtime';
import { SIMULATED_REGISTERS, SimulatedAttestor, SimulatedQuoteProvider } from '../../worker/src/attestation/simulated';
import { QuoteVerifier } from '../../worker/src/attestation/verify';
import { createRaTlsIdentity } from '../../worker/src/ratls/cert';
import { connectRaTls, createRaTlsServer } from '../../worker/src/ratls/tls';

const N = Number(process.argv[2] ?? 200);
const DIR = join(__dirname, '../../tests/fixtures/tdx');
const SAMPLE = readFileSync(join(DIR, 'sample-tdx-quote-v4.bin'));
const COLLATERAL = parseCollateral(readFileSync(join(DIR, 'sample-tdx-quote-v4.collateral.json'), 'utf8'));
const AT = new Date('2025-07-01T00:00:00Z');

function time(label: string, n: number, f: (i: number) => void): void {
    for (let i = 0; i < Math.min(10, n); i++) f(i); // warm up the JIT
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f(i);
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    console.log(`${label.padEnd(72)} ${us >= 1000 ? (us / 1000).toFixed(2) + ' ms' : us.toFixed(1) + ' µs'} per op (${n} ops)`);
}

async function timeAsync(label: string, n: number, f: () => Promise<void>): Promise<void> {
    for (let i = 0; i < Math.min(5, n); i++) await f();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await f();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
    console.log(`${label.padEnd(72)} ${ms.toFixed(2)} ms per op (${n} ops)`);
}

async function main() {
    console.log(`node ${process.version}, ${process.arch}`);
    time('parse the sample quote', N * 10, () => parseQuote(SAMPLE));
    time('verify the sample, cold, no collateral', N, () => new QuoteVerifier().verifyEvidence(SAMPLE, { at: AT }));
    time('verify the sample, cold, with collateral (TCB info, QE identity, CRLs)', N, () =>
        new QuoteVerifier().verifyEvidence(SAMPLE, { at: AT, collateral: COLLATERAL }),
    );
    // Another quote from the same platform: different bytes (here: one more byte of padding), same
    // PCK chain and collateral, so only the quote's own signatures are checked.
    const warm = new QuoteVerifier();
    warm.verifyEvidence(SAMPLE, { at: AT, collateral: COLLATERAL });
    let padding = 0;
    time('verify a new quote, chain and collateral already verified', N * 5, () =>
        warm.verifyEvidence(Buffer.concat([SAMPLE, Buffer.alloc(++padding)]), { at: AT, collateral: COLLATERAL }),
    );
    time('verify the same quote again (cache hit; time and policy rechecked)', N * 20, () =>
        warm.verifyEvidence(SAMPLE, { at: AT, collateral: COLLATERAL }),
    );

    const attestor = new SimulatedAttestor();
    time('make a simulated quote (v4)', N, () => attestor.quote({ reportData: Buffer.alloc(64) }));

    const rootAddress = Address.parse('0:' + '11'.repeat(32));
    const provider = new SimulatedQuoteProvider(attestor);
    await timeAsync('make an RA-TLS identity (key, simulated quote, certificate)', N, async () => {
        await createRaTlsIdentity({ provider, teePublicKey: Buffer.alloc(32, 1), rootAddress });
    });
    const policy: ChainPolicy = {
        isTest: true,
        rootAddress,
        trustedRoots: new Set([TEST_ROOT_HASH]),
        allowedImages: new Set([imageHash(SIMULATED_REGISTERS)]),
    };
    const server = createRaTlsServer(
        {
            identity: await createRaTlsIdentity({ provider, teePublicKey: Buffer.alloc(32, 2), rootAddress }),
            verifier: new QuoteVerifier(),
            policy,
        },
        (socket) => socket.end('x'),
    );
    const port = await server.listen(0);
    const client = await createRaTlsIdentity({ provider, teePublicKey: Buffer.alloc(32, 3), rootAddress });
    await timeAsync('RA-TLS connection on loopback, mutual, fresh verifiers', Math.max(20, N / 4), async () => {
        const { socket } = await connectRaTls({ host: '127.0.0.1', port, identity: client, verifier: new QuoteVerifier(), policy });
        await new Promise((r) => socket.once('close', r));
    });
    await server.close();
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
