/**
 * RA-TLS between two local processes: the peer process (ratls/peer.ts) serves, or connects with,
 * one identity per scenario of the matrix (ratls/scenarios.ts); this process verifies it with the
 * same helpers. With simulated quotes under the test policy the good identity connects both ways
 * and its identity (image hash, TEE key, root) reaches the caller; every defect is refused with its
 * own named reason, whichever side verifies.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AttestationError } from '../../worker/src/attestation/errors';
import { TEST_ROOT_HASH } from '../../worker/src/attestation/roots';
import { QuoteVerifier } from '../../worker/src/attestation/verify';
import { buildCertificate, KEY_USAGE, nameDer } from '../../worker/src/attestation/x509';
import { randomP256, SimulatedQuoteProvider } from '../../worker/src/attestation/simulated';
import { createRaTlsIdentity, RaTlsIdentity } from '../../worker/src/ratls/cert';
import { connectRaTls, createRaTlsServer, RaTlsServer, verifyRaTlsCertificate } from '../../worker/src/ratls/tls';
import { GOOD_IMAGE, policyFor, productionPolicy, ROOT_ADDRESS, SCENARIOS, TEE_KEY, testPolicy } from './ratls/scenarios';

const REPO = join(__dirname, '../..');
const PEER = join(__dirname, 'ratls/peer.ts');

type Line = Record<string, unknown>;

function startPeer(args: string[]): {
    child: ChildProcessWithoutNullStreams;
    lines: Line[];
    next: (pred: (l: Line) => boolean) => Promise<Line>;
    exited: Promise<number | null>;
} {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', PEER, ...args], { cwd: REPO, stdio: 'pipe' });
    const lines: Line[] = [];
    const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (text) => {
        const l = JSON.parse(text) as Line;
        lines.push(l);
        for (const w of waiters.filter((w) => w.pred(l))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(l);
        }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const next = (pred: (l: Line) => boolean) =>
        new Promise<Line>((resolve, reject) => {
            const seen = lines.find(pred);
            if (seen) return resolve(seen);
            waiters.push({ pred, resolve });
            exited.then((code) => reject(new Error(`peer exited (${code}) before the expected line; stderr:\n${stderr}`)));
        });
    return { child, lines, next, exited };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return 'ok';
    } catch (e) {
        if (e instanceof AttestationError) return e.code;
        throw e;
    }
}

const bad = Object.entries(SCENARIOS).filter(([, s]) => s.expect !== 'ok');

it('the matrix names a distinct reason for every defect', () => {
    const codes = bad.map(([, s]) => s.expect);
    expect(new Set(codes).size).toBe(codes.length);
});

describe('RA-TLS between two processes', () => {
    let client: RaTlsIdentity;
    beforeAll(async () => {
        client = await createRaTlsIdentity({
            provider: new SimulatedQuoteProvider(),
            teePublicKey: Buffer.alloc(32, 0x11),
            rootAddress: ROOT_ADDRESS,
        });
    });

    it('a client here verifies servers in the peer process: the good one connects, each defect is refused with its reason', async () => {
        const peer = startPeer(['serve']);
        try {
            const ports = (await peer.next((l) => 'ports' in l)).ports as Record<string, number>;
            for (const [name, s] of Object.entries(SCENARIOS)) {
                const attempt = connectRaTls({
                    host: '127.0.0.1',
                    port: ports[name],
                    identity: client,
                    verifier: new QuoteVerifier(),
                    policy: policyFor(s),
                });
                if (s.expect !== 'ok') {
                    expect([name, await codeOf(attempt)]).toEqual([name, s.expect]);
                    continue;
                }
                const { socket, peer: id } = await attempt;
                expect(id.imageHash).toBe(GOOD_IMAGE);
                expect(id.teePublicKey.equals(TEE_KEY)).toBe(true);
                expect(id.attestationRoot).toBe(TEST_ROOT_HASH);
                const echo = await new Promise<string>((resolve) => {
                    socket.once('data', (d) => resolve(d.toString()));
                    socket.write('hello over RA-TLS');
                });
                expect(echo).toBe('hello over RA-TLS');
                socket.destroy();
            }
        } finally {
            peer.child.stdin.end();
            await peer.exited;
        }
    });

    it('a server here verifies clients from the peer process: the good one is served, each defect is refused with its reason', async () => {
        const serverIdentity = await createRaTlsIdentity({
            provider: new SimulatedQuoteProvider(),
            teePublicKey: Buffer.alloc(32, 0x22),
            rootAddress: ROOT_ADDRESS,
        });
        const seen: { policy: string; outcome: string; tee?: string }[] = [];
        const servers: RaTlsServer[] = [];
        const start = async (policy: 'test' | 'production') => {
            const server = createRaTlsServer(
                { identity: serverIdentity, verifier: new QuoteVerifier(), policy: policy === 'test' ? testPolicy() : productionPolicy() },
                (socket, peer) => {
                    seen.push({ policy, outcome: 'ok', tee: peer!.teePublicKey.toString('hex') });
                    socket.on('data', (d) => socket.write(d));
                    socket.on('error', () => undefined);
                },
            );
            server.on('refused', (e: unknown) => seen.push({ policy, outcome: e instanceof AttestationError ? e.code : String(e) }));
            servers.push(server);
            return server.listen(0);
        };
        const [testPort, productionPort] = [await start('test'), await start('production')];
        const peer = startPeer(['connect', String(testPort), String(productionPort)]);
        expect(await peer.exited).toBe(0);
        await Promise.all(servers.map((s) => s.close()));

        const results = Object.fromEntries(peer.lines.map((l) => [l.scenario as string, l.echoed]));
        expect(results).toEqual(Object.fromEntries(Object.entries(SCENARIOS).map(([name, s]) => [name, s.expect === 'ok'])));
        // The peer connected in scenario order, one at a time, so the servers saw them in that order.
        expect(seen).toEqual(
            Object.values(SCENARIOS).map((s) =>
                s.expect === 'ok'
                    ? { policy: s.policy, outcome: 'ok', tee: TEE_KEY.toString('hex') }
                    : { policy: s.policy, outcome: s.expect },
            ),
        );
    });
});

describe('RA-TLS certificates, in process', () => {
    it('every scenario verifies or fails as the matrix says without a socket too', async () => {
        for (const [name, s] of Object.entries(SCENARIOS)) {
            const id = await s.make();
            const code = await codeOf(verifyRaTlsCertificate(id.cert, { verifier: new QuoteVerifier(), policy: policyFor(s) }));
            expect([name, code]).toEqual([name, s.expect]);
        }
    });

    it('a certificate without the quote extension is RATLS_CERT_INVALID, and so is one not self-signed', async () => {
        const key = randomP256();
        const other = randomP256();
        const name = nameDer('plain');
        const plain = (signer = key) =>
            buildCertificate({
                serial: 7n,
                issuer: name,
                subject: name,
                notBefore: new Date('2025-01-01'),
                notAfter: new Date('2035-01-01'),
                spki: key.spki,
                keyUsage: [KEY_USAGE.digitalSignature],
                signer: signer.privateKey,
            });
        const opts = { verifier: new QuoteVerifier(), policy: testPolicy() };
        expect(await codeOf(verifyRaTlsCertificate(plain(), opts))).toBe('RATLS_CERT_INVALID');
        expect(await codeOf(verifyRaTlsCertificate(plain(other), opts))).toBe('RATLS_CERT_INVALID');
        expect(await codeOf(verifyRaTlsCertificate(Buffer.from('not a certificate'), opts))).toBe('RATLS_CERT_INVALID');
    });

    it('a server that requires attestation refuses a client without a certificate (RATLS_NO_PEER_CERT)', async () => {
        const provider = new SimulatedQuoteProvider();
        const identity = await createRaTlsIdentity({ provider, teePublicKey: TEE_KEY, rootAddress: ROOT_ADDRESS });
        const server = createRaTlsServer({ identity, verifier: new QuoteVerifier(), policy: testPolicy() }, () => {
            throw new Error('must not be served');
        });
        const refused = new Promise<string>((resolve) => server.on('refused', (e: AttestationError) => resolve(e.code)));
        const port = await server.listen(0);
        const { socket, peer } = await connectRaTls({ host: '127.0.0.1', port, verifier: new QuoteVerifier(), policy: testPolicy() });
        expect(peer.teePublicKey.equals(TEE_KEY)).toBe(true);
        expect(await refused).toBe('RATLS_NO_PEER_CERT');
        socket.destroy();
        await server.close();
    });

    it('a server without client attestation serves a plain TLS client and still proves itself to it', async () => {
        const identity = await createRaTlsIdentity({
            provider: new SimulatedQuoteProvider(),
            teePublicKey: TEE_KEY,
            rootAddress: ROOT_ADDRESS,
        });
        const server = createRaTlsServer(
            { identity, verifier: new QuoteVerifier(), policy: testPolicy(), requireClientAttestation: false },
            (socket, peer) => {
                expect(peer).toBeUndefined();
                socket.end('served');
            },
        );
        const port = await server.listen(0);
        const { socket, peer } = await connectRaTls({ host: '127.0.0.1', port, verifier: new QuoteVerifier(), policy: testPolicy() });
        expect(peer.imageHash).toBe(GOOD_IMAGE);
        const data = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
        expect(data).toBe('served');
        socket.destroy();
        await server.close();
    });
});
