/**
 * The devnet's HTTP server: toncenter v2 over a DevnetChain.
 *
 *   POST /api/v2/jsonRPC (also /jsonRPC)   JSON-RPC: {"id", "jsonrpc": "2.0", "method", "params"}
 *   GET  /api/v2/<method>?param=...        REST reads
 *   POST /api/v2/<method>  {json params}   REST writes (sendBoc, estimateFee, runGetMethod, ...)
 *   GET  /devnet/info                      wallets, faucet, chain time, whether admin is on
 *   POST /devnet/faucet {address, amount}  funds any address (amount in TON, or amount_nano)
 *   POST /devnet/time/advance {seconds}    moves chain time forward; admin only
 *   GET  /healthcheck                      "OK"
 *
 * Every answer is JSON: `{"ok": true, "result": ...}` or `{"ok": false, "error": ..., "code": ...}`
 * with that HTTP status, and JSON-RPC answers carry `jsonrpc` and `id` besides. A bad request
 * never stops the server.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Address, fromNano, toNano } from '@ton/core';
import { ChainOptions, DevnetChain } from './chain';
import { DevnetError } from './errors';
import { Params, parseAddress, toncenterMethod } from './toncenter';
import { WALLET_VERSION } from './wallets';

export interface DevnetOptions extends ChainOptions {
    /** Port to listen on; 0 picks a free one (default 8081). */
    port?: number;
    /** Interface to listen on (default 127.0.0.1). */
    host?: string;
    /** Enables /devnet/time/advance. Off unless asked for: tests ask for it. */
    admin?: boolean;
}

export interface RunningDevnet {
    chain: DevnetChain;
    server: Server;
    /** Base URL, e.g. http://127.0.0.1:8081 */
    url: string;
    /** The toncenter JSON-RPC endpoint for TonClient and blueprint's --custom. */
    endpoint: string;
    close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}

