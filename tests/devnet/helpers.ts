/**
 * Starting a devnet inside a test, and the small pieces the devnet tests share: a TonClient on it,
 * a raw JSON call, signed transfers from its pre-funded wallets.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Address, beginCell, Cell, external, internal, SendMode, storeMessage, toNano } from '@ton/core';
import { TonClient } from '@ton/ton';
import { DevnetOptions, RunningDevnet, startDevnet } from '../../tools/devnet/server';
import { DevnetWallet } from '../../tools/devnet/wallets';

export async function testDevnet(opts: Partial<DevnetOptions> = {}): Promise<RunningDevnet> {
    return startDevnet({ port: 0, stateDir: null, admin: true, holdMs: 300, wallets: 2, ...opts });
}

export function tempStateDir(): string {
    return mkdtempSync(path.join(tmpdir(), 'cocoon-devnet-'));
}

export function client(devnet: RunningDevnet): TonClient {
    return new TonClient({ endpoint: devnet.endpoint });
}

/** A raw HTTP call; returns the status and the parsed JSON body. */
export async function call(
    devnet: RunningDevnet,
    pathname: string,
    body?: unknown,
    method: 'GET' | 'POST' = body === undefined ? 'GET' : 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(devnet.url + pathname, {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function rpc(devnet: RunningDevnet, method: string, params: Record<string, unknown>) {
    return call(devnet, '/api/v2/jsonRPC', { id: '1', jsonrpc: '2.0', method, params });
}

/** A signed external message from a devnet wallet carrying `messages`, as base64 BOC. */
export function transferBoc(
    wallet: DevnetWallet,
    seqno: number,
    messages: { to: Address; value: bigint; body?: Cell; bounce?: boolean; init?: { code: Cell; data: Cell } }[],
    withInit = false,
    timeout?: number,
): string {
    const body = wallet.contract.createTransfer({
        seqno,
        timeout,
        secretKey: wallet.keyPair.secretKey,
        sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
        messages: messages.map((m) => internal({ to: m.to, value: m.value, body: m.body, bounce: m.bounce ?? false, init: m.init })),
    });
    const msg = external({ to: wallet.address, body, init: withInit ? wallet.contract.init : undefined });
    return beginCell().store(storeMessage(msg)).endCell().toBoc().toString('base64');
}

export const TON = (v: string) => toNano(v);
