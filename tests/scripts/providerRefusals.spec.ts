/**
 * What the Provider scripts refuse before sending (each refusal names the argument or the reason
 * and the exit code the message would have bounced with; `h.refused` checks that nothing was sent),
 * how they find the Provider, the enclave-signing path (--print-claim, then --signature), and how
 * they report a message that fails after it was sent: a binding the Root's answer refuses, and a
 * message the Provider bounces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SenderWithSendResult } from '@ton/blueprint';
import { Address, ContractProvider, fromNano, toNano, Transaction } from '@ton/core';
import { keyPairFromSeed, sign } from '@ton/crypto';
import { BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { ACTION_VALUE, bindingClaimHash, ExtendedProvider, STATUS_EXITED } from '../../wrappers/Provider';
import { formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { createHarness, deployDevnetRoot, Harness, scratch, START } from './harness';

const HOUR = 3600;
const WORKER_IMAGE = 'c1'.repeat(32);
const PROXY_IMAGE = 'c2'.repeat(32);
const TEST_ROOT = formatHash256(TEST_ATTESTATION_ROOT_HASH);
const { dir, write } = scratch('cocoon-refusals-');
const seed = Buffer.alloc(32, 9);
const tee = keyPairFromSeed(seed);
const TEE_PUB = tee.publicKey.toString('hex');

const KEY_FILE = write('tee.seed', seed.toString('hex'));
const WORKER_FILE = write('worker.json', readFileSync('scripts/config/worker-profile.example.json', 'utf8'));

describe('Provider scripts: refusals and reports', () => {
    let h: Harness;
    let root: Address;
    let at: string[];
    let owner: SandboxContract<TreasuryContract>;
    let provider: SandboxContract<ExtendedProvider>;
    let node: string[];
    let snapshot: BlockchainSnapshot;
    const T0 = START + HOUR;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        at = ['--root', root.toString()];
        await h.run('proposeImage', [WORKER_IMAGE, 'worker', ...at]);
        await h.run('proposeImage', [PROXY_IMAGE, 'proxy', ...at]);
        h.advance(HOUR);
        await h.run('executeProposal', ['0', ...at], h.stranger);
        await h.run('executeProposal', ['1', ...at], h.stranger);
        owner = await h.blockchain.treasury('node-owner');
        node = ['--node', '0', ...at];
        await h.run('registerProvider', ['worker', WORKER_FILE, ...node], owner);
        provider = h.blockchain.openContract(await ExtendedProvider.forNode(root, owner.address, 0n));
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = T0;
    });

    const bind = (expiry: string, ...extra: string[]) => [WORKER_IMAGE, TEST_ROOT, expiry, ...extra, ...node];
    const failure = (p: Promise<unknown>) =>
        p.then(
            () => {
                throw new Error('expected a failure');
            },
            (e: Error) => e.message,
        );

    describe('registration', () => {
        it('names the bad profile fields and sends nothing', async () => {
            const bad = write('bad.json', JSON.stringify({ ...JSON.parse(readFileSync(WORKER_FILE, 'utf8')), gpuCount: 65, region: '' }));
            const message = await h.refused('registerProvider', ['worker', bad, '--node', '1', ...at], owner);
            expect(message).toContain(`the worker profile file ${bad} is refused, nothing was sent:`);
            expect(message).toContain(
                '  - gpuCount = 65 is outside [1, 64] (the Provider refuses it with ERR_PROFILE_GPU (exit code 1541))',
            );
            expect(message).toContain(
                '  - region must be 1 to 64 bytes of UTF-8, it is 0 bytes (the Provider refuses it with ERR_PROFILE_TEXT',
            );
            // a proxy profile read as a worker's
            const asWorker = await h.refused(
                'registerProvider',
                ['worker', write('p.json', readFileSync('scripts/config/proxy-profile.example.json', 'utf8')), ...at],
                owner,
            );
            expect(asWorker).toContain('endpoint belongs to a proxy profile: a worker has none');
            expect(asWorker).toContain('gpuModel is missing');
        });

        it('refuses the example files, a bad role and a taken node', async () => {
            expect(await h.refused('registerProvider', ['worker', 'scripts/config/worker-profile.example.json', ...at], owner)).toContain(
                'scripts/config/worker-profile.example.json is an example: copy it (e.g. to scripts/config/worker-profile.json)',
            );
            const role = await h.refused('registerProvider', ['client', WORKER_FILE, ...at], owner);
            expect(role).toContain('invalid role "client": expected worker or proxy');
            expect(role).toContain(
                '\nUsage: npx blueprint run registerProvider <network> <wallet> -- <role: worker|proxy> <profile.json> [--node <index>] [--root <address>] [--dry-run]',
            );
            expect(await h.refused('registerProvider', ['worker', WORKER_FILE, ...node], owner)).toContain(
                'Not sent: node 0 is registered already, as a worker (ERR_ALREADY_REGISTERED (exit code 1539)); updateProfile changes its profile',
            );
            expect(await h.refused('registerProvider', ['worker', WORKER_FILE, '--node', '4294967296', ...at], owner)).toContain(
                'invalid --node "4294967296": must be at most 4294967295',
            );
        });

        it('--dry-run prints the deploying message, with its StateInit, and sends nothing', async () => {
            const before = h.provider.sent.length;
            const out = await h.run('registerProvider', ['worker', WORKER_FILE, '--node', '2', '--dry-run', ...at], owner);
            const p = await ExtendedProvider.forNode(root, owner.address, 2n);
            expect(out).toContain(`Provider: ${p.address.toString()}`);
            expect(out).toContain(`Dry run: nothing sent. The message to send from the owner (${owner.address.toString()}):`);
            expect(out).toContain('  value: 0.3 TON');
            expect(out).toContain("  init:  the Provider's StateInit");
            // this Root allows no model yet: the profile's is flagged, not refused
            expect(out).toContain('0xa612ee38f457479a1154d043b577aa17461530d214b3f6c2c192d359f5363ba2  WARNING: not allowed by the Root');
            expect(h.provider.sent.length).toBe(before);
            expect(await h.blockchain.getContract(p.address).then((c) => c.accountState?.type)).not.toBe('active');
        });
    });

    describe('bindAttestation', () => {
        it('refuses a signature that does not verify', async () => {
            const wrong = sign(Buffer.alloc(32, 1), tee.secretKey).toString('hex');
            const message = await h.refused('bindAttestation', bind('+6h', '--signature', wrong, '--tee-public-key', TEE_PUB), owner);
            expect(message).toContain(
                `Not sent: the signature does not verify: it is not TEE key 0x${TEE_PUB}'s signature over the claim hash`,
            );
            expect(message).toContain('ERR_BAD_TEE_SIGNATURE (exit code 1548)');
        });

        it("refuses an expiry beyond the Root's attestation lifetime, or past", async () => {
            expect(await h.refused('bindAttestation', bind('+2d', '--tee-key-file', KEY_FILE), owner)).toContain(
                "the Root's answer would refuse this binding (BindingRefused): expiresAt 2025-06-17T16:06:40Z (in 2d) is later than the Root's attestationLifetime of 1d (86400 s) allows: at most 2025-06-16T16:06:40Z",
            );
            expect(await h.refused('bindAttestation', bind('2025-06-01T00:00:00Z', '--tee-key-file', KEY_FILE), owner)).toContain(
                'expiresAt 2025-06-01T00:00:00Z (14d 16h 6m 40s ago) is not in the future (ERR_BINDING_EXPIRED (exit code 1549))',
            );
        });

        it('refuses an image the Root does not allow for the role, and an unknown attestation root', async () => {
            const message = await h.refused(
                'bindAttestation',
                [PROXY_IMAGE, 'ab'.repeat(32), '+1h', '--tee-key-file', KEY_FILE, ...node],
                owner,
            );
            expect(message).toContain(
                'the Root does not allow the image for the worker role; the Root does not allow the attestation root',
            );
        });

        it('names bad or missing key arguments', async () => {
            const cases: [string[], string][] = [
                [bind('+1h'), 'no TEE key: give --tee-key-file <path>'],
                [bind('+1h', '--signature', 'aa'.repeat(64)), '--signature needs --tee-public-key <hex64>'],
                [bind('+1h', '--tee-public-key', TEE_PUB), '--tee-public-key needs --signature <hex128>'],
                [
                    bind('+1h', '--tee-key-file', KEY_FILE, '--signature', 'aa'.repeat(64)),
                    'give either --tee-key-file <path> or --signature',
                ],
                [bind('+1h', '--print-claim', '--tee-key-file', KEY_FILE), '--print-claim prints the claim for a key that signs elsewhere'],
                [
                    bind('+1h', '--signature', 'aa', '--tee-public-key', TEE_PUB),
                    'invalid --signature "aa": expected an Ed25519 signature as 128 hex digits',
                ],
                [bind('tomorrow', '--tee-key-file', KEY_FILE), 'invalid expiresAt "tomorrow": expected an ISO 8601 time with its zone'],
                [bind('2025-06-16T12:00:00', '--tee-key-file', KEY_FILE), 'invalid expiresAt "2025-06-16T12:00:00"'],
                [[WORKER_IMAGE, TEST_ROOT, '+1h', '--tee-key-file', KEY_FILE], 'missing the Provider: pass --provider <address>'],
            ];
            for (const [args, expected] of cases) {
                const message = await h.refused('bindAttestation', args, owner);
                expect(message).toContain(expected);
                expect(message).toContain(
                    '\nUsage: npx blueprint run bindAttestation <network> <wallet> -- <imageHash> <attestationRoot> <expiresAt: ISO time|+duration|unix> [--tee-key-file <path>] [--signature <hex128>] [--tee-public-key <hex64>] [--print-claim] [--provider <address>] [--node <index>] [--root <address>] [--dry-run]',
                );
            }
            expect(await h.refused('bindAttestation', bind('+1h', '--tee-key-file', write('bad.seed', 'not hex')), owner)).toContain(
                'is refused: expected the Ed25519 seed as 64 hex digits (32 bytes, 0x optional)',
            );
            expect(await h.refused('bindAttestation', bind('+1h', '--tee-key-file', join(dir, 'none.seed')), owner)).toContain(
                'cannot read the TEE key file',
            );
        });

        it('--print-claim prints what the enclave signs; --signature submits it', async () => {
            const before = h.provider.sent.length;
            const printed = await h.run('bindAttestation', bind('+6h', '--print-claim', '--tee-public-key', TEE_PUB), owner);
            expect(h.provider.sent.length).toBe(before);
            const expiresAt = BigInt(T0 + 6 * HOUR);
            const hash = bindingClaimHash(provider.address, BigInt('0x' + WORKER_IMAGE), TEST_ATTESTATION_ROOT_HASH, expiresAt);
            expect(printed).toContain(`Claim hash (32 bytes, hex; sign these bytes with Ed25519): ${hash.toString('hex')}`);
            expect(printed).toContain(`expiresAt        2025-06-15T22:06:40Z (in 6h), unix ${expiresAt}`);
            expect(printed).toContain(
                `npx blueprint run bindAttestation <network> <wallet> -- 0x${WORKER_IMAGE} ${TEST_ROOT} ${expiresAt} --signature <hex128> --tee-public-key ${TEE_PUB} --provider ${provider.address.toString()}`,
            );

            const signature = sign(hash, tee.secretKey).toString('hex');
            h.advance(60); // the operator takes a minute: the unix expiry keeps the claim the same
            const out = await h.run(
                'bindAttestation',
                [
                    WORKER_IMAGE,
                    TEST_ROOT,
                    String(expiresAt),
                    '--signature',
                    signature,
                    '--tee-public-key',
                    TEE_PUB,
                    '--provider',
                    provider.address.toString(),
                ],
                owner,
            );
            expect(out).toContain('signature         given (--signature)');
            expect(out).toContain(`Binding accepted: TEE key 0x${TEE_PUB} is bound until 2025-06-15T22:06:40Z`);
            expect((await provider.getBinding())!.teeKey).toBe(BigInt('0x' + TEE_PUB));
            // the same binding again changes nothing
            expect(
                await h.refused(
                    'bindAttestation',
                    [WORKER_IMAGE, TEST_ROOT, String(expiresAt), '--tee-key-file', KEY_FILE, ...node],
                    owner,
                ),
            ).toContain('this binding is in place already');
        });

        it('--print-claim refuses a claim the Root would refuse', async () => {
            expect(await h.refused('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1h', '--print-claim', ...node], owner)).toContain(
                "Not printed: the Root's answer would refuse this binding (BindingRefused): the Root does not allow the image for the worker role",
            );
        });

        it('warns when the key file is readable by others', async () => {
            const open = write('open.seed', seed.toString('hex'), 0o644);
            expect(await h.run('bindAttestation', bind('+1h', '--tee-key-file', open), owner)).toContain(
                `Warning: the TEE key file ${open} is readable by other users`,
            );
        });

        it("reports a binding the Root's answer refuses: the reasons from its event, or that it did not change", async () => {
            // The guardian's role played by governance: the Root is paused while the binding is in flight.
            const pauseFirst = () =>
                h
                    .rootAt(root)
                    .sendPause(h.governance.getSender())
                    .then(() => undefined);
            const restoreSender = beforeNextSend(h, pauseFirst);
            const restoreIndexer = serveTransactions(h);
            try {
                const message = await failure(h.run('bindAttestation', bind('+1h', '--tee-key-file', KEY_FILE), owner));
                expect(message).toBe(
                    "the binding was refused by the Root's answer (BindingRefused): the Root is paused. The Provider keeps what it had: it stays without a binding.",
                );
            } finally {
                restoreSender();
                restoreIndexer();
            }
            expect(await provider.getBinding()).toBeNull();

            // Without an API that lists transactions (the sandbox cannot find one by lt and hash):
            await h.blockchain.loadFrom(snapshot);
            const restore = beforeNextSend(h, pauseFirst);
            try {
                const message = await failure(h.run('bindAttestation', bind('+1h', '--tee-key-file', KEY_FILE), owner));
                expect(message).toContain(
                    "the binding did not change: the Root's answer refused it, and this API does not list the Provider's transactions, which hold the BindingRefused reasons. The Root now: the Root is paused.",
                );
            } finally {
                restore();
            }
        });
    });

    describe('staking', () => {
        it('withdrawStake: nothing unbonding, before the unlock time (printed), frozen withdrawals', async () => {
            expect(await h.refused('withdrawStake', node, owner)).toContain(
                'Not sent: nothing is unbonding (ERR_NOTHING_TO_WITHDRAW (exit code 1795)); unstake or requestExit first',
            );
            await h.run('stake', ['3', ...node], owner);
            await h.run('unstake', ['3', ...node], owner);
            expect(await h.refused('withdrawStake', node, owner)).toContain(
                'the unbonding 3 TON unlocks at 2025-06-15T17:06:40Z (in 1h) by the chain clock (ERR_UNBONDING_NOT_FINISHED',
            );
            // A pending slash: the Root freezes withdrawals.
            await provider.send(h.blockchain.sender(root), { value: toNano('0.05') }, { $$type: 'FreezeWithdrawals', queryId: 0n });
            h.advance(HOUR);
            expect(await h.refused('withdrawStake', node, owner)).toContain(
                'withdrawals are frozen while a slash is pending (ERR_WITHDRAWALS_FROZEN',
            );
            const shown = await h.run('showProvider', node, owner);
            expect(shown).toContain('  unbonding    3 TON, withdrawable now once withdrawals are unfrozen');
            expect(shown).toContain('  withdrawals  FROZEN: a slash is pending');
        });

        it('unstake and stake amounts, the wallet balance, and the owner', async () => {
            expect(await h.refused('unstake', ['1', ...node], owner)).toContain(
                'Not sent: the stake is only 0 TON (ERR_INSUFFICIENT_STAKE',
            );
            expect(await h.refused('stake', ['0', ...node], owner)).toContain('invalid amount "0": must be more than 0');
            expect(await h.refused('stake', ['1.5 TON', ...node], owner)).toContain(
                'invalid amount "1.5 TON": expected a TON amount like 10 or 0.5',
            );
            expect(await h.refused('stake', ['5000000', ...node], owner)).toMatch(
                new RegExp(
                    `Not sent: the connected wallet holds [\\d.]+ TON, but the message carries ${fromNano(toNano('5000000') + ACTION_VALUE).replace('.', '\\.')} TON`,
                ),
            );
            const stranger = await h.refused('stake', ['1', '--provider', provider.address.toString()], h.stranger);
            expect(stranger).toContain(`Not sent: the connected wallet ${h.stranger.address.toString()}`);
            expect(stranger).toContain(`is not the Provider's owner ${owner.address.toString()} (ERR_NOT_OWNER (exit code 1537))`);
        });

        it('--dry-run skips the owner check and prints the message', async () => {
            const before = h.provider.sent.length;
            const out = await h.run('stake', ['2', '--provider', provider.address.toString(), '--dry-run'], h.stranger);
            expect(out).toContain(`Dry run: nothing sent. The message to send from the owner (${owner.address.toString()}):`);
            expect(out).toContain(`  to:    ${provider.address.toString()}`);
            expect(out).toContain(`  value: ${fromNano(toNano('2') + ACTION_VALUE)} TON`);
            expect(out).toMatch(/ {2}body: {2}te6cc/);
            expect(h.provider.sent.length).toBe(before);
        });

        it('requestExit with nothing staked exits at once', async () => {
            const out = await h.run('requestExit', node, owner);
            expect(out).toContain('Nothing is staked or unbonding: the Provider exits at once.');
            expect(out).toContain('Status: registered -> exited.');
            expect(out).toContain('Nothing to withdraw: the Provider has exited.');
            expect((await provider.getState()).status).toBe(STATUS_EXITED);
            expect(await h.refused('withdrawStake', node, owner)).toContain('nothing is unbonding');
            expect(await h.refused('recheck', ['--provider', provider.address.toString()], h.stranger)).toContain(
                'the Provider has exited (ERR_PROVIDER_CLOSED',
            );
        });

        it('reports a message the Provider bounces after the checks passed, with its exit code', async () => {
            // The owner's exit lands first (another terminal, say): the stake then bounces.
            const exitFirst = () => provider.sendRequestExit(owner.getSender()).then(() => undefined);
            const restoreSender = beforeNextSend(h, exitFirst);
            const restoreIndexer = serveTransactions(h);
            try {
                expect(await failure(h.run('stake', ['1', ...node], owner))).toContain(
                    'the Provider refused the message with ERR_PROVIDER_CLOSED (exit code 1550) (docs/errors.md); nothing changed',
                );
            } finally {
                restoreSender();
                restoreIndexer();
            }
            // Without transactions to look at, the wait runs out.
            await h.blockchain.loadFrom(snapshot);
            const restore = beforeNextSend(h, exitFirst);
            try {
                expect(await failure(h.run('stake', ['1', ...node], owner))).toContain('The change is not visible after 3 polls');
            } finally {
                restore();
            }
        });
    });

    describe('a listed proxy', () => {
        it('a new endpoint while the Root is paused: warned, and the refused directory update reported', async () => {
            const proxyNode = ['--node', '5', ...at];
            const proxy = h.blockchain.openContract(await ExtendedProvider.forNode(root, owner.address, 5n));
            const proxyFile = write('proxy.json', readFileSync('scripts/config/proxy-profile.example.json', 'utf8'));
            await h.run('registerProvider', ['proxy', proxyFile, ...proxyNode], owner);
            await h.run('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', KEY_FILE, ...proxyNode], owner);
            expect(await h.run('stake', ['50', ...proxyNode], owner)).toContain("Listed in the Root's proxy directory");
            await h.run('pause', at);
            const moved = write(
                'moved.json',
                JSON.stringify({ ...JSON.parse(readFileSync(proxyFile, 'utf8')), endpoint: 'https://moved.example' }),
            );
            const afterPause = h.blockchain.snapshot();

            const restoreIndexer = serveTransactions(h);
            try {
                const out = await h.run('updateProfile', [moved, ...proxyNode], owner);
                expect(out).toContain('WARNING: the Root is paused and refuses the directory update');
                expect(out).toContain('Profile updated.');
                expect(out).toContain(
                    'The Root refused the directory update (paused, or trust revoked meanwhile): its previous entry stays, with endpoint https://proxy.example.com:8443.',
                );
            } finally {
                restoreIndexer();
            }
            expect((await proxy.getState()).listed).toBe(true);
            expect((await h.rootAt(root).getProxy(proxy.address))!.endpoint).toBe('https://proxy.example.com:8443');
            const shown = await h.run('showProvider', proxyNode, owner);
            expect(shown).toMatch(/MISMATCH +the directory entry's endpoint differs from the profile's/);

            // Without the Provider's transactions, the script says what it sees after a few polls.
            await h.blockchain.loadFrom(afterPause);
            expect(await h.run('updateProfile', [moved, ...proxyNode], owner)).toContain(
                "The Root's directory does not show the update yet (its entry has endpoint https://proxy.example.com:8443): the update is on its way, or the Root refused it",
            );
        });
    });

    describe('finding the Provider', () => {
        const saved = { p: process.env.PROVIDER_ADDRESS, r: process.env.ROOT_ADDRESS };
        afterEach(() => {
            for (const [k, v] of [
                ['PROVIDER_ADDRESS', saved.p],
                ['ROOT_ADDRESS', saved.r],
            ] as const) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
        });

        it('by --provider, PROVIDER_ADDRESS or --node; each mistake named', async () => {
            delete process.env.PROVIDER_ADDRESS;
            delete process.env.ROOT_ADDRESS;
            const header = `Provider: ${provider.address.toString()}`;
            expect(await h.run('showProvider', ['--provider', provider.address.toRawString()], h.stranger)).toContain(header);
            expect(await h.run('showProvider', node, owner)).toContain(header);
            process.env.PROVIDER_ADDRESS = provider.address.toString();
            expect(await h.run('showProvider', [], h.stranger)).toContain(header);
            process.env.ROOT_ADDRESS = h.stranger.address.toString();
            expect(await h.run('showProvider', [], h.stranger)).toContain(
                `Note: ROOT_ADDRESS names another Root; this Provider serves under ${root.toString()}.`,
            );
            delete process.env.PROVIDER_ADDRESS;
            delete process.env.ROOT_ADDRESS;

            expect(await h.refused('showProvider', [])).toContain(
                'missing the Provider: pass --provider <address> or set PROVIDER_ADDRESS, or pass --node <index>',
            );
            expect(await h.refused('showProvider', ['--provider', provider.address.toString(), '--node', '0'])).toContain(
                'give either --provider <address> or --node <index>, not both',
            );
            expect(await h.refused('showProvider', ['--node', '0'])).toContain(
                'missing the Root address: pass --root <address> or set ROOT_ADDRESS',
            );
            expect(await h.refused('showProvider', ['--node', '3', ...at], owner)).toContain('node 3 of');
            expect(await h.refused('showProvider', ['--node', '3', ...at], owner)).toContain(
                'is not registered; run registerProvider first',
            );
            expect(await h.refused('showProvider', ['--provider', root.toString()])).toContain('does not answer as a Cocoon Provider');
            expect(await h.refused('showProvider', ['--provider', 'EQnope'])).toContain('invalid --provider "EQnope"');
            const empty = new Address(0, Buffer.alloc(32, 7));
            expect(await h.refused('showProvider', ['--provider', empty.toString()])).toContain(
                `no active contract at ${empty.toString()}`,
            );
            expect(
                await h.refused('stake', ['1', '--provider', provider.address.toString(), '--root', h.stranger.address.toString()], owner),
            ).toContain(`--root ${h.stranger.address.toString()} is not this Provider's Root, which is ${root.toString()}`);
            process.env.PROVIDER_ADDRESS = 'nope';
            expect(await h.refused('showProvider', [])).toContain('invalid PROVIDER_ADDRESS "nope"');
        });
    });
});

/**
 * Runs `action` just before the next message the scripts send, as if it had landed first: how a
 * test makes a message fail after the script's checks passed.
 */
