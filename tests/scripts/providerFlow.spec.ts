/**
 * The Provider scripts end to end, on a Root deployed from devnet.json by deployRoot (minimum stake
 * 10 TON for a worker and 50 for a proxy, unbonding delay 1 hour, attestation lifetime 1 day), with
 * images and a model allowed through proposeImage, proposeModel and executeProposal. The TEE key
 * signs from a seed file in a temporary directory.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address, fromNano, toNano } from '@ton/core';
import { keyPairFromSeed } from '@ton/crypto';
import { BlockchainSnapshot, SandboxContract, TreasuryContract } from '@ton/sandbox';
import { ACTION_VALUE, ExtendedProvider, STATUS_ACTIVE, STATUS_EXITED, STATUS_SUSPENDED } from '../../wrappers/Provider';
import { formatHash256, TEST_ATTESTATION_ROOT_HASH } from '../../wrappers/Root';
import { createHarness, deployDevnetRoot, Harness, START } from './harness';

const HOUR = 3600;
const WORKER_IMAGE = 'c1'.repeat(32);
const PROXY_IMAGE = 'c2'.repeat(32);
const PROXY_IMAGE_2 = 'c3'.repeat(32);
const MODEL = '0xa612ee38f457479a1154d043b577aa17461530d214b3f6c2c192d359f5363ba2';
const TEST_ROOT = formatHash256(TEST_ATTESTATION_ROOT_HASH);
const dir = mkdtempSync(join(tmpdir(), 'cocoon-provider-'));

/** A TEE key seed file, mode 600; returns its path and the key pair. */
function keyFile(name: string, seedByte: number) {
    const seed = Buffer.alloc(32, seedByte);
    const path = join(dir, name);
    writeFileSync(path, seed.toString('hex') + '\n');
    chmodSync(path, 0o600);
    return { path, key: keyPairFromSeed(seed), teeKey: '0x' + keyPairFromSeed(seed).publicKey.toString('hex') };
}

/** A copy of an example profile with `changes`, in the temporary directory. */
function profile(role: 'worker' | 'proxy', name: string, changes: object = {}): string {
    const path = join(dir, name);
    const base = JSON.parse(readFileSync(`scripts/config/${role}-profile.example.json`, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...base, ...changes }, null, 4));
    return path;
}

