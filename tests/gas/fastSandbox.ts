/**
 * A speed-up for specs that run thousands of sandbox transactions (provider.scale.spec.ts). It
 * changes no result: transactions, gas and fees are the emulator's, as without it.
 *
 * After every transaction @ton/sandbox (0.41) parses the whole account it just ran, code
 * included, from its BOC into @ton/core cells, only to read `account.addr.workChain` and see
 * whether the account is on the masterchain (MessageQueueManager.processMessage, for library
 * deployment). That parse is a third of the time of a long run. The patch answers that one read
 * from the contract's address, which holds the same workchain; every other reader of
 * `SmartContract.account` (getters, getState, snapshots) still gets the parsed account. If a
 * sandbox version no longer reads it from processMessage, the patch simply never applies.
 *
 * The other speed-up, native SHA-256 for cell hashes, is a jest.mock in the spec
 * (tests/helpers/nativeSha256.ts).
 */
import { Address } from '@ton/core';
import { SmartContract } from '@ton/sandbox';

function calledFromProcessMessage(): boolean {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 3; // this function, the getter, its caller
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    return stack.includes('MessageQueueManager.processMessage');
}

/** Installs the patch; returns the function that removes it. */
export function skipMasterchainCheckParse(): () => void {
    const original = Object.getOwnPropertyDescriptor(SmartContract.prototype, 'account');
    if (!original?.get || !original.set) return () => {};
    const get = original.get;
    Object.defineProperty(SmartContract.prototype, 'account', {
        configurable: true,
        enumerable: original.enumerable,
        set: original.set,
        get(this: SmartContract) {
            // parsedAccount is the sandbox's private cache of the parsed account.
            const self = this as unknown as { parsedAccount?: unknown; address: Address };
            if (self.parsedAccount === undefined && calledFromProcessMessage()) return { account: { addr: self.address } };
            return get.call(this);
        },
    });
    return () => Object.defineProperty(SmartContract.prototype, 'account', original);
}
