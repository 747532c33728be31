/**
 * Provider set-ups shared by the Provider gas, scale and fee specs: profiles (typical and as large
 * as the contract accepts), the TEE key, binding expiry, and one node's register / bind / stake.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { Address, Sender, toNano } from '@ton/core';
import { keyPairFromSeed } from '@ton/crypto';
import { Blockchain, SandboxContract, SendMessageResult } from '@ton/sandbox';
import {
    bindingClaimHash,
    ExtendedProvider,
    MAX_GPU_COUNT,
    MAX_PRICE_PER_TOKEN,
    MAX_SERVED_MODELS,
    MAX_TEXT_BYTES,
    MAX_VRAM_GB,
    Profile,
    proxyProfile,
    workerProfile,
} from '../../wrappers/Provider';
import { MAX_ENDPOINT_BYTES } from '../../wrappers/Root';
import { DAY, HASHES, RootContract } from '../fixtures/environment';

export type ProviderContract = SandboxContract<ExtendedProvider>;
export type Role = 'worker' | 'proxy';

/** The enclave key every test node binds (the contract does not require keys to differ). */
const TEE_SEED = Buffer.alloc(32, 0x42);
export const TEE_KEY = keyPairFromSeed(TEE_SEED);
/** The same key for node:crypto, whose native Ed25519 signs in microseconds where tweetnacl takes milliseconds. */
const TEE_PRIVATE = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), TEE_SEED]),
    format: 'der',
    type: 'pkcs8',
});

/** TEE_KEY's signature of the claim binding it to `provider` (the signature signBindingClaim makes). */
export function signClaim(provider: Address, imageHash: bigint, attestationRoot: bigint, expiresAt: bigint): Buffer {
    return sign(null, bindingClaimHash(provider, imageHash, attestationRoot, expiresAt), TEE_PRIVATE);
}

/** A worker's profile as it would usually look: one model, a few GPUs. */
export function typicalWorker(i = 0): Profile {
    return workerProfile({
        gpuModel: 'NVIDIA H100 80GB HBM3',
        gpuCount: 8,
        vramGb: 80,
        onlineHoursPerDay: 24,
        region: 'eu-west',
        models: [HASHES.model + BigInt(i % 2)],
    });
}

/** A proxy's profile as it would usually look. */
export function typicalProxy(i = 0, port = 8443): Profile {
    return proxyProfile({
        onlineHoursPerDay: 24,
        region: 'eu-west',
        endpoint: `https://proxy-${i}.example.org:${port}`,
        prices: { prompt: 1_000n, cached: 100n, completion: 4_000n, reasoning: 4_000n, workerFee: 2_000n },
    });
}

/** The largest worker profile the contract accepts: every bound at its maximum. */
export function largestWorker(): Profile {
    return workerProfile({
        gpuModel: 'G'.repeat(Number(MAX_TEXT_BYTES)),
        gpuCount: Number(MAX_GPU_COUNT),
        vramGb: Number(MAX_VRAM_GB),
        onlineHoursPerDay: 24,
        region: 'R'.repeat(Number(MAX_TEXT_BYTES)),
        models: Array.from({ length: Number(MAX_SERVED_MODELS) }, (_, i) => (1n << 255n) + BigInt(i) * 0x0101010101n),
    });
}

/** The largest proxy profile the contract accepts; `tag` makes endpoints differ. */
export function largestProxy(tag = 'a'): Profile {
    const max = MAX_PRICE_PER_TOKEN;
    return proxyProfile({
        onlineHoursPerDay: 24,
        region: 'R'.repeat(Number(MAX_TEXT_BYTES)),
        endpoint: `https://proxy-${tag}.example.org:8443/`.padEnd(Number(MAX_ENDPOINT_BYTES), 'x'),
        prices: { prompt: max, cached: max, completion: max, reasoning: max, workerFee: max },
    });
}

/** A binding expiry the Root accepts: inside its attestation lifetime (7 days in the fixture). */
export function expiry(blockchain: Blockchain): bigint {
    return BigInt(blockchain.now! + 6 * DAY);
}

export function imageFor(role: Role): bigint {
    return role === 'worker' ? HASHES.workerImage : HASHES.proxyImage;
}

/** Binds TEE_KEY to `provider` under the role's fixture image and attestation root. */
export function bind(
    blockchain: Blockchain,
    provider: ProviderContract,
    via: Sender,
    role: Role,
    value?: bigint,
    image = imageFor(role),
): Promise<SendMessageResult> {
    const expiresAt = expiry(blockchain);
    const signature = signClaim(provider.address, image, HASHES.root, expiresAt);
    return provider.sendBind(via, { teeKey: TEE_KEY, imageHash: image, attestationRoot: HASHES.root, expiresAt, signature }, 0n, value);
}

/** The minimum stake of the fixture's parameters (defaultParams). */
export const MIN_STAKE: Record<Role, bigint> = { worker: toNano('100'), proxy: toNano('1000') };

/** A node of `owner` at `nodeIndex`, opened on `blockchain` (not yet deployed). */
export async function openProvider(blockchain: Blockchain, root: Address, owner: Address, nodeIndex: bigint): Promise<ProviderContract> {
    return blockchain.openContract(await ExtendedProvider.forNode(root, owner, nodeIndex));
}

/**
 * Fills `root`'s proxy directory with entries listed straight from Provider contract addresses of
 * a filler owner (no Provider runs there). The function returned lists new ones until the
 * directory holds `count`; call it again to fill up after entries left.
 */
export async function directoryFiller(blockchain: Blockchain, root: RootContract) {
    const filler = await blockchain.treasury('directory-filler');
    let next = 0n;
    return async (count: bigint) => {
        while ((await root.getState()).proxyCount < count) {
            const i = next++;
            const address = await root.getProviderAddress(filler.address, i);
            await root.send(
                blockchain.sender(address),
                { value: toNano('0.1') },
                {
                    $$type: 'ListProxyForRoot',
                    queryId: 0n,
                    owner: filler.address,
                    nodeIndex: i,
                    imageHash: HASHES.proxyImage,
                    attestationRoot: HASHES.root,
                    endpoint: `https://filler-${i}.example.org:8443`,
                },
            );
        }
    };
}
