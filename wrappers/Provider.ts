/**
 * Hand-written helpers over the generated Provider wrapper (build/Provider/tact_Provider.ts, made
 * by `npx blueprint build --all`). Everything generated is re-exported.
 */
import { Address, beginCell, Cell, ContractProvider, Dictionary, Sender, toNano, TupleReader } from '@ton/core';
import { KeyPair, sign } from '@ton/crypto';
import {
    loadTuplePrices,
    Prices,
    Profile,
    Provider,
    ROLE_PROXY,
    ROLE_WORKER,
    storeBindingClaim,
    storeSubmitEvidence,
} from '../build/Provider/tact_Provider';
import { signedVoucherCell, SignedVoucher } from './vouchers';

export * from '../build/Provider/tact_Provider';

/** Values attached by the helpers: each at least the contract's minimum (MIN_VALUE_*). */
export const REGISTER_VALUE = toNano('0.3');
export const CHECK_VALUE = toNano('0.25');
export const ACTION_VALUE = toNano('0.2');
export const WITHDRAW_VALUE = toNano('0.1');
/** Attached to equivocation evidence (the minimum is MIN_VALUE_EVIDENCE); the rest comes back with the reward. */
export const EVIDENCE_VALUE = toNano('0.2');

export const STATUS_NAMES: Record<number, string> = {
    0: 'unregistered',
    1: 'registered',
    2: 'active',
    3: 'suspended',
    4: 'jailed',
    5: 'exiting',
    6: 'exited',
};

export function zeroPrices(): Prices {
    return { $$type: 'Prices', prompt: 0n, cached: 0n, completion: 0n, reasoning: 0n, workerFee: 0n };
}

export function servedModels(hashes: bigint[]): Dictionary<bigint, boolean> {
    const d = Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Bool());
    for (const h of hashes) d.set(h, true);
    return d;
}

/**
 * SubmitEvidence: two conflicting vouchers signed by a proxy's key (findConflicts in
 * wrappers/vouchers.ts finds them), sent to that proxy's Provider by anyone.
 */
export function evidenceBody(a: SignedVoucher, b: SignedVoucher, queryId = 0n): Cell {
    return beginCell()
        .store(storeSubmitEvidence({ $$type: 'SubmitEvidence', queryId, a: signedVoucherCell(a), b: signedVoucherCell(b) }))
        .endCell();
}

/** A worker's profile: its GPUs, hours online, region and served model hashes. */
export function workerProfile(p: {
    gpuModel: string;
    gpuCount: number;
    vramGb: number;
    onlineHoursPerDay: number;
    region: string;
    models: bigint[];
}): Profile {
    return {
        $$type: 'Profile',
        gpuModel: p.gpuModel,
        gpuCount: BigInt(p.gpuCount),
        vramGb: BigInt(p.vramGb),
        onlineHoursPerDay: BigInt(p.onlineHoursPerDay),
        region: p.region,
        models: servedModels(p.models),
        prices: zeroPrices(),
        endpoint: '',
    };
}

/** A proxy's profile: prices in nanoton per token of each class, the worker fee, its endpoint. */
export function proxyProfile(p: { onlineHoursPerDay: number; region: string; endpoint: string; prices: Omit<Prices, '$$type'> }): Profile {
    return {
        $$type: 'Profile',
        gpuModel: '',
        gpuCount: 0n,
        vramGb: 0n,
        onlineHoursPerDay: BigInt(p.onlineHoursPerDay),
        region: p.region,
        models: servedModels([]),
        prices: { $$type: 'Prices', ...p.prices },
        endpoint: p.endpoint,
    };
}

/** The hash a TEE key signs to bind itself to `provider` (see BindingClaim in the contract). */
export function bindingClaimHash(provider: Address, imageHash: bigint, attestationRoot: bigint, expiresAt: bigint): Buffer {
    return beginCell()
        .store(storeBindingClaim({ $$type: 'BindingClaim', provider, imageHash, attestationRoot, expiresAt }))
        .endCell()
        .hash();
}

