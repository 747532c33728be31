/**
 * The other process of the RA-TLS test (tests/attestation/ratls.spec.ts), run as
 *
 *     node -r ts-node/register/transpile-only tests/attestation/ratls/peer.ts serve
 *     node -r ts-node/register/transpile-only tests/attestation/ratls/peer.ts connect <testPort> <productionPort>
 *
 * `serve`: one RA-TLS echo server per scenario (scenarios.ts), each presenting that scenario's
 * identity and requiring an attested client under the test policy; prints {"ports": {...}} once all
 * listen, and runs until stdin closes.
 *
 * `connect`: for each scenario in turn, connects to the spec's server (the production-policy one for
 * the scenario that needs it) with that scenario's identity, sends "ping <scenario>", and prints
 * {"scenario", "echoed"} once the echo arrives or the server hangs up.
 */
import { QuoteVerifier } from '../../../worker/src/attestation/verify';
import { connectRaTls, createRaTlsServer, RaTlsServer } from '../../../worker/src/ratls/tls';
import { SCENARIOS, testPolicy } from './scenarios';

const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

async function serve() {
    const ports: Record<string, number> = {};
    const servers: RaTlsServer[] = [];
    for (const [name, s] of Object.entries(SCENARIOS)) {
        const server = createRaTlsServer({ identity: await s.make(), verifier: new QuoteVerifier(), policy: testPolicy() }, (socket) => {
            socket.on('data', (d) => socket.write(d));
            socket.on('error', () => undefined);
        });
        server.on('refused', (e: Error) => print({ refused: name, reason: e.message }));
        ports[name] = await server.listen(0);
        servers.push(server);
    }
    print({ ports });
    process.stdin.resume();
    process.stdin.on('end', () => Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
}

async function connect(testPort: number, productionPort: number) {
    for (const [name, s] of Object.entries(SCENARIOS)) {
        const port = s.policy === 'production' ? productionPort : testPort;
        // The spec's servers present a good identity: this side verifies them under the test policy.
        const { socket } = await connectRaTls({
            host: '127.0.0.1',
            port,
            identity: await s.make(),
            verifier: new QuoteVerifier(),
            policy: testPolicy(),
        });
        const echoed = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), 5000);
            socket.on('data', () => {
                clearTimeout(timer);
                resolve(true);
            });
            socket.on('close', () => {
                clearTimeout(timer);
                resolve(false);
            });
            socket.on('error', () => undefined);
            socket.write(`ping ${name}`);
        });
        socket.destroy();
        print({ scenario: name, echoed });
    }
}

const [mode, a, b] = process.argv.slice(2);
(mode === 'serve' ? serve() : mode === 'connect' ? connect(Number(a), Number(b)) : Promise.reject(new Error(`unknown mode ${mode}`))).catch(
    (e) => {
        process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
        process.exit(1);
    },
);
