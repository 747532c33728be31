/**
 * The toncenter v2 methods, over a DevnetChain. Each takes the request's parameters (query
 * strings for REST GETs, JSON values for POSTs and JSON-RPC) and returns the `result` toncenter
 * would return, in its shape: the `@type` tags, strings for 64-bit values, base64 hashes, numbers
 * where toncenter has numbers. Errors are DevnetErrors with toncenter's status codes: 416 for a
 * bad address, 422 for a missing or malformed parameter, 500 for what tonlib or the liteserver
 * refuses (a malformed bag of cells, an external message the account does not accept).
 */
import { Address, beginCell, Cell, loadMessage, Message, storeMessage, storeStateInit, Transaction, TupleItem } from '@ton/core';
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from '@ton/ton';
import { DevnetChain, TxRecord } from './chain';
import { DevnetError } from './errors';
import { parseStackParam, renderStack } from './stack';

export type Params = Record<string, unknown>;
type Method = (chain: DevnetChain, params: Params) => Promise<unknown>;

const MASTER_SHARD = '-9223372036854775808';

// ----- parameters -----

function param(params: Params, name: string): unknown {
    const v = params[name];
    return v === '' ? undefined : v;
}

function requireString(params: Params, name: string): string {
    const v = param(params, name);
    if (v === undefined || v === null) throw new DevnetError(422, `Validation error: field "${name}" required`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new DevnetError(422, `Validation error: field "${name}" must be a string`);
    return String(v);
}

function optionalInt(params: Params, name: string): number | undefined {
    const v = param(params, name);
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : Number(String(v));
    if (!Number.isSafeInteger(n)) throw new DevnetError(422, `Validation error: field "${name}" must be an integer`);
    return n;
}

function optionalBigInt(params: Params, name: string): bigint | undefined {
    const v = param(params, name);
    if (v === undefined || v === null) return undefined;
    try {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
    } catch {
        // fall through
    }
    throw new DevnetError(422, `Validation error: field "${name}" must be a non-negative integer`);
}

function optionalBool(params: Params, name: string, fallback: boolean): boolean {
    const v = param(params, name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new DevnetError(422, `Validation error: field "${name}" must be true or false`);
}

export function parseAddress(raw: string): Address {
    try {
        return Address.parse(raw.trim());
    } catch {
        throw new DevnetError(416, 'Incorrect address');
    }
}

function addressParam(params: Params, name = 'address'): Address {
    return parseAddress(requireString(params, name));
}

/** A hash given in base64 (standard or url-safe) or hex, as toncenter accepts it. */
function hashParam(params: Params, name: string): Buffer | undefined {
    const v = param(params, name);
    if (v === undefined || v === null) return undefined;
    const s = String(v);
    if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length !== 32) throw new DevnetError(422, `Validation error: field "${name}" must be a 32-byte hash in base64 or hex`);
    return b;
}

/** A base64 bag of cells with one root; tonlib's error when it is not one. */
export function parseBoc(raw: string, field: string): Cell {
    const bytes = Buffer.from(raw, 'base64');
    try {
        const roots = Cell.fromBoc(bytes);
        if (roots.length !== 1) throw new Error('bag of cells is expected to have exactly one root');
        return roots[0];
    } catch (e) {
        const reason = (e as Error).message;
        const detail = /magic/i.test(reason) || bytes.length < 5 ? 'cannot deserialize bag-of-cells: invalid header, error 0' : reason;
        throw new DevnetError(500, `INVALID_BAG_OF_CELLS: ${field}${detail}`);
    }
}

// ----- rendering -----

function blockId(workchain: number, seqno: number) {
    return {
        '@type': 'ton.blockIdExt',
        workchain,
        shard: MASTER_SHARD,
        seqno,
        root_hash: DevnetChain.blockHash(seqno, 'root').toString('base64'),
        file_hash: DevnetChain.blockHash(seqno, 'file').toString('base64'),
    };
}

function friendly(address: Address): string {
    return address.toString({ bounceable: true, testOnly: false });
}

function transactionId(lt: bigint, hash: Buffer) {
    return { '@type': 'internal.transactionId', lt: lt.toString(), hash: hash.toString('base64') };
}

/** The account's last transaction, as its state records it. */
async function lastTransactionId(chain: DevnetChain, address: Address) {
    const shard = await chain.account(address);
    if (shard.lastTransactionLt === 0n) return transactionId(0n, Buffer.alloc(32));
    return transactionId(shard.lastTransactionLt, Buffer.from(shard.lastTransactionHash.toString(16).padStart(64, '0'), 'hex'));
}

function bocOf(cell: Cell): string {
    return cell.toBoc({ idx: false, crc32: true }).toString('base64');
}

function renderMessage(message: Message) {
    const info = message.info;
    const cell = beginCell().store(storeMessage(message)).endCell();
    const init = message.init ? bocOf(beginCell().store(storeStateInit(message.init)).endCell()) : '';
    let source = '';
    let destination = '';
    let value = 0n;
    let fwdFee = 0n;
    let ihrFee = 0n;
    let createdLt = 0n;
    if (info.type === 'internal') {
        source = friendly(info.src);
        destination = friendly(info.dest);
        value = info.value.coins;
        fwdFee = info.forwardFee;
        ihrFee = info.ihrFee;
        createdLt = info.createdLt;
    } else if (info.type === 'external-in') {
        destination = friendly(info.dest);
    } else {
        source = friendly(info.src);
        createdLt = info.createdLt;
    }
    return {
        '@type': 'raw.message',
        hash: cell.hash().toString('base64'),
        source,
        destination,
        value: value.toString(),
        extra_currencies: [],
        fwd_fee: fwdFee.toString(),
        ihr_fee: ihrFee.toString(),
        created_lt: createdLt.toString(),
        body_hash: message.body.hash().toString('base64'),
        msg_data: { '@type': 'msg.dataRaw', body: bocOf(message.body), init_state: init },
    };
}

function storageFee(tx: Transaction): bigint {
    const d = tx.description;
    if (d.type === 'generic' || d.type === 'storage' || d.type === 'tick-tock') return d.storagePhase?.storageFeesCollected ?? 0n;
    return 0n;
}

export function renderTransaction(r: TxRecord) {
    const tx = r.tx;
    const fee = tx.totalFees.coins;
    const storage = storageFee(tx);
    return {
        '@type': 'raw.transaction',
        address: { '@type': 'accountAddress', account_address: friendly(r.address) },
        utime: r.utime,
        data: r.boc.toString('base64'),
        transaction_id: transactionId(r.lt, r.hash),
        fee: fee.toString(),
        storage_fee: storage.toString(),
        other_fee: (fee - storage).toString(),
        in_msg: tx.inMessage ? renderMessage(tx.inMessage) : undefined,
        out_msgs: [...tx.outMessages.values()].map(renderMessage),
    };
}

// ----- accounts -----

async function rawAccountState(chain: DevnetChain, address: Address) {
    const shard = await chain.account(address);
    const acc = shard.account;
    let code = '';
    let data = '';
    let frozenHash = '';
    let state: 'active' | 'uninitialized' | 'frozen' = 'uninitialized';
    if (acc?.storage.state.type === 'active') {
        state = 'active';
        if (acc.storage.state.state.code) code = bocOf(acc.storage.state.state.code);
        if (acc.storage.state.state.data) data = bocOf(acc.storage.state.state.data);
    } else if (acc?.storage.state.type === 'frozen') {
        state = 'frozen';
        frozenHash = Buffer.from(acc.storage.state.stateHash.toString(16).padStart(64, '0'), 'hex').toString('base64');
    }
    return {
        balance: (acc?.storage.balance.coins ?? 0n).toString(),
        code,
        data,
        frozenHash,
        state,
        lastTx: await lastTransactionId(chain, address),
        code_cell: acc?.storage.state.type === 'active' ? (acc.storage.state.state.code ?? null) : null,
        data_cell: acc?.storage.state.type === 'active' ? (acc.storage.state.state.data ?? null) : null,
    };
}

const WALLETS: { type: string; code: Cell; parse: (data: Cell) => { seqno: number; walletId: number } }[] = [
    {
        type: 'wallet v3 r2',
        code: WalletContractV3R2.create({ workchain: 0, publicKey: Buffer.alloc(32) }).init.code,
        parse: (d) => {
            const s = d.beginParse();
            return { seqno: s.loadUint(32), walletId: s.loadUint(32) };
        },
    },
    {
        type: 'wallet v4 r2',
        code: WalletContractV4.create({ workchain: 0, publicKey: Buffer.alloc(32) }).init.code,
        parse: (d) => {
            const s = d.beginParse();
            return { seqno: s.loadUint(32), walletId: s.loadUint(32) };
        },
    },
    {
        type: 'wallet v5 r1',
        code: WalletContractV5R1.create({ workchain: 0, publicKey: Buffer.alloc(32) }).init.code,
        parse: (d) => {
            const s = d.beginParse();
            s.skip(1);
            return { seqno: s.loadUint(32), walletId: s.loadInt(32) };
        },
    },
];

// ----- the methods -----

const methods: Record<string, Method> = {
    async getAddressInformation(chain, params) {
        const address = addressParam(params);
        const a = await rawAccountState(chain, address);
        return {
            '@type': 'raw.fullAccountState',
            balance: a.balance,
            extra_currencies: [],
            code: a.code,
            data: a.data,
            last_transaction_id: a.lastTx,
            block_id: blockId(-1, chain.seqno),
            frozen_hash: a.frozenHash,
            sync_utime: chain.now(),
            state: a.state,
        };
    },

    async getExtendedAddressInformation(chain, params) {
        const address = addressParam(params);
        const a = await rawAccountState(chain, address);
        return {
            '@type': 'fullAccountState',
            address: { '@type': 'accountAddress', account_address: friendly(address) },
            balance: a.balance,
            extra_currencies: [],
            last_transaction_id: a.lastTx,
            block_id: blockId(-1, chain.seqno),
            sync_utime: chain.now(),
            account_state:
                a.state === 'uninitialized'
                    ? { '@type': 'uninited.accountState', frozen_hash: '' }
                    : { '@type': 'raw.accountState', code: a.code, data: a.data, frozen_hash: a.frozenHash },
            revision: 0,
        };
    },

    async getWalletInformation(chain, params) {
        const address = addressParam(params);
        const a = await rawAccountState(chain, address);
        const res: Record<string, unknown> = {
            wallet: false,
            balance: a.balance,
            extra_currencies: [],
            account_state: a.state,
            wallet_type: undefined,
            seqno: undefined,
            last_transaction_id: a.lastTx,
        };
        if (a.code_cell && a.data_cell) {
            const known = WALLETS.find((w) => w.code.hash().equals(a.code_cell!.hash()));
            if (known) {
                const { seqno, walletId } = known.parse(a.data_cell);
                Object.assign(res, { wallet: true, wallet_type: known.type, seqno, wallet_id: walletId });
            }
        }
        return res;
    },

    async getAddressBalance(chain, params) {
        return (await rawAccountState(chain, addressParam(params))).balance;
    },

    async getAddressState(chain, params) {
        return (await rawAccountState(chain, addressParam(params))).state;
    },

    async getTransactions(chain, params) {
        const address = addressParam(params);
        const limit = optionalInt(params, 'limit') ?? 10;
        if (limit < 1 || limit > 1000) throw new DevnetError(422, 'Validation error: limit must be from 1 to 1000');
        const lt = optionalBigInt(params, 'lt');
        const hash = hashParam(params, 'hash');
        const toLt = optionalBigInt(params, 'to_lt') ?? 0n;
        const list = chain.transactionsOf(address);
        let start = list.length - 1;
        // As pytonlib: a starting point needs both lt and hash; with only one, start from the last.
        if (lt !== undefined && hash !== undefined) {
            start = list.findIndex((r) => (lt === undefined || r.lt === lt) && (hash === undefined || r.hash.equals(hash)));
            if (start < 0) {
                throw new DevnetError(
                    500,
                    `LITE_SERVER_UNKNOWN: cannot locate transaction ${lt ?? '?'}:${hash?.toString('hex') ?? '?'} of account ${address.toRawString()}`,
                );
            }
        }
        const out = [];
        for (let i = start; i >= 0 && out.length < limit; i--) {
            if (list[i].lt <= toLt) break;
            out.push(renderTransaction(list[i]));
        }
        return out;
    },

    async tryLocateTx(chain, params) {
        return locateResult(chain, params);
    },

    async tryLocateResultTx(chain, params) {
        return locateResult(chain, params);
    },

    async tryLocateSourceTx(chain, params) {
        const source = addressParam(params, 'source');
        const destination = addressParam(params, 'destination');
        const createdLt = optionalBigInt(params, 'created_lt');
        if (createdLt === undefined) throw new DevnetError(422, 'Validation error: field "created_lt" required');
        for (const r of chain.transactionsOf(source)) {
            for (const m of r.tx.outMessages.values()) {
                if (m.info.type === 'internal' && m.info.dest.equals(destination) && m.info.createdLt === createdLt) {
                    return renderTransaction(r);
                }
            }
        }
        throw new DevnetError(500, 'LITE_SERVER_UNKNOWN: cannot locate the source transaction');
    },

    async runGetMethod(chain, params) {
        const address = addressParam(params);
        const rawMethod = params.method;
        let method: string | number;
        if (typeof rawMethod === 'number' && Number.isSafeInteger(rawMethod)) method = rawMethod;
        else if (typeof rawMethod === 'string' && rawMethod.length > 0) method = /^-?\d+$/.test(rawMethod) ? Number(rawMethod) : rawMethod;
        else throw new DevnetError(422, 'Validation error: field "method" required (a name or a method id)');
        let stackParam = params.stack;
        if (typeof stackParam === 'string') {
            try {
                stackParam = JSON.parse(stackParam);
            } catch {
                throw new DevnetError(422, 'Validation error: "stack" must be a JSON array');
            }
        }
        const stack: TupleItem[] = parseStackParam(stackParam);
        const res = await chain.runGetMethod(address, method, stack);
        return {
            '@type': 'smc.runResult',
            gas_used: Number(res.gasUsed),
            stack: renderStack(res.stack),
            exit_code: res.exitCode,
            block_id: blockId(-1, chain.seqno),
            last_transaction_id: await lastTransactionId(chain, address),
        };
    },

    async sendBoc(chain, params) {
        await submit(chain, params);
        return { '@type': 'ok' };
    },

    async sendBocReturnHash(chain, params) {
        const message = await submit(chain, params);
        return {
            '@type': 'ext_message_info',
            hash: beginCell().store(storeMessage(message)).endCell().hash().toString('base64'),
            hash_norm: normalizedHash(message).toString('base64'),
        };
    },

    async estimateFee(chain, params) {
        const address = addressParam(params);
        const body = parseBoc(requireString(params, 'body'), 'body');
        const code = param(params, 'init_code');
        const data = param(params, 'init_data');
        const init = code && data ? { code: parseBoc(String(code), 'init_code'), data: parseBoc(String(data), 'init_data') } : null;
        const fees = await chain.estimateFee(address, body, init, optionalBool(params, 'ignore_chksig', true));
        return {
            '@type': 'query.fees',
            source_fees: {
                '@type': 'fees',
                in_fwd_fee: Number(fees.inFwdFee),
                storage_fee: Number(fees.storageFee),
                gas_fee: Number(fees.gasFee),
                fwd_fee: Number(fees.fwdFee),
            },
            destination_fees: [],
        };
    },

    async getMasterchainInfo(chain) {
        return {
            '@type': 'blocks.masterchainInfo',
            last: blockId(-1, chain.seqno),
            state_root_hash: DevnetChain.blockHash(chain.seqno, 'root').toString('base64'),
            init: blockId(-1, 0),
        };
    },

    async getConsensusBlock(chain) {
        return { consensus_block: chain.seqno, timestamp: chain.now() };
    },

    async shards(chain, params) {
        const seqno = optionalInt(params, 'seqno');
        if (seqno === undefined) throw new DevnetError(422, 'Validation error: field "seqno" required');
        if (seqno < 0 || seqno > chain.seqno) throw new DevnetError(500, `LITE_SERVER_NOTREADY: block ${seqno} is not in db`);
        return { '@type': 'blocks.shards', shards: [blockId(0, seqno)] };
    },

    async getBlockTransactions(chain, params) {
        const workchain = optionalInt(params, 'workchain');
        const seqno = optionalInt(params, 'seqno');
        if (workchain === undefined || seqno === undefined)
            throw new DevnetError(422, 'Validation error: fields "workchain" and "seqno" required');
        const count = optionalInt(params, 'count') ?? 40;
        if (count < 1 || count > 256) throw new DevnetError(422, 'Validation error: count must be from 1 to 256');
        const afterLt = optionalBigInt(params, 'after_lt');
        const records = chain.blockTransactions(seqno).filter((r) => r.address.workChain === workchain);
        const from = afterLt === undefined ? 0 : records.findIndex((r) => r.lt > afterLt);
        const slice = from < 0 ? [] : records.slice(from, from + count);
        return {
            '@type': 'blocks.transactions',
            id: blockId(workchain, seqno),
            req_count: count,
            incomplete: from >= 0 && from + count < records.length,
            transactions: slice.map((r) => ({
                '@type': 'blocks.shortTxId',
                mode: 135,
                account: r.address.toRawString(),
                lt: r.lt.toString(),
                hash: r.hash.toString('base64'),
            })),
        };
    },

    async getConfigParam(chain, params) {
        const id = optionalInt(params, 'config_id');
        if (id === undefined) throw new DevnetError(422, 'Validation error: field "config_id" required');
        const { Dictionary } = await import('@ton/core');
        const dict = Dictionary.loadDirect(Dictionary.Keys.Int(32), Dictionary.Values.Cell(), chain.bc.config);
        const cell = dict.get(id);
        if (!cell) throw new DevnetError(500, `LITE_SERVER_UNKNOWN: config param ${id} not found`);
        return { '@type': 'configInfo', config: { '@type': 'tvm.cell', bytes: bocOf(cell) } };
    },

    async detectAddress(_chain, params) {
        const address = addressParam(params);
        const forms = (bounceable: boolean) => ({
            b64: address.toString({ bounceable, urlSafe: false }),
            b64url: address.toString({ bounceable, urlSafe: true }),
        });
        return {
            '@type': 'ext.utils.detectedAddress',
            raw_form: address.toRawString(),
            bounceable: forms(true),
            non_bounceable: forms(false),
            given_type: Address.isRaw(requireString(params, 'address')) ? 'raw_form' : 'friendly',
            test_only: Address.isFriendly(requireString(params, 'address'))
                ? Address.parseFriendly(requireString(params, 'address')).isTestOnly
                : false,
        };
    },

    async packAddress(_chain, params) {
        return friendly(addressParam(params));
    },

    async unpackAddress(_chain, params) {
        return addressParam(params).toRawString();
    },
};

async function locateResult(chain: DevnetChain, params: Params) {
    const source = addressParam(params, 'source');
    const destination = addressParam(params, 'destination');
    const createdLt = optionalBigInt(params, 'created_lt');
    if (createdLt === undefined) throw new DevnetError(422, 'Validation error: field "created_lt" required');
    for (const r of chain.transactionsOf(destination)) {
        const info = r.tx.inMessage?.info;
        if (info?.type === 'internal' && info.src.equals(source) && info.createdLt === createdLt) return renderTransaction(r);
    }
    throw new DevnetError(500, 'LITE_SERVER_UNKNOWN: cannot locate the result transaction');
}

async function submit(chain: DevnetChain, params: Params): Promise<Message> {
    const cell = parseBoc(requireString(params, 'boc'), 'body');
    let message: Message;
    try {
        message = loadMessage(cell.beginParse());
    } catch (e) {
        throw new DevnetError(500, `LITE_SERVER_UNKNOWN: cannot parse the external message: ${(e as Error).message}`);
    }
    if (message.info.type !== 'external-in') {
        throw new DevnetError(500, 'LITE_SERVER_UNKNOWN: the message is not an inbound external message');
    }
    await chain.submitExternal(message);
    return message;
}

/** TEP-467's normalized hash of an external message: no source, no import fee, no StateInit, body by reference. */
export function normalizedHash(message: Message): Buffer {
    if (message.info.type !== 'external-in') throw new Error('not an inbound external message');
    const normalized: Message = {
        info: { type: 'external-in', src: null, dest: message.info.dest, importFee: 0n },
        init: null,
        body: message.body,
    };
    return beginCell()
        .store(storeMessage(normalized, { forceRef: true }))
        .endCell()
        .hash();
}

export function toncenterMethod(name: string): Method | undefined {
    return Object.prototype.hasOwnProperty.call(methods, name) ? methods[name] : undefined;
}

export const METHOD_NAMES = Object.keys(methods);
