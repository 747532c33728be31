/**
 * The devnet through @ton/ton's TonClient, the way blueprint and the reference programs use
 * toncenter: wallets, deploying the Root, get methods, transactions with paging, waiting for a
 * sent message, fee estimation, toncenter-shaped errors, the faucet and the clock.
 */
import { Address, beginCell, Cell, external, fromNano, internal, loadMessage, storeMessage, toNano } from '@ton/core';
import { keyPairFromSeed } from '@ton/crypto';
import { TonClient, WalletContractV4 } from '@ton/ton';
import { createHash } from 'node:crypto';
import { ExtendedRoot } from '../../wrappers/Root';
import { loadRootConfig } from '../../scripts/lib/config';
import { RunningDevnet } from '../../tools/devnet/server';
import { call, client, rpc, testDevnet, transferBoc } from './helpers';

jest.setTimeout(60_000);

describe('devnet: the toncenter v2 API through TonClient', () => {
    let devnet: RunningDevnet;
    let tc: TonClient;

    beforeAll(async () => {
        devnet = await testDevnet();
        tc = client(devnet);
    });
    afterAll(async () => {
        await devnet.close();
    });

    it('reports the masterchain and a block per landed message', async () => {
        const before = await tc.getMasterchainInfo();
        expect(before.workchain).toBe(-1);
        expect(before.shard).toBe('-9223372036854775808');
        const w = devnet.chain.wallets[0];
        const seqno = await tc.open(w.contract).getSeqno();
        await tc.sendFile(Buffer.from(transferBoc(w, seqno, [{ to: devnet.chain.wallets[1].address, value: toNano('1') }]), 'base64'));
        const after = await tc.getMasterchainInfo();
        expect(after.latestSeqno).toBe(before.latestSeqno + 1);
    });

    it('deploys a fresh wallet: funded by the faucet, then its first transfer carries its StateInit', async () => {
        const key = keyPairFromSeed(createHash('sha256').update('devnet api test wallet').digest());
        const wallet = WalletContractV4.create({ workchain: 0, publicKey: key.publicKey });
        expect(await tc.isContractDeployed(wallet.address)).toBe(false);

        const funded = await call(devnet, '/devnet/faucet', { address: wallet.address.toString(), amount: '5' });
        expect(funded.status).toBe(200);
        expect((funded.json.result as { amount: string }).amount).toBe(toNano('5').toString());
        expect(await tc.getBalance(wallet.address)).toBe(toNano('5'));
        expect((await tc.getContractState(wallet.address)).state).toBe('uninitialized');

        const opened = tc.open(wallet);
        await opened.sendTransfer({
            seqno: 0,
            secretKey: key.secretKey,
            messages: [internal({ to: devnet.chain.wallets[0].address, value: toNano('1') })],
        });
        expect(await tc.isContractDeployed(wallet.address)).toBe(true);
        expect(await opened.getSeqno()).toBe(1);
        const info = await rpc(devnet, 'getWalletInformation', { address: wallet.address.toString() });
        expect(info.json.result).toMatchObject({
            wallet: true,
            wallet_type: 'wallet v4 r2',
            seqno: 1,
            account_state: 'active',
            wallet_id: 698983191,
        });
        expect(BigInt((info.json.result as { balance: string }).balance)).toBeLessThan(toNano('4'));
    });

    it('deploys the Root from a wallet and answers its get methods as toncenter does', async () => {
        const w = devnet.chain.wallets[0];
        const { init } = loadRootConfig('scripts/config/devnet.json', w.address);
        const root = await ExtendedRoot.fromRootInit(init);
        const sender = tc.open(w.contract).sender(w.keyPair.secretKey);
        await tc.open(root).sendDeploy(sender, toNano('0.5'));
        expect(await tc.isContractDeployed(root.address)).toBe(true);

        // An integer getter reads through TonClient as it would from toncenter.
        expect(await tc.open(ExtendedRoot.fromAddress(root.address)).getConfigVersion()).toBe(0n);
        // The raw answer has toncenter's shape: hex numbers, a runResult with exit code and gas.
        const raw = await rpc(devnet, 'runGetMethod', { address: root.address.toString(), method: 'configVersion', stack: [] });
        expect(raw.status).toBe(200);
        expect(raw.json.result).toMatchObject({ '@type': 'smc.runResult', exit_code: 0, stack: [['num', '0x0']] });
        expect((raw.json.result as { gas_used: number }).gas_used).toBeGreaterThan(0);
        // A getter with arguments: TonClient's stack encoding in, the Provider address out as a cell.
        const owner = devnet.chain.wallets[1].address;
        const viaClient = await tc.open(ExtendedRoot.fromAddress(root.address)).getProviderAddress(owner, 3n);
        const local = await devnet.chain.bc.runGetMethod(root.address, 'providerAddress', [
            { type: 'slice', cell: beginCell().storeAddress(owner).endCell() },
            { type: 'int', value: 3n },
        ]);
        expect(viaClient.equals(local.stackReader.readAddress())).toBe(true);
        // A method that does not exist: exit code 11, which TonClient turns into an error.
        const missing = await rpc(devnet, 'runGetMethod', { address: root.address.toString(), method: 'noSuchGetter', stack: [] });
        expect((missing.json.result as { exit_code: number }).exit_code).toBe(11);
        // An account with no code: exit code -13.
        const none = await rpc(devnet, 'runGetMethod', {
            address: Address.parse('0:' + '11'.repeat(32)).toString(),
            method: 'seqno',
            stack: [],
        });
        expect((none.json.result as { exit_code: number }).exit_code).toBe(-13);
    });

    it("lists an account's transactions newest first, page by page, and to_lt stops the walk", async () => {
        const w = devnet.chain.wallets[1];
        const opened = tc.open(w.contract);
        for (let i = 0; i < 7; i++) {
            const seqno = await opened.getSeqno();
            await tc.sendFile(
                Buffer.from(transferBoc(w, seqno, [{ to: devnet.chain.wallets[0].address, value: toNano('0.01') }]), 'base64'),
            );
        }
        const all = await tc.getTransactions(w.address, { limit: 100 });
        expect(all.length).toBeGreaterThanOrEqual(7);
        for (let i = 1; i < all.length; i++) expect(all[i - 1].lt > all[i].lt).toBe(true);

        const pages: bigint[][] = [];
        let cursor: { lt: string; hash: string } | undefined;
        for (;;) {
            const page = await tc.getTransactions(w.address, { limit: 3, ...(cursor ?? {}), inclusive: false });
            if (page.length === 0) break;
            pages.push(page.map((t) => t.lt));
            const last = page[page.length - 1];
            cursor = { lt: last.lt.toString(), hash: last.hash().toString('base64') };
        }
        expect(pages.flat()).toEqual(all.map((t) => t.lt));
        expect(pages[0]).toHaveLength(3);

        const toLt = all[3].lt;
        const upTo = await tc.getTransactions(w.address, { limit: 100, to_lt: toLt.toString() });
        expect(upTo.map((t) => t.lt)).toEqual(all.slice(0, 3).map((t) => t.lt));

        const unknown = await rpc(devnet, 'getTransactions', { address: w.address.toString(), lt: '1', hash: '00'.repeat(32) });
        expect(unknown.status).toBe(500);
        expect(unknown.json).toMatchObject({ ok: false, code: 500 });
    });

    it('a sent message can be waited for: its hash finds its transaction, and the result transaction is located', async () => {
        const w = devnet.chain.wallets[0];
        const target = devnet.chain.wallets[1].address;
        const seqno = await tc.open(w.contract).getSeqno();
        const boc = transferBoc(w, seqno, [{ to: target, value: toNano('0.2') }]);
        const sent = await rpc(devnet, 'sendBocReturnHash', { boc });
        expect(sent.status).toBe(200);
        const { hash, hash_norm } = sent.json.result as { hash: string; hash_norm: string };
        const msgHash = Cell.fromBase64(boc).hash().toString('base64');
        expect(hash).toBe(msgHash);
        expect(hash_norm).toMatch(/^[A-Za-z0-9+/]{43}=$/);

        // Wait as a client does: poll the wallet's transactions for the one our message started.
        let found;
        for (let i = 0; i < 20 && !found; i++) {
            const txs = await tc.getTransactions(w.address, { limit: 5 });
            found = txs.find(
                (t) => t.inMessage && beginCell().store(storeMessage(t.inMessage)).endCell().hash().toString('base64') === msgHash,
            );
        }
        expect(found).toBeDefined();
        const out = [...found!.outMessages.values()][0];
        expect(out.info.type).toBe('internal');
        const result = await tc.tryLocateResultTx(w.address, target, (out.info as { createdLt: bigint }).createdLt.toString());
        const inInfo = result.inMessage?.info;
        if (inInfo?.type !== 'internal') throw new Error('expected an internal inbound message');
        expect(inInfo.src.equals(w.address)).toBe(true);
        expect(inInfo.value.coins).toBe(toNano('0.2'));
        const source = await tc.tryLocateSourceTx(w.address, target, (out.info as { createdLt: bigint }).createdLt.toString());
        expect(source.lt).toBe(found!.lt);
    });

    it('estimates the fee of an external message as the transaction then charges it', async () => {
        const w = devnet.chain.wallets[0];
        const seqno = await tc.open(w.contract).getSeqno();
        const boc = transferBoc(w, seqno, [{ to: devnet.chain.wallets[1].address, value: toNano('0.3') }]);
        const message = loadMessage(Cell.fromBase64(boc).beginParse());
        const estimate = await tc.estimateExternalMessageFee(w.address, {
            body: message.body,
            initCode: null,
            initData: null,
            ignoreSignature: true,
        });
        expect(estimate['@type']).toBe('query.fees');
        const f = estimate.source_fees;
        expect(f.gas_fee).toBeGreaterThan(0);
        expect(f.in_fwd_fee).toBeGreaterThan(0);
        expect(f.fwd_fee).toBeGreaterThan(0);
        // Estimating changes nothing.
        expect(await tc.open(w.contract).getSeqno()).toBe(seqno);

        await tc.sendFile(Buffer.from(boc, 'base64'));
        const [tx] = await tc.getTransactions(w.address, { limit: 1 });
        const d = tx.description;
        if (d.type !== 'generic' || d.computePhase.type !== 'vm') throw new Error('expected an ordinary transaction');
        expect(BigInt(f.gas_fee)).toBe(d.computePhase.gasFees);
        expect(BigInt(f.fwd_fee)).toBe(d.actionPhase!.totalFwdFees ?? 0n);
        // The transaction's total is the estimate's parts (the import fee included).
        expect(tx.totalFees.coins).toBe(BigInt(f.in_fwd_fee + f.storage_fee + f.gas_fee) + (d.actionPhase!.totalActionFees ?? 0n));
    });

    it("answers a malformed BOC with toncenter's error and keeps serving", async () => {
        const bad = await call(devnet, '/api/v2/sendBoc', { boc: Buffer.from('not a bag of cells').toString('base64') });
        expect(bad.status).toBe(500);
        expect(bad.json).toEqual({
            ok: false,
            error: 'INVALID_BAG_OF_CELLS: bodycannot deserialize bag-of-cells: invalid header, error 0',
            code: 500,
        });
        const viaRpc = await rpc(devnet, 'sendBoc', { boc: 'AAAA' });
        expect(viaRpc.status).toBe(500);
        expect(viaRpc.json).toMatchObject({ ok: false, code: 500, jsonrpc: '2.0', id: '1' });
        expect(String(viaRpc.json.error)).toMatch(/^INVALID_BAG_OF_CELLS: body/);
        await expect(tc.sendFile(Buffer.from('garbage'))).rejects.toThrow(/status code 500/);
        // Still serving.
        expect((await tc.getMasterchainInfo()).workchain).toBe(-1);
    });

    it('refuses an external the account does not accept, after holding it, with the liteserver error', async () => {
        const w = devnet.chain.wallets[0];
        const seqno = await tc.open(w.contract).getSeqno();
        const body = w.contract.createTransfer({ seqno, secretKey: keyPairFromSeed(Buffer.alloc(32, 7)).secretKey, messages: [] });
        const boc = beginCell()
            .store(storeMessage(external({ to: w.address, body })))
            .endCell()
            .toBoc()
            .toString('base64');
        const started = Date.now();
        const res = await rpc(devnet, 'sendBoc', { boc });
        // Held first (testDevnet holds for 300 ms), in case an earlier message was still coming.
        expect(Date.now() - started).toBeGreaterThanOrEqual(300);
        expect(res.status).toBe(500);
        expect(String(res.json.error)).toMatch(
            /^LITE_SERVER_UNKNOWN: cannot apply external message to current state : External message was not accepted/,
        );
        expect(await tc.open(w.contract).getSeqno()).toBe(seqno);
    });

    it("gives toncenter's errors for a bad address, an unknown method, bad JSON and missing fields", async () => {
        expect(await call(devnet, '/api/v2/getAddressInformation?address=nonsense')).toEqual({
            status: 416,
            json: { ok: false, error: 'Incorrect address', code: 416 },
        });
        const unknown = await rpc(devnet, 'noSuchMethod', {});
        expect(unknown).toEqual({ status: 422, json: { ok: false, error: 'Unknown method', jsonrpc: '2.0', id: '1' } });
        const badJson = await call(devnet, '/api/v2/jsonRPC', '{"id": 1, "method": ');
        expect(badJson.status).toBe(422);
        expect(badJson.json.ok).toBe(false);
        const missing = await rpc(devnet, 'getAddressBalance', {});
        expect(missing.status).toBe(422);
        expect(String(missing.json.error)).toContain('"address"');
        const notFound = await call(devnet, '/nowhere');
        expect(notFound).toEqual({ status: 404, json: { ok: false, error: 'Not Found', code: 404 } });
        const badLimit = await rpc(devnet, 'getTransactions', { address: devnet.chain.wallets[0].address.toString(), limit: 1001 });
        expect(badLimit.status).toBe(422);
    });

    it('serves the REST forms: GET reads with query parameters, POST writes with a JSON body', async () => {
        const w = devnet.chain.wallets[1];
        const balance = await call(devnet, `/api/v2/getAddressBalance?address=${encodeURIComponent(w.address.toString())}`);
        expect(balance.status).toBe(200);
        expect(BigInt(balance.json.result as string)).toBe(await tc.getBalance(w.address));
        const state = await call(devnet, `/api/v2/getAddressState?address=${w.address.toRawString()}`);
        expect(state.json.result).toBe('active');
        const seqno = await call(devnet, '/api/v2/runGetMethod', { address: w.address.toString(), method: 'seqno', stack: [] });
        expect((seqno.json.result as { stack: unknown[] }).stack).toEqual([
            ['num', '0x' + (await tc.open(w.contract).getSeqno()).toString(16)],
        ]);
        const cfg = await call(devnet, '/api/v2/getConfigParam?config_id=25');
        expect((cfg.json.result as { '@type': string })['@type']).toBe('configInfo');
    });

    it('the faucet funds any address and refuses bad requests without sending anything', async () => {
        const to = Address.parse('0:' + 'ab'.repeat(32));
        const seqnoBefore = devnet.chain.seqno;
        for (const bad of [
            { amount: '1' },
            { address: 'x', amount: '1' },
            { address: to.toString(), amount: '-1' },
            { address: to.toString(), amount: '2000000' },
            { address: to.toString(), amount: '1', amount_nano: '1' },
        ]) {
            const res = await call(devnet, '/devnet/faucet', bad);
            expect(res.status).toBe(400);
            expect(res.json.ok).toBe(false);
        }
        expect(devnet.chain.seqno).toBe(seqnoBefore);
        const ok = await call(devnet, '/devnet/faucet', { address: to.toString(), amount_nano: '1500000000' });
        expect(ok.status).toBe(200);
        expect(fromNano(await tc.getBalance(to))).toBe('1.5');
    });

    it('moves chain time only through the admin endpoint, and only forward', async () => {
        const w = devnet.chain.wallets[0];
        const t0 = (await tc.getContractState(w.address)).timestampt;
        const moved = await call(devnet, '/devnet/time/advance', { seconds: 3600 });
        expect(moved.status).toBe(200);
        const t1 = (await tc.getContractState(w.address)).timestampt;
        expect(t1 - t0).toBeGreaterThanOrEqual(3600);
        expect(t1 - t0).toBeLessThan(3600 + 30);
        for (const seconds of [0, -5, 1.5, 'x']) {
            expect((await call(devnet, '/devnet/time/advance', { seconds })).status).toBe(400);
        }
        // A wallet message whose valid_until comes from the local clock has expired by chain time,
        // as it would on a network whose clock is an hour ahead.
        const seqno = await tc.open(w.contract).getSeqno();
        const to = [{ to: devnet.chain.wallets[1].address, value: toNano('0.01') }];
        await expect(tc.sendFile(Buffer.from(transferBoc(w, seqno, to), 'base64'))).rejects.toThrow(/status code 500/);
        // Signed against chain time it lands, and its transaction carries the new time.
        await tc.sendFile(Buffer.from(transferBoc(w, seqno, to, false, t1 + 60), 'base64'));
        const [tx] = await tc.getTransactions(w.address, { limit: 1 });
        expect(tx.now).toBeGreaterThanOrEqual(t1);
    });

    it('keeps the admin endpoint off unless asked', async () => {
        const plain = await testDevnet({ admin: false, wallets: 1 });
        try {
            const res = await call(plain, '/devnet/time/advance', { seconds: 60 });
            expect(res.status).toBe(403);
            expect(String(res.json.error)).toContain('--admin');
            const info = await call(plain, '/devnet/info');
            expect(info.json.result).toMatchObject({ admin: false, wallet_version: 'v4r2' });
        } finally {
            await plain.close();
        }
    });
});
