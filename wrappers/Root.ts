/**
 * Hand-written helpers over the generated Root wrapper (build/Root/tact_Root.ts, produced by
 * `npx blueprint build --all`). Everything generated is re-exported, so callers import the
 * contract class, message types, exit codes (ERR_*) and constants from here.
 */
import { Address, Cell, ContractProvider, Dictionary, Sender, toNano } from '@ton/core';
import { createHash } from 'node:crypto';
import { Params, Root, ROLE_PROXY, ROLE_WORKER, ROLES_ALL } from '../build/Root/tact_Root';

export * from '../build/Root/tact_Root';

/** Value attached to governance actions; whatever fees leave is returned as Excesses. */
export const GOVERNANCE_VALUE = toNano('0.1');
/**
 * Value attached to whatever makes the Root message a Provider (the contract's minimum,
 * MIN_VALUE_ENFORCE, is 0.15 TON): proposing a slash (the freeze), cancelling one (the unfreeze),
 * executing a slash or a release (the Provider's transaction, its delisting or listing and the
 * treasury's payment come out of it, and the Provider returns the rest to the executor).
 */
export const ENFORCE_VALUE = toNano('0.2');
/** Value attached to queries and directory messages. */
export const QUERY_VALUE = toNano('0.05');

export type Role = 'worker' | 'proxy';

export function roleId(role: Role): bigint {
    return role === 'worker' ? ROLE_WORKER : ROLE_PROXY;
}

/** Role names of an image allowlist mask, e.g. 3n -> ['worker', 'proxy']. */
export function roleNames(mask: bigint | number): Role[] {
    const m = BigInt(mask);
    const out: Role[] = [];
    if (m & ROLE_WORKER) out.push('worker');
    if (m & ROLE_PROXY) out.push('proxy');
    return out;
}

/** Role mask from names; throws on an unknown name. */
export function roleMask(roles: readonly string[]): bigint {
    let mask = 0n;
    for (const r of roles) {
        if (r !== 'worker' && r !== 'proxy') throw new Error(`unknown role "${r}" (expected worker or proxy)`);
        mask |= roleId(r);
    }
    if (mask === 0n || (mask & ~ROLES_ALL) !== 0n) throw new Error('at least one role is required');
    return mask;
}

/** 256-bit hash from hex (with or without 0x); throws unless it is exactly 32 bytes. */
export function parseHash256(hex: string, what = 'hash'): bigint {
    const h = hex.startsWith('0x') ? hex.slice(2) : hex;
    if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new Error(`${what} must be 64 hex digits, got "${hex}"`);
    return BigInt('0x' + h);
}

export function formatHash256(v: bigint): string {
    return '0x' + v.toString(16).padStart(64, '0');
}

/**
 * Model allowlist key: SHA-256 over the UTF-8 string "name@revision:weightsSha256", where
 * weightsSha256 is the lowercase hex SHA-256 of the weights manifest.
 */
export function modelHash(name: string, revision: string, weightsSha256: string): bigint {
    if (!name || name.includes('@')) throw new Error(`model name "${name}" must be non-empty and contain no "@"`);
    if (!revision || revision.includes(':')) throw new Error(`revision "${revision}" must be non-empty and contain no ":"`);
    // Canonical form of the weights hash: 64 lowercase hex digits, no 0x prefix.
    const weights = formatHash256(parseHash256(weightsSha256, 'weights hash')).slice(2);
    const digest = createHash('sha256').update(`${name}@${revision}:${weights}`).digest('hex');
    return BigInt('0x' + digest);
}

/** Parameters as plain JSON-friendly values (TON amounts as strings, durations in seconds). */
export interface ParamsConfig {
    minStakeWorker: string;
    minStakeProxy: string;
    minEscrowReserve: string;
    unbondingDelay: number;
    clientCloseDelay: number;
    proxyCloseDelay: number;
    attestationLifetime: number;
    equivocationSlashBps: number;
    reporterShareBps: number;
    reporterRewardCap: string;
    protocolFeeBps: number;
    governanceDelay: number;
    vetoWindow: number;
    treasury: string;
}

/** The deployRoot configuration file (see scripts/config/*.json). */
export interface RootConfig {
    isTest: boolean;
    governance: string;
    guardian?: string | null;
    nonce?: number;
    params: ParamsConfig;
    attestationRoots?: string[];
    images?: { hash: string; roles: string[] }[];
    models?: string[];
}