/**
 * The `profile` getter's answer, read from its stack. Use this instead of the generated
 * getProfile(), which cannot read it: the getter returns the optional Profile as a tuple whose
 * `prices` field is a nested tuple, but the generated loadTupleProfile (Tact 1.6.13 wrapper
 * codegen) reads the five prices flat from the outer tuple and throws "Not a number" for every
 * stored profile.
 */
export function readProfileStack(stack: TupleReader): Profile | null {
    const t = stack.readTupleOpt();
    if (!t) return null;
    return {
        $$type: 'Profile',
        gpuModel: t.readString(),
        gpuCount: t.readBigNumber(),
        vramGb: t.readBigNumber(),
        onlineHoursPerDay: t.readBigNumber(),
        region: t.readString(),
        models: Dictionary.loadDirect(Dictionary.Keys.BigUint(256), Dictionary.Values.Bool(), t.readCellOpt()),
        prices: loadTuplePrices(t.readTuple()),
        endpoint: t.readString(),
    };
}

/** The TEE key's Ed25519 signature over the binding claim. */
export function signBindingClaim(
    teeKey: KeyPair,
    provider: Address,
    imageHash: bigint,
    attestationRoot: bigint,
    expiresAt: bigint,
): Buffer {
    return sign(bindingClaimHash(provider, imageHash, attestationRoot, expiresAt), teeKey.secretKey);
}

export class ExtendedProvider extends Provider {
    static async forNode(root: Address, owner: Address, nodeIndex: bigint): Promise<ExtendedProvider> {
        const p = await Provider.fromInit(root, owner, nodeIndex);
        return new ExtendedProvider(p.address, p.init);
    }

    static override fromAddress(address: Address): ExtendedProvider {
        return new ExtendedProvider(address);
    }

    /** Deploys and registers (owner only); completes when the Root's parameters arrive. */
    async sendRegister(
        provider: ContractProvider,
        via: Sender,
        role: 'worker' | 'proxy',
        profile: Profile,
        queryId = 0n,
        value = REGISTER_VALUE,
    ) {
        await this.send(
            provider,
            via,
            { value },
            { $$type: 'RegisterProvider', queryId, role: role === 'worker' ? ROLE_WORKER : ROLE_PROXY, profile },
        );
    }

    async sendUpdateProfile(provider: ContractProvider, via: Sender, profile: Profile, queryId = 0n, value = ACTION_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'UpdateProfile', queryId, profile });
    }

    /** Binds `teeKey` (signing the claim with it); the Root's answer decides whether it counts. */
    async sendBind(
        provider: ContractProvider,
        via: Sender,
        args: { teeKey: KeyPair; imageHash: bigint; attestationRoot: bigint; expiresAt: bigint; signature?: Buffer },
        queryId = 0n,
        value = CHECK_VALUE,
    ) {
        const signature =
            args.signature ?? signBindingClaim(args.teeKey, this.address, args.imageHash, args.attestationRoot, args.expiresAt);
        await this.send(
            provider,
            via,
            { value },
            {
                $$type: 'BindAttestation',
                queryId,
                imageHash: args.imageHash,
                attestationRoot: args.attestationRoot,
                teeKey: BigInt('0x' + args.teeKey.publicKey.toString('hex')),
                expiresAt: args.expiresAt,
                signature,
            },
        );
    }

    /** Permissionless: asks the Root whether the binding still stands; suspends or reactivates. */
    async sendRecheck(provider: ContractProvider, via: Sender, queryId = 0n, value = CHECK_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'Recheck', queryId });
    }

    /** Adds `amount` to the stake; attaches amount + the action value. */
    async sendStake(provider: ContractProvider, via: Sender, amount: bigint, queryId = 0n, extra = ACTION_VALUE) {
        await this.send(provider, via, { value: amount + extra }, { $$type: 'Stake', queryId, amount });
    }

    async sendRequestUnstake(provider: ContractProvider, via: Sender, amount: bigint, queryId = 0n, value = ACTION_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'RequestUnstake', queryId, amount });
    }

    async sendWithdrawStake(provider: ContractProvider, via: Sender, queryId = 0n, value = WITHDRAW_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'WithdrawStake', queryId });
    }

    async sendRequestExit(provider: ContractProvider, via: Sender, queryId = 0n, value = ACTION_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'RequestExit', queryId });
    }
}