describe('Provider scripts', () => {
    let h: Harness;
    let root: Address;
    let at: string[];
    let owner: SandboxContract<TreasuryContract>;
    let snapshot: BlockchainSnapshot;
    const T0 = START + HOUR;

    beforeAll(async () => {
        h = await createHarness();
        root = await deployDevnetRoot(h);
        at = ['--root', root.toString()];
        await h.run('proposeImage', [WORKER_IMAGE, 'worker', ...at]);
        await h.run('proposeImage', [PROXY_IMAGE, 'proxy', ...at]);
        await h.run('proposeModel', [MODEL, ...at]);
        await h.run('proposeImage', [PROXY_IMAGE_2, 'proxy', ...at]);
        h.advance(HOUR);
        for (const id of ['0', '1', '2', '3']) await h.run('executeProposal', [id, ...at], h.stranger);
        owner = await h.blockchain.treasury('node-owner');
        snapshot = h.blockchain.snapshot();
    });
    beforeEach(async () => {
        await h.blockchain.loadFrom(snapshot);
        h.blockchain.now = T0;
    });

    const providerOf = async (node: bigint) => h.blockchain.openContract(await ExtendedProvider.forNode(root, owner.address, node));

    it('worker: register, bind with a key file, stake, show, unstake, withdraw after the delay, exit', async () => {
        const node = ['--node', '0', ...at];
        const p = await providerOf(0n);
        const workerFile = profile('worker', 'worker.json');
        const tee = keyFile('worker.seed', 1);

        const registered = await h.run('registerProvider', ['worker', workerFile, ...node], owner);
        expect(registered).toContain(`Provider: ${p.address.toString()} (raw ${p.address.toRawString()})`);
        expect(registered).toContain('Action: register node 0 as a worker, deploying its Provider, with the profile:');
        expect(registered).toContain('GPUs        8 x NVIDIA H100 80GB HBM3, 80 GB VRAM each');
        expect(registered).not.toContain('WARNING');
        expect(registered).toContain('Registered node 0 as a worker: status registered.');
        const configVersion = (await h.rootAt(root).getState()).configVersion;
        expect(registered).toContain(
            `Learned from the Root (configVersion ${configVersion}): minimum stake 10 TON, unbonding delay 1h (3600 s), attestation lifetime 1d (86400 s).`,
        );
        expect(registered).toContain(`export PROVIDER_ADDRESS=${p.address.toString()}`);
        expect((await p.getRootView()).minStake).toBe(toNano('10'));

        const bound = await h.run('bindAttestation', [WORKER_IMAGE, TEST_ROOT, '+12h', '--tee-key-file', tee.path, ...node], owner);
        expect(bound).toContain(`Action: bind TEE key ${tee.teeKey} to this worker:`);
        expect(bound).toContain(`signature         made with the key in ${tee.path}`);
        expect(bound).toContain(`Binding accepted: TEE key ${tee.teeKey} is bound until 2025-06-16T04:06:40Z (in 12h).`);
        expect(bound).toContain('Status: registered.');
        expect(bound).toContain('Stake at least 10 TON in total to become active (stake).');
        expect(bound).not.toContain('readable by other users');
        const binding = (await p.getBinding())!;
        expect(binding.teeKey).toBe(BigInt(tee.teeKey));
        expect(binding.expiresAt).toBe(BigInt(T0 + 12 * HOUR));

        const staked = await h.run('stake', ['10', ...node], owner);
        expect(staked).toContain('Action: stake 10 TON: 0 TON -> 10 TON');
        expect(staked).toContain('The Provider becomes active.');
        expect(staked).toContain(`Sent with ${fromNano(toNano('10') + ACTION_VALUE)} TON attached`);
        expect(staked).toContain('Status: registered -> active.');

        const shown = await h.run('showProvider', ['--provider', p.address.toString()], h.stranger);
        for (const line of [
            '  role           worker',
            '  status         active',
            "  stake        10 TON  (the Root's minimum for a worker: 10 TON)",
            '  unbonding    none',
            `  image             0x${WORKER_IMAGE}  (the Root allows it for the worker role now)`,
            `  attestation root  ${TEST_ROOT} (simulated TEST root)  (allowed by the Root now)`,
            `  TEE key           ${tee.teeKey}`,
            '  expiresAt         2025-06-16T04:06:40Z (in 12h)',
            `  models (1)  ${MODEL}  (allowed by the Root)`,
            `  configVersion        ${configVersion}`,
            '  minStake             10 TON',
            '  tokensServed  0',
        ])
            expect(shown).toContain(line);
        expect(shown).not.toContain('statusNow');
        expect(shown).not.toContain('Listing');

        const unstaked = await h.run('unstake', ['4', ...node], owner);
        expect(unstaked).toContain('Action: unstake 4 TON: stake 10 TON -> 6 TON, unbonding 0 TON -> 4 TON');
        expect(unstaked).toContain('WARNING: the stake falls below the minimum of 10 TON: the Provider stops being active.');
        expect(unstaked).toContain(
            'Unbonding: 4 TON, withdrawable from 2025-06-15T17:06:40Z (in 1h) (by the chain clock; then run withdrawStake).',
        );
        expect(unstaked).toContain('Status: active -> registered.');

        expect(await h.refused('withdrawStake', node, owner)).toContain(
            'Not sent: the unbonding 4 TON unlocks at 2025-06-15T17:06:40Z (in 1h) by the chain clock (ERR_UNBONDING_NOT_FINISHED (exit code 1796))',
        );
        h.advance(HOUR);
        const balance = await owner.getBalance();
        const withdrawn = await h.run('withdrawStake', node, owner);
        expect(withdrawn).toContain(`Withdrew 4 TON to the owner ${owner.address.toString()}`);
        expect((await owner.getBalance()) - balance).toBeGreaterThan(toNano('3.9'));
        expect((await p.getState()).unbonding).toBe(0n);

        const exiting = await h.run('requestExit', node, owner);
        expect(exiting).toContain('Action: exit: the stake 6 TON starts unbonding: 6 TON in total');
        expect(exiting).toContain('Status: registered -> exiting.');
        expect(exiting).toContain('Unbonding: 6 TON, withdrawable from 2025-06-15T18:06:40Z (in 1h)');
        expect(await h.refused('stake', ['1', ...node], owner)).toContain(
            'the Provider is exiting: it takes no more stake, bindings or profile changes (ERR_PROVIDER_CLOSED',
        );
        expect(await h.refused('requestExit', node, owner)).toContain('the Provider is exiting already (ERR_ALREADY_EXITING');
        h.advance(HOUR);
        const last = await h.run('withdrawStake', node, owner);
        expect(last).toContain('Status: exiting -> exited.');
        expect(last).toContain('The Provider has exited: nothing is left staked or unbonding.');
        expect((await p.getState()).status).toBe(STATUS_EXITED);
        expect(await h.run('showProvider', node, owner)).toContain('  status         exited');
    });

    it('worker: an expired binding shows in showProvider, a stranger re-checks, a new binding reactivates', async () => {
        const node = ['--node', '0', ...at];
        const p = await providerOf(0n);
        const tee = keyFile('expiring.seed', 2);
        await h.run('registerProvider', ['worker', profile('worker', 'w2.json'), ...node], owner);
        await h.run('bindAttestation', [WORKER_IMAGE, TEST_ROOT, '+2h', '--tee-key-file', tee.path, ...node], owner);
        await h.run('stake', ['12.5', ...node], owner);
        h.advance(3 * HOUR);

        const shown = await h.run('showProvider', node, owner);
        expect(shown).toContain('  status         active');
        expect(shown).toContain(
            '  statusNow      suspended: the binding expired 2025-06-15T18:06:40Z (1h ago); a re-check will suspend it',
        );
        expect(shown).toContain('  expiresAt         2025-06-15T18:06:40Z (1h ago) EXPIRED');

        const rechecked = await h.run('recheck', ['--provider', p.address.toString()], h.stranger);
        expect(rechecked).toContain(`Action: re-check the binding of TEE key ${tee.teeKey} with the Root`);
        expect(rechecked).toContain('Expected: active -> suspended (the binding expired at 2025-06-15T18:06:40Z).');
        expect(rechecked).toContain('Status: active -> suspended.');
        expect((await p.getState()).status).toBe(STATUS_SUSPENDED);
        expect(await h.run('showProvider', node, owner)).not.toContain('statusNow');

        const renewed = keyFile('renewed.seed', 3);
        const rebound = await h.run(
            'bindAttestation',
            [WORKER_IMAGE, TEST_ROOT, '2025-06-16T12:00:00Z', '--tee-key-file', renewed.path, ...node],
            owner,
        );
        expect(rebound).toContain(`replaces          TEE key ${tee.teeKey}, expiring 2025-06-15T18:06:40Z (1h ago)`);
        expect(rebound).toContain('Status: suspended -> active.');
        expect((await p.getState()).status).toBe(STATUS_ACTIVE);
    });

    it('proxy: register, bind, stake lists it in the directory; a new endpoint moves the entry; a revoked image suspends and delists; exit', async () => {
        const proxyOwner = owner;
        const node = ['--node', '7', ...at];
        const p = await providerOf(7n);
        const tee = keyFile('proxy.seed', 4);
        const registered = await h.run('registerProvider', ['proxy', profile('proxy', 'proxy.json'), ...node], proxyOwner);
        expect(registered).toContain('price completion             0.0000004 TON per token (400 nanoton), 0.4 TON per 1M tokens');
        expect(registered).toContain('Learned from the Root');
        expect(registered).toContain('minimum stake 50 TON');
        const bound = await h.run('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', tee.path, ...node], proxyOwner);
        expect(bound).toContain('Binding accepted');
        expect(bound).toContain("Not in the Root's proxy directory.");

        const staked = await h.run('stake', ['50', ...node], proxyOwner);
        expect(staked).toContain('Status: registered -> active.');
        expect(staked).toContain("Listed in the Root's proxy directory with endpoint https://proxy.example.com:8443.");
        expect((await h.rootAt(root).getProxy(p.address))!.endpoint).toBe('https://proxy.example.com:8443');

        const shown = await h.run('showProvider', ['--provider', p.address.toRawString()], h.stranger);
        expect(shown).toContain('  role           proxy');
        expect(shown).toContain('  listed            yes');
        expect(shown).toContain("  Root's directory  listed 2025-06-15T16:06:40Z (now), endpoint https://proxy.example.com:8443");
        expect(shown).toContain('  price prompt                 0.0000001 TON per token (100 nanoton), 0.1 TON per 1M tokens');
        expect(shown).toContain('  workerFee (paid to workers)  0.0000003 TON per token (300 nanoton), 0.3 TON per 1M tokens');
        expect(shown).not.toContain('MISMATCH');
        expect(await h.run('showRoot', at)).toContain(`  ${p.address.toString()}`);

        const moved = await h.run(
            'updateProfile',
            [profile('proxy', 'moved.json', { endpoint: 'https://new.example.org' }), ...node],
            proxyOwner,
        );
        expect(moved).toContain('    endpoint  "https://proxy.example.com:8443" -> "https://new.example.org"');
        expect(moved).toContain("The endpoint changes: the Provider updates its entry in the Root's proxy directory.");
        expect(moved).toContain('Profile updated.');
        expect(moved).toContain("Listed in the Root's proxy directory with endpoint https://new.example.org.");
        expect((await h.rootAt(root).getProxy(p.address))!.endpoint).toBe('https://new.example.org');
        expect(await h.refused('updateProfile', [join(dir, 'moved.json'), ...node], proxyOwner)).toContain(
            'the profile equals the current one',
        );

        // A new binding under another image: the directory entry follows.
        const next = keyFile('proxy-next.seed', 6);
        const rebound = await h.run('bindAttestation', [PROXY_IMAGE_2, TEST_ROOT, '+1d', '--tee-key-file', next.path, ...node], proxyOwner);
        expect(rebound).toContain("The proxy's directory entry then names the new image and root.");
        expect(rebound).toContain("Listed in the Root's proxy directory with endpoint https://new.example.org.");
        expect((await h.rootAt(root).getProxy(p.address))!.imageHash).toBe(BigInt('0x' + PROXY_IMAGE_2));

        await h.run('revokeImage', [PROXY_IMAGE_2, 'proxy', ...at]);
        const stale = await h.run('showProvider', node, proxyOwner);
        expect(stale).toContain(`  image             0x${PROXY_IMAGE_2}  (NOT allowed by the Root for the proxy role now)`);
        expect(stale).toContain('  re-check now   would make it suspended: the Root does not allow the image for the proxy role');
        const rechecked = await h.run('recheck', ['--provider', p.address.toString()], h.stranger);
        expect(rechecked).toContain('Status: active -> suspended.');
        expect(rechecked).toContain('The binding is revoked: the Root no longer allows its image or root, or is paused.');
        expect(rechecked).toContain("Not in the Root's proxy directory.");
        expect(await h.rootAt(root).getProxy(p.address)).toBeNull();

        const exiting = await h.run('requestExit', node, proxyOwner);
        expect(exiting).toContain('Status: suspended -> exiting.');
        h.advance(HOUR);
        expect(await h.run('withdrawStake', node, proxyOwner)).toContain('Status: exiting -> exited.');
    });

    it('proxy: exiting while listed leaves the directory', async () => {
        const node = ['--node', '8', ...at];
        const p = await providerOf(8n);
        const tee = keyFile('proxy8.seed', 5);
        await h.run('registerProvider', ['proxy', profile('proxy', 'p8.json'), ...node], owner);
        await h.run('bindAttestation', [PROXY_IMAGE, TEST_ROOT, '+1d', '--tee-key-file', tee.path, ...node], owner);
        await h.run('stake', ['60', ...node], owner);
        expect(await h.rootAt(root).getProxy(p.address)).not.toBeNull();
        const exiting = await h.run('requestExit', node, owner);
        expect(exiting).toContain("The proxy leaves the Root's directory.");
        expect(exiting).toContain('Status: active -> exiting.');
        expect(exiting).toContain("Not in the Root's proxy directory.");
        expect(await h.rootAt(root).getProxy(p.address)).toBeNull();
    });
});
