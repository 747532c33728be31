/**
 * RA-TLS on node:tls. Both helpers run an ordinary TLS 1.3 handshake with the RA-TLS certificate
 * (cert.ts), then, before a single application byte is handed over, verify the peer's certificate:
 * the quote against the policy (verify.ts, runtime.ts) with the report data recomputed from the
 * certificate's key, the TEE key it names and the policy's Root address. The handshake has already
 * proved that the peer holds the certificate's private key; the quote proves the key was made inside
 * an allowed image under an allowed root.
 *
 * node's own certificate validation is switched off (rejectUnauthorized: false) because these
 * certificates are self-signed by design; the attestation check replaces it and runs on every
 * connection, and a refused peer's socket is destroyed.
 *
 * The verified identity (image hash, TEE key, attestation root, TCB status) goes to the caller,
 * who typically checks the TEE key against the peer's Provider binding on chain.
 */
import { EventEmitter } from 'node:events';
import * as tls from 'node:tls';
import { Collateral } from '../attestation/collateral';
import { AttestationError } from '../attestation/errors';
import { ChainPolicy } from '../attestation/runtime';
import { QuoteVerifier, VerifiedQuote } from '../attestation/verify';
import { raTlsReportData, RaTlsIdentity, readRaTlsCertificate } from './cert';

export interface PeerIdentity {
    imageHash: bigint;
    teePublicKey: Buffer;
    /** Attestation root hash of the quote's chain. */
    attestationRoot: bigint;
    tcbStatus?: string;
    /** DER SubjectPublicKeyInfo of the peer's TLS key. */
    tlsSpki: Buffer;
    quote: VerifiedQuote;
}

export interface RaTlsVerifyOptions {
    verifier: QuoteVerifier;
    policy: ChainPolicy;
    /** The verification time; now unless given. */
    now?: () => Date;
    /** Collateral for a peer's quote, when the caller has some (fetched from a PCCS, cached). */
    collateralFor?: (quote: Buffer) => Promise<Collateral | undefined> | Collateral | undefined;
}

/** Verifies a peer's RA-TLS certificate (DER); throws AttestationError with the reason. */
export async function verifyRaTlsCertificate(certDer: Buffer, o: RaTlsVerifyOptions): Promise<PeerIdentity> {
    const { cert, quote, teePublicKey } = readRaTlsCertificate(certDer);
    const expected = raTlsReportData(cert.spki, teePublicKey, o.policy.rootAddress);
    const collateral = o.collateralFor ? await o.collateralFor(quote) : undefined;
    const v = o.verifier.verify(quote, o.policy, expected, { at: o.now?.(), collateral });
    return { imageHash: v.imageHash, teePublicKey, attestationRoot: v.rootKeyHash, tcbStatus: v.tcb?.status, tlsSpki: cert.spki, quote: v };
}

function peerCertificate(socket: tls.TLSSocket): Buffer {
    const x = socket.getPeerX509Certificate();
    if (!x) throw new AttestationError('RATLS_NO_PEER_CERT', 'the peer presented no certificate');
    return x.raw;
}

const TLS_BASE = { minVersion: 'TLSv1.3', rejectUnauthorized: false } as const;

export interface RaTlsServerOptions extends RaTlsVerifyOptions {
    identity: RaTlsIdentity;
    /** Require and verify the client's RA-TLS certificate (worker <-> proxy); true unless given. */
    requireClientAttestation?: boolean;
}

export interface RaTlsServer extends EventEmitter {
    readonly server: tls.Server;
    listen(port: number, host?: string): Promise<number>;
    close(): Promise<void>;
}

/**
 * A TLS server presenting `identity`. `onPeer` gets each connection whose client passed
 * attestation (or every connection, with the identity undefined, when client attestation is not
 * required). Refused clients are reported as 'refused' events (error, socket) and disconnected.
 */
export function createRaTlsServer(
    o: RaTlsServerOptions,
    onPeer: (socket: tls.TLSSocket, peer: PeerIdentity | undefined) => void,
): RaTlsServer {
    const requireClient = o.requireClientAttestation !== false;
    const events = new EventEmitter();
    const server = tls.createServer({ ...TLS_BASE, key: o.identity.keyPem, cert: o.identity.certPem, requestCert: requireClient });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
        if (!requireClient) return onPeer(socket, undefined);
        // Until the caller has the socket, a reset by the client must not be an unhandled 'error'.
        const ignore = () => undefined;
        socket.on('error', ignore);
        socket.pause();
        (async () => verifyRaTlsCertificate(peerCertificate(socket), o))().then(
            (peer) => {
                socket.off('error', ignore);
                onPeer(socket, peer);
                socket.resume();
            },
            (e: unknown) => {
                socket.destroy();
                events.emit('refused', e, socket);
            },
        );
    });
    server.on('tlsClientError', (e) => events.emit('tlsClientError', e));
    return Object.assign(events, {
        server,
        listen: (port: number, host = '127.0.0.1') =>
            new Promise<number>((resolve, reject) => {
                server.once('error', reject);
                server.listen(port, host, () => resolve((server.address() as { port: number }).port));
            }),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    });
}

export interface RaTlsConnectOptions extends RaTlsVerifyOptions {
    host: string;
    port: number;
    /** Our own RA-TLS identity, for servers that require client attestation. */
    identity?: RaTlsIdentity;
    timeoutMs?: number;
}

/**
 * Connects, verifies the server's RA-TLS certificate, and only then returns the socket (flowing,
 * with no 'error' listener of ours left: the caller adds its own).
 */
export function connectRaTls(o: RaTlsConnectOptions): Promise<{ socket: tls.TLSSocket; peer: PeerIdentity }> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            ...TLS_BASE,
            host: o.host,
            port: o.port,
            ...(o.identity ? { key: o.identity.keyPem, cert: o.identity.certPem } : {}),
        });
        const timer = setTimeout(
            () => socket.destroy(new Error(`RA-TLS connection to ${o.host}:${o.port} timed out`)),
            o.timeoutMs ?? 10_000,
        );
        const fail = (e: unknown) => {
            clearTimeout(timer);
            socket.destroy();
            reject(e);
        };
        socket.once('error', fail);
        socket.once('secureConnect', () => {
            socket.pause();
            (async () => verifyRaTlsCertificate(peerCertificate(socket), o))().then((peer) => {
                clearTimeout(timer);
                socket.off('error', fail);
                socket.resume();
                resolve({ socket, peer });
            }, fail);
        });
    });
}