export function paramsFromConfig(c: ParamsConfig): Params {
    const need = (k: keyof ParamsConfig) => {
        if (c[k] === undefined || c[k] === null) throw new Error(`params.${k} is missing`);
        return c[k];
    };
    const int = (k: keyof ParamsConfig) => {
        const v = need(k);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
            throw new Error(`params.${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
        return BigInt(v);
    };
    const ton = (k: keyof ParamsConfig) => {
        const v = need(k);
        if (typeof v !== 'string' || !/^\d+(\.\d{1,9})?$/.test(v))
            throw new Error(`params.${k} must be a TON amount as a string like "1.5", got ${JSON.stringify(v)}`);
        return toNano(v);
    };
    return {
        $$type: 'Params',
        minStakeWorker: ton('minStakeWorker'),
        minStakeProxy: ton('minStakeProxy'),
        minEscrowReserve: ton('minEscrowReserve'),
        unbondingDelay: int('unbondingDelay'),
        clientCloseDelay: int('clientCloseDelay'),
        proxyCloseDelay: int('proxyCloseDelay'),
        attestationLifetime: int('attestationLifetime'),
        equivocationSlashBps: int('equivocationSlashBps'),
        reporterShareBps: int('reporterShareBps'),
        reporterRewardCap: ton('reporterRewardCap'),
        protocolFeeBps: int('protocolFeeBps'),
        governanceDelay: int('governanceDelay'),
        vetoWindow: int('vetoWindow'),
        treasury: Address.parse(String(need('treasury'))),
    };
}

export interface RootInit {
    governance: Address;
    guardian: Address | null;
    isTest: boolean;
    params: Params;
    attestationRoots: Dictionary<bigint, boolean>;
    images: Dictionary<bigint, number>;
    models: Dictionary<bigint, boolean>;
    nonce: bigint;
}

export function emptyAttestationRoots(): Dictionary<bigint, boolean> {
    return Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Bool());
}
export function emptyImages(): Dictionary<bigint, number> {
    return Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Uint(8));
}
export function emptyModels(): Dictionary<bigint, boolean> {
    return Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Bool());
}

/** Init arguments from a config file's contents; throws with the offending field named. */
export function rootInitFromConfig(c: RootConfig): RootInit {
    if (typeof c.isTest !== 'boolean') throw new Error('isTest must be true or false');
    if (!c.params) throw new Error('params is missing');
    const roots = emptyAttestationRoots();
    for (const h of c.attestationRoots ?? []) roots.set(parseHash256(h, 'attestation root'), true);
    const images = emptyImages();
    for (const i of c.images ?? []) images.set(parseHash256(i.hash, 'image hash'), Number(roleMask(i.roles)));
    const models = emptyModels();
    for (const m of c.models ?? []) models.set(parseHash256(m, 'model hash'), true);
    return {
        governance: Address.parse(c.governance),
        guardian: c.guardian ? Address.parse(c.guardian) : null,
        isTest: c.isTest,
        params: paramsFromConfig(c.params),
        attestationRoots: roots,
        images,
        models,
        nonce: BigInt(c.nonce ?? 0),
    };
}

/** The Root contract with documented helpers for each action. */
export class ExtendedRoot extends Root {
    static async fromRootInit(i: RootInit): Promise<ExtendedRoot> {
        const r = await Root.fromInit(i.governance, i.guardian, i.isTest, i.params, i.attestationRoots, i.images, i.models, i.nonce);
        return new ExtendedRoot(r.address, r.init);
    }

    static override fromAddress(address: Address): ExtendedRoot {
        return new ExtendedRoot(address);
    }

    /** Deploys with a plain transfer; the Root keeps the value as its storage balance. */
    async sendDeploy(provider: ContractProvider, via: Sender, value = toNano('0.5')) {
        await this.send(provider, via, { value }, null);
    }

    /** Proposes new parameters; executable after the governance delay. */
    async sendProposeParams(provider: ContractProvider, via: Sender, params: Params, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ProposeParams', queryId, params });
    }

    /** Proposes adding an attestation root (hash of a quote-signing CA key). */
    async sendProposeAddAttestationRoot(provider: ContractProvider, via: Sender, rootHash: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ProposeAddAttestationRoot', queryId, rootHash });
    }

    /** Proposes allowing an image for the roles in `roles` (ROLE_WORKER | ROLE_PROXY mask). */
    async sendProposeAddImage(
        provider: ContractProvider,
        via: Sender,
        imageHash: bigint,
        roles: bigint,
        queryId = 0n,
        value = GOVERNANCE_VALUE,
    ) {
        await this.send(provider, via, { value }, { $$type: 'ProposeAddImage', queryId, imageHash, roles });
    }

    /** Proposes allowing a model (see modelHash). */
    async sendProposeAddModel(provider: ContractProvider, via: Sender, modelHash: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ProposeAddModel', queryId, modelHash });
    }

    /** Proposes a new guardian, or none with `null`. */
    async sendProposeGuardian(provider: ContractProvider, via: Sender, guardian: Address | null, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ProposeGuardian', queryId, guardian });
    }

    /** First step of a governance hand-over; after execution the new governance must accept. */
    async sendProposeGovernance(provider: ContractProvider, via: Sender, newGovernance: Address, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ProposeGovernance', queryId, newGovernance });
    }

    /**
     * Proposes slashing up to `amount` of the Provider (owner, nodeIndex) of this Root, for the
     * reason whose hash is `reasonHash`. The target's withdrawals freeze at once; the slash is
     * executable after the veto window and may be cancelled (vetoed) by governance or the guardian
     * before it is executed.
     */
    async sendProposeSlash(
        provider: ContractProvider,
        via: Sender,
        a: { owner: Address; nodeIndex?: bigint; amount: bigint; reasonHash: bigint },
        queryId = 0n,
        value = ENFORCE_VALUE,
    ) {
        await this.send(
            provider,
            via,
            { value },
            { $$type: 'ProposeSlash', queryId, owner: a.owner, nodeIndex: a.nodeIndex ?? 0n, amount: a.amount, reasonHash: a.reasonHash },
        );
    }

    /** Proposes releasing the jailed Provider (owner, nodeIndex); executable after the governance delay. */
    async sendProposeRelease(
        provider: ContractProvider,
        via: Sender,
        a: { owner: Address; nodeIndex?: bigint },
        queryId = 0n,
        value = GOVERNANCE_VALUE,
    ) {
        await this.send(provider, via, { value }, { $$type: 'ProposeRelease', queryId, owner: a.owner, nodeIndex: a.nodeIndex ?? 0n });
    }

    /**
     * Executes a due proposal; anyone may, except while paused (then governance only). A slash or
     * a release needs ENFORCE_VALUE (at least 0.15 TON).
     */
    async sendExecuteProposal(provider: ContractProvider, via: Sender, proposalId: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'ExecuteProposal', queryId, proposalId });
    }

    /**
     * Cancels a pending proposal: governance or guardian at any time, anyone once it has expired.
     * Cancelling a slash needs ENFORCE_VALUE (it unfreezes the target).
     */
    async sendCancelProposal(provider: ContractProvider, via: Sender, proposalId: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'CancelProposal', queryId, proposalId });
    }

    /** Second step of a governance hand-over, sent by the new governance. */
    async sendAcceptGovernance(provider: ContractProvider, via: Sender, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'AcceptGovernance', queryId });
    }

    /** Withdraws an executed governance hand-over that the new governance has not accepted yet. */
    async sendCancelGovernanceTransfer(provider: ContractProvider, via: Sender, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'CancelGovernanceTransfer', queryId });
    }

    async sendRevokeAttestationRoot(provider: ContractProvider, via: Sender, rootHash: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'RevokeAttestationRoot', queryId, rootHash });
    }

    /** Removes the given roles from an image; the entry goes when no role is left. */
    async sendRevokeImage(
        provider: ContractProvider,
        via: Sender,
        imageHash: bigint,
        roles: bigint,
        queryId = 0n,
        value = GOVERNANCE_VALUE,
    ) {
        await this.send(provider, via, { value }, { $$type: 'RevokeImage', queryId, imageHash, roles });
    }

    async sendRevokeModel(provider: ContractProvider, via: Sender, modelHash: bigint, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'RevokeModel', queryId, modelHash });
    }

    /** Removes a proxy (by its Provider contract address) from the directory. */
    async sendDelistProxy(provider: ContractProvider, via: Sender, providerContract: Address, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'DelistProxy', queryId, provider: providerContract });
    }

    async sendPause(provider: ContractProvider, via: Sender, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'Pause', queryId });
    }

    async sendUnpause(provider: ContractProvider, via: Sender, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'Unpause', queryId });
    }

    async sendRemoveGuardian(provider: ContractProvider, via: Sender, queryId = 0n, value = GOVERNANCE_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'RemoveGuardian', queryId });
    }

    /** Asks whether an image is allowed for a role under an attestation root; answered with ImageVerdict. */
    async sendQueryImage(
        provider: ContractProvider,
        via: Sender,
        imageHash: bigint,
        role: bigint,
        attestationRoot: bigint,
        queryId = 0n,
        value = QUERY_VALUE,
    ) {
        await this.send(provider, via, { value }, { $$type: 'QueryImage', queryId, imageHash, role, attestationRoot });
    }

    /** Asks for the current parameters; answered with RootParams. */
    async sendQueryParams(provider: ContractProvider, via: Sender, queryId = 0n, value = QUERY_VALUE) {
        await this.send(provider, via, { value }, { $$type: 'QueryParams', queryId });
    }

    /** Pending proposals as [id, proposal, decoded opcode] triples, oldest first. */
    async getPendingProposals(provider: ContractProvider) {
        const map = await this.getProposals(provider);
        return map
            .keys()
            .sort((a, b) => Number(a - b))
            .map((id) => {
                const p = map.get(id)!;
                return { id: BigInt(id), ...p, op: p.body.beginParse().preloadUint(32) };
            });
    }
}

/** Decodes the opcode of a stored proposal body into its message name. */
export function proposalKind(body: Cell): string {
    const op = body.beginParse().preloadUint(32);
    const entry = Object.entries(Root.opcodes).find(([, v]) => v === op);
    return entry ? entry[0] : `unknown(0x${op.toString(16)})`;
}