function beforeNextSend(h: Harness, action: () => Promise<void>): () => void {
    const original = h.provider.sender.bind(h.provider);
    h.provider.sender = (): SenderWithSendResult => {
        const s = original();
        return {
            address: s.address,
            get lastSendResult() {
                return s.lastSendResult;
            },
            send: async (args) => {
                h.provider.sender = original;
                await action();
                await s.send(args);
            },
        };
    };
    return () => {
        h.provider.sender = original;
    };
}

/**
 * Serves ContractProvider.getTransactions like an indexer, from the results recorded from now on:
 * the sandbox's own cannot find a transaction by lt and hash (@ton/sandbox 0.41 compares the hash
 * Buffers with ===).
 */
function serveTransactions(h: Harness): () => void {
    const original = h.provider.provider.bind(h.provider);
    const from = h.provider.sent.length;
    h.provider.provider = (address, init) => {
        const inner: ContractProvider = original(address, init);
        return {
            ...inner,
            getTransactions: async (a: Address, lt: bigint, _hash: Buffer, limit?: number): Promise<Transaction[]> =>
                h.provider.sent
                    .slice(from)
                    .flatMap((r) => r.transactions)
                    .filter((tx) => {
                        const dest = tx.inMessage?.info.dest;
                        return Address.isAddress(dest) && dest.equals(a) && tx.lt <= lt;
                    })
                    .sort((x, y) => (x.lt > y.lt ? -1 : 1))
                    .slice(0, limit),
        };
    };
    return () => {
        h.provider.provider = original;
    };
}
