/**
 * Gas does not grow with the number of providers (issue acceptance).
 *
 * One worker and one proxy are onboarded (register, bind, stake) and the gas of each step is
 * measured; then 500 more providers are onboarded the same way (different owners and node
 * indexes, one in ten a proxy, so 52 proxies in all and the Root's directory, bounded at
 * MAX_PROXIES = 64, never fills); then one more worker and one more proxy, whose figures must be
 * those of the first within 1%.
 *
 * Why it holds:
 * - Each Provider is its own contract, deployed at an address derived from (root, owner,
 *   nodeIndex). Its storage holds only its own node, so what a step loads, checks and writes is
 *   the same for the first provider as for the thousandth. There is no registry of providers
 *   anywhere: the Root recognises a Provider by recomputing its address (initOf), not by looking
 *   it up.
 * - The Root's answers do not depend on how many providers exist. QueryParams reads its
 *   parameters; QueryImage looks up the image and attestation root in allowlists that governance
 *   fills, bounded (64 images, 16 roots) and independent of providers. Registering, binding and
 *   staking a worker never writes to the Root.
 * - The one structure providers do grow is the proxy directory, and only proxies that are active
 *   list themselves in it. It is bounded at MAX_PROXIES, so a listing costs the Root at most what
 *   a dictionary of 64 entries costs; this test prints that figure for the proxy (the `root gas`
 *   of its stake, which lists it) and checks only the Provider's side of the proxy within 1%.
 *
 * Figures per step: `gas` is the Provider's transactions summed, `rootGas` the Root's (see
 * measureAcross in tools/gas/snapshot.ts). To stay fast (about 5,000 transactions), owners are
 * bare addresses whose messages the sandbox injects (no wallet contract runs), every node binds
 * the same TEE key, signed natively, and two sandbox costs that change no figure are cut: cell
 * hashing in pure JS (jest.mock below) and a per-transaction account parse (fastSandbox.ts).
 */
// Speed only: native SHA-256 for cell hashes (tests/helpers/nativeSha256.ts), a third of this
// test's time.
jest.mock('@ton/crypto', () => jest.requireActual('../helpers/nativeSha256').withNativeSha256());

import { Address, beginCell, Cell, contractAddress } from '@ton/core';
import { internal } from '@ton/sandbox';
import {
    ACTION_VALUE,
    CHECK_VALUE,
    Provider,
    REGISTER_VALUE,
    ROLE_PROXY,
    ROLE_WORKER,
    STATUS_ACTIVE,
    storeBindAttestation,
    storeRegisterProvider,
    storeStake,
} from '../../wrappers/Provider';
import { deployEnvironment, Env, HASHES } from '../fixtures/environment';
import { Figures, measureAcross } from '../../tools/gas/snapshot';
import { skipMasterchainCheckParse } from './fastSandbox';
import { expiry, imageFor, MIN_STAKE, openProvider, Role, signClaim, TEE_KEY, typicalProxy, typicalWorker } from './providers';

const MORE = 500;
const PROXY_EVERY = 10;
const SAME_WITHIN = 0.01;

type Steps = Record<'register' | 'bind' | 'stake', Figures>;

/** An owner address that no wallet holds: a sandbox sender can send from it all the same. */
function ownerAddress(i: number): Address {
    const hash = Buffer.alloc(32);
    hash.writeUInt32BE(0xc0c0_0000, 0);
    hash.writeUInt32BE(i, 28);
    return new Address(0, hash);
}

/**
 * StateInit and address of node `nodeIndex`: what Provider.fromInit computes, with the code cell
 * parsed once instead of once per node (fromInit parses it from hex on every call).
 */
function nodeInit(code: Cell, root: Address, owner: Address, nodeIndex: bigint) {
    // ProviderInitData in contracts/schema.tlb: the init bit, then the init() arguments.
    const data = beginCell().storeUint(0, 1).storeAddress(root).storeAddress(owner).storeInt(nodeIndex, 257).endCell();
    const init = { code, data };
    return { init, address: contractAddress(0, init) };
}

