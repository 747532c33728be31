/**
 * The Provider's identity and its owner's one-time role registration.
 */
import '@ton/test-utils';
import { Address, Cell, toNano } from '@ton/core';
import { Blockchain, BlockchainSnapshot, SandboxContract, SendMessageResult, TreasuryContract } from '@ton/sandbox';
import {
    ERR_ALREADY_REGISTERED,
    ERR_INVALID_ROLE,
    ERR_NOT_OWNER,
    loadExcesses,
    Provider,
    ROLE_PROXY,
    ROLE_WORKER,
} from '../../build/Provider/tact_Provider';
import { deployEnvironment, Env } from '../fixtures/environment';
import { messagesBetween } from '../helpers/root';

let env: Env;
let owner: SandboxContract<TreasuryContract>;
let provider: SandboxContract<Provider>;
let snapshot: BlockchainSnapshot;

beforeAll(async () => {
    env = await deployEnvironment();
    owner = await env.blockchain.treasury('provider-owner');
    provider = env.blockchain.openContract(await Provider.fromInit(env.root.address, owner.address, 3n));
    snapshot = env.blockchain.snapshot();
});

beforeEach(async () => {
    await env.blockchain.loadFrom(snapshot);
});

function register(from: SandboxContract<TreasuryContract>, role: bigint, queryId = 0n) {
    return provider.send(from.getSender(), { value: toNano('0.1') }, { $$type: 'RegisterProvider', queryId, role });
}

/**
 * The Provider's persistent data; before its first successful message that is the StateInit data
 * (Tact keeps the init arguments there until init() has run), which a refused first message leaves.
 */
async function data(blockchain: Blockchain, address: Address): Promise<Cell> {
    const s = (await blockchain.getContract(address)).accountState;
    return s?.type === 'active' ? s.state.data! : provider.init!.data;
}

async function refused(result: SendMessageResult, from: Address, code: bigint, before: Cell) {
    expect(result.transactions).toHaveTransaction({ from, to: provider.address, success: false, aborted: true, exitCode: Number(code) });
    const after = await data(env.blockchain, provider.address);
    expect(after.hash().toString('hex')).toBe(before.hash().toString('hex'));
}

describe('Provider registration', () => {
    it('the Root derives the same address as Provider.fromInit', async () => {
        expect((await env.root.getProviderAddress(owner.address, 3n)).equals(provider.address)).toBe(true);
    });

    it.each([
        ['worker', ROLE_WORKER],
        ['proxy', ROLE_PROXY],
    ])('the owner deploys and registers as %s; the excess comes back', async (_l, role) => {
        const r = await register(owner, role, 17n);
        expect(r.transactions).toHaveTransaction({ from: owner.address, to: provider.address, deploy: true, success: true });
        const identity = await provider.getIdentity();
        expect(identity.root.equals(env.root.address)).toBe(true);
        expect(identity.owner.equals(owner.address)).toBe(true);
        expect(identity.nodeIndex).toBe(3n);
        expect(identity.role).toBe(role);
        const back = messagesBetween(r, provider.address, owner.address);
        expect(back).toHaveLength(1);
        expect(loadExcesses(back[0].body.beginParse()).queryId).toBe(17n);
    });

    it('anyone but the owner is refused with ERR_NOT_OWNER, before and after registration', async () => {
        const before = await data(env.blockchain, provider.address);
        await refused(await register(env.stranger, ROLE_WORKER), env.stranger.address, ERR_NOT_OWNER, before);
        expect((await register(owner, ROLE_PROXY)).transactions).toHaveTransaction({ to: provider.address, success: true });
        const registered = await data(env.blockchain, provider.address);
        await refused(await register(env.stranger, ROLE_WORKER), env.stranger.address, ERR_NOT_OWNER, registered);
        // the Root is not the owner either
        await refused(
            await provider.send(
                env.blockchain.sender(env.root.address),
                { value: toNano('0.1') },
                { $$type: 'RegisterProvider', queryId: 0n, role: ROLE_WORKER },
            ),
            env.root.address,
            ERR_NOT_OWNER,
            registered,
        );
        expect((await provider.getIdentity()).role).toBe(ROLE_PROXY);
    });

    it('a second registration is refused with ERR_ALREADY_REGISTERED', async () => {
        expect((await register(owner, ROLE_WORKER)).transactions).toHaveTransaction({ to: provider.address, success: true });
        const before = await data(env.blockchain, provider.address);
        for (const role of [ROLE_WORKER, ROLE_PROXY]) {
            await refused(await register(owner, role), owner.address, ERR_ALREADY_REGISTERED, before);
        }
        expect((await provider.getIdentity()).role).toBe(ROLE_WORKER);
    });

    it.each([0n, 3n, 4n, 0xffn])('role %s is refused with ERR_INVALID_ROLE', async (role) => {
        const before = await data(env.blockchain, provider.address);
        await refused(await register(owner, role), owner.address, ERR_INVALID_ROLE, before);
        expect((await provider.getIdentity()).role).toBe(0n);
        // a valid registration still works afterwards
        expect((await register(owner, ROLE_PROXY)).transactions).toHaveTransaction({ to: provider.address, success: true });
    });
});