function errorBody(e: unknown): { status: number; body: { ok: false; error: string; code: number } } {
    if (e instanceof DevnetError) return { status: e.status, body: { ok: false, error: e.message, code: e.status } };
    const message = (e as Error)?.message ?? String(e);
    return { status: 503, body: { ok: false, error: message, code: 503 } };
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on('data', (chunk: Buffer) => {
            if (tooLarge) return; // drain the rest, so the 413 can still be sent
            size += chunk.length;
            if (size > MAX_BODY) {
                tooLarge = true;
                chunks.length = 0;
                reject(new DevnetError(413, `request body larger than ${MAX_BODY} bytes`));
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}

function parseJsonObject(text: string): Params {
    if (text.trim() === '') return {};
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new DevnetError(422, `Validation error: the body is not JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DevnetError(422, 'Validation error: the body must be a JSON object');
    }
    return value as Params;
}

/** The faucet's amount: `amount` in TON ("10", "1.5"), or `amount_nano` in nanoton; 1000 TON if neither. */
function parseAmount(body: Params): bigint {
    if (body.amount !== undefined && body.amount_nano !== undefined)
        throw new DevnetError(400, 'give amount (TON) or amount_nano, not both');
    if (body.amount_nano !== undefined) {
        const raw = body.amount_nano;
        if ((typeof raw === 'string' && /^\d+$/.test(raw)) || (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0))
            return BigInt(raw);
        throw new DevnetError(400, 'amount_nano must be a whole number of nanoton');
    }
    const raw = body.amount ?? '1000';
    const text = typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? String(raw) : raw;
    if (typeof text === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(text)) return toNano(text);
    throw new DevnetError(400, 'amount must be a TON amount like "10" or "1.5" (at most 9 decimals)');
}

export function devnetInfo(chain: DevnetChain, admin: boolean) {
    return {
        chain_time: chain.now(),
        time_offset: chain.offset,
        seqno: chain.seqno,
        admin,
        faucet: chain.faucetAddress.toString(),
        wallet_version: WALLET_VERSION,
        wallets: chain.wallets.map((w) => ({
            index: w.index,
            address: w.address.toString({ bounceable: false }),
            mnemonic: w.mnemonic.join(' '),
        })),
    };
}

async function handleDevnet(chain: DevnetChain, admin: boolean, method: string, sub: string, body: Params) {
    if (sub === 'info' && method === 'GET') return devnetInfo(chain, admin);
    if (sub === 'faucet' && method === 'POST') {
        if (typeof body.address !== 'string') throw new DevnetError(400, 'address required');
        let to: Address;
        try {
            to = parseAddress(body.address);
        } catch {
            throw new DevnetError(400, `invalid address "${body.address}"`);
        }
        const amount = parseAmount(body);
        const records = await chain.fund(to, amount);
        const received = records.find((r) => r.address.equals(to));
        return {
            address: to.toString({ bounceable: false }),
            amount: amount.toString(),
            amount_ton: fromNano(amount),
            transaction: received ? { lt: received.lt.toString(), hash: received.hash.toString('base64') } : null,
        };
    }
    if (sub === 'time/advance' && method === 'POST') {
        if (!admin) throw new DevnetError(403, 'admin endpoints are off: start the devnet with --admin to move time');
        const seconds = typeof body.seconds === 'string' ? Number(body.seconds) : body.seconds;
        const now = chain.advanceTime(seconds as number);
        return { chain_time: now, time_offset: chain.offset };
    }
    throw new DevnetError(404, `no devnet endpoint ${method} /devnet/${sub}`);
}

export async function startDevnet(options: DevnetOptions): Promise<RunningDevnet> {
    const chain = await DevnetChain.open(options);
    const admin = options.admin ?? false;

    const server = createServer((req, res) => {
        void (async () => {
            let rpcId: unknown = undefined;
            let isRpc = false;
            try {
                let url: URL;
                try {
                    url = new URL(req.url ?? '/', 'http://devnet');
                } catch {
                    throw new DevnetError(400, `bad request target ${JSON.stringify(req.url)}`);
                }
                const route = url.pathname.replace(/\/+$/, '');
                if (route === '/healthcheck') {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end('"OK"');
                    return;
                }
                const body = req.method === 'POST' ? await readBody(req) : '';
                // JSON only: a page in the developer's browser cannot post here without a preflight.
                if (req.method === 'POST' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
                    throw new DevnetError(415, 'POST bodies must be JSON (Content-Type: application/json)');
                }
                if (route.startsWith('/devnet/')) {
                    const result = await handleDevnet(
                        chain,
                        admin,
                        req.method ?? 'GET',
                        route.slice('/devnet/'.length),
                        parseJsonObject(body),
                    );
                    send(res, 200, { ok: true, result });
                    return;
                }
                if (route === '/jsonRPC' || route === '/api/v2/jsonRPC') {
                    if (req.method !== 'POST') throw new DevnetError(405, 'Method Not Allowed');
                    isRpc = true;
                    const request = parseJsonObject(body);
                    rpcId = request.id;
                    const handler = typeof request.method === 'string' ? toncenterMethod(request.method) : undefined;
                    if (!handler) {
                        send(res, 422, { ok: false, error: 'Unknown method', jsonrpc: '2.0', id: rpcId });
                        return;
                    }
                    const params = request.params ?? {};
                    if (typeof params !== 'object' || Array.isArray(params)) {
                        throw new DevnetError(422, 'Validation error: "params" must be an object');
                    }
                    const result = await handler(chain, params as Params);
                    send(res, 200, { ok: true, result, jsonrpc: '2.0', id: rpcId });
                    return;
                }
                if (route.startsWith('/api/v2/')) {
                    const name = route.slice('/api/v2/'.length);
                    const handler = toncenterMethod(name);
                    if (!handler) throw new DevnetError(404, 'Not Found');
                    const params: Params = req.method === 'POST' ? parseJsonObject(body) : Object.fromEntries(url.searchParams);
                    // toncenter's REST forms cap a page at 100 (FastAPI's checks); JSON-RPC does not.
                    if (name === 'getTransactions' && params.limit !== undefined && Number(params.limit) > 100) {
                        throw new DevnetError(422, 'Validation error: limit must be from 1 to 100');
                    }
                    const result = await handler(chain, params);
                    send(res, 200, { ok: true, result });
                    return;
                }
                throw new DevnetError(404, 'Not Found');
            } catch (e) {
                const { status, body } = errorBody(e);
                if (status === 413) res.setHeader('Connection', 'close');
                send(res, status, isRpc ? { ...body, jsonrpc: '2.0', id: rpcId } : body);
            }
        })().catch((e: unknown) => {
            // Nothing above should throw past its catch; if something does, answer and live on.
            console.error(`devnet: ${(e as Error)?.stack ?? e}`);
            if (!res.headersSent) send(res, 500, { ok: false, error: 'internal error', code: 500 });
        });
    });
    server.keepAliveTimeout = 5000;

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8081, options.host ?? '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
        });
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    let closing: Promise<void> | null = null;
    return {
        chain,
        server,
        url,
        endpoint: `${url}/api/v2/jsonRPC`,
        close() {
            closing ??= (async () => {
                await new Promise<void>((resolve) => {
                    server.close(() => resolve());
                    server.closeAllConnections();
                });
                await chain.close();
            })();
            return closing;
        },
    };
}