describe('Provider gas at scale', () => {
    let env: Env;
    let code: Cell;
    let onboarded = 0;
    let unpatch: () => void;
    beforeAll(() => {
        unpatch = skipMasterchainCheckParse();
    });
    afterAll(() => unpatch());

    /**
     * Registers, binds and stakes node `i` (owner i, node index i) and measures each step. The
     * messages are those the ExtendedProvider helpers send, pushed straight from the owner's
     * address (no wallet contract runs; the register message carries the StateInit).
     */
    async function onboard(i: number, role: Role): Promise<Steps> {
        const { blockchain, root } = env;
        const owner = ownerAddress(i);
        const p = nodeInit(code, root.address, owner, BigInt(i));
        const send = async (value: bigint, body: Cell, deploy = false) =>
            measureAcross(
                (
                    await blockchain.sendMessage(
                        internal({ from: owner, to: p.address, value, body, stateInit: deploy ? p.init : undefined }),
                    )
                ).transactions,
                p.address,
                root.address,
            );
        const profile = role === 'worker' ? typicalWorker(i) : typicalProxy(i);
        const register = storeRegisterProvider({
            $$type: 'RegisterProvider',
            queryId: 0n,
            role: role === 'worker' ? ROLE_WORKER : ROLE_PROXY,
            profile,
        });
        const expiresAt = expiry(blockchain);
        const bind = storeBindAttestation({
            $$type: 'BindAttestation',
            queryId: 0n,
            imageHash: imageFor(role),
            attestationRoot: HASHES.root,
            teeKey: BigInt('0x' + TEE_KEY.publicKey.toString('hex')),
            expiresAt,
            signature: signClaim(p.address, imageFor(role), HASHES.root, expiresAt),
        });
        const stake = storeStake({ $$type: 'Stake', queryId: 0n, amount: MIN_STAKE[role] });
        const steps: Steps = {
            register: await send(REGISTER_VALUE, beginCell().store(register).endCell(), true),
            bind: await send(CHECK_VALUE, beginCell().store(bind).endCell()),
            stake: await send(MIN_STAKE[role] + ACTION_VALUE, beginCell().store(stake).endCell()),
        };
        onboarded++;
        return steps;
    }

    function expectSame(label: string, first: Steps, next: Steps, kinds: ('gas' | 'rootGas')[]) {
        const lines: string[] = [];
        const off: string[] = [];
        for (const s of ['register', 'bind', 'stake'] as const) {
            for (const k of ['gas', 'rootGas'] as const) {
                const a = first[s][k]!;
                const b = next[s][k]!;
                const d = a === 0 ? (b === 0 ? 0 : Infinity) : (b - a) / a;
                lines.push(
                    `${label} ${s.padEnd(8)} ${k.padEnd(7)} first ${String(a).padStart(6)}  after ${MORE} more ${String(b).padStart(6)}  (${(d * 100).toFixed(3)}%)`,
                );
                if (kinds.includes(k) && Math.abs(d) > SAME_WITHIN) off.push(`${s} ${k}: ${a} -> ${b}`);
            }
        }
        console.log(lines.join('\n'));
        expect(off).toEqual([]);
    }

    it(`onboarding costs the same gas before and after ${MORE} more providers`, async () => {
        const started = Date.now();
        env = await deployEnvironment();
        code = (await Provider.fromInit(env.root.address, ownerAddress(0), 0n)).init!.code;
        const firstWorker = await onboard(0, 'worker');
        const firstProxy = await onboard(1, 'proxy');

        for (let n = 0; n < MORE; n++) {
            const i = 2 + n;
            await onboard(i, i % PROXY_EVERY === 0 ? 'proxy' : 'worker');
            if ((n + 1) % 100 === 0)
                console.log(`${n + 1} / ${MORE} more providers onboarded (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }

        const nextWorker = await onboard(2 + MORE, 'worker');
        const nextProxy = await onboard(3 + MORE, 'proxy');

        // Every one of them is active, and the directory holds every proxy.
        const proxies = 2 + Array.from({ length: MORE }, (_, n) => 2 + n).filter((i) => i % PROXY_EVERY === 0).length;
        expect((await env.root.getState()).proxyCount).toBe(BigInt(proxies));
        for (const i of [0, 1, 2, 2 + MORE - 1, 2 + MORE, 3 + MORE]) {
            const p = await openProvider(env.blockchain, env.root.address, ownerAddress(i), BigInt(i));
            // the address onboard() used is the one the generated wrapper and the Root derive
            expect(nodeInit(code, env.root.address, ownerAddress(i), BigInt(i)).address.equals(p.address)).toBe(true);
            expect((await env.root.getProviderAddress(ownerAddress(i), BigInt(i))).equals(p.address)).toBe(true);
            expect((await p.getState()).status).toBe(STATUS_ACTIVE);
        }

        expectSame('worker', firstWorker, nextWorker, ['gas', 'rootGas']);
        // The Root's listing (in the proxy's stake) adds the first entry of an empty directory, then
        // the 52nd: it grows with the directory, bounded at 64 entries. Printed, not compared; the
        // Provider's side is compared.
        expectSame('proxy ', firstProxy, nextProxy, ['gas']);
        console.log(`${onboarded} providers onboarded (${proxies} proxies) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
});
