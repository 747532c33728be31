/**
 * The devnet's pre-funded wallets: v4r2 wallets whose mnemonics are derived from a fixed tag and
 * their index, so every devnet has the same ones (as a local Ethereum node prints the same
 * accounts every time) and docs, demos and tests can name them. Their keys are public: never send
 * anything of value to them on a real network.
 */
import { createHash } from 'node:crypto';
import { Address } from '@ton/core';
import { KeyPair, mnemonicToPrivateKey, mnemonicValidate, mnemonicWordList } from '@ton/crypto';
import { WalletContractV4 } from '@ton/ton';

export const WALLET_TAG = 'cocoon-ton/devnet-wallet/v1';
/** The value of WALLET_VERSION that blueprint's mnemonic provider needs for these wallets. */
export const WALLET_VERSION = 'v4r2';

export interface DevnetWallet {
    index: number;
    mnemonic: string[];
    keyPair: KeyPair;
    address: Address;
    contract: WalletContractV4;
}

/**
 * A valid TON mnemonic chosen deterministically: words drawn from SHA-256(tag, index, attempt)
 * until the words pass TON's seed check, as mnemonicNew does with random words (about 1 in 256
 * attempts passes).
 */
export async function deterministicMnemonic(index: number, tag = WALLET_TAG): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
        const words: string[] = [];
        for (let i = 0; words.length < 24; i++) {
            const digest = createHash('sha256').update(`${tag}/${index}/${attempt}/${i}`).digest();
            for (let j = 0; j + 1 < digest.length && words.length < 24; j += 2) {
                words.push(mnemonicWordList[digest.readUInt16BE(j) % mnemonicWordList.length]);
            }
        }
        if (await mnemonicValidate(words)) return words;
    }
}

export async function devnetWallet(index: number): Promise<DevnetWallet> {
    const mnemonic = await deterministicMnemonic(index);
    const keyPair = await mnemonicToPrivateKey(mnemonic);
    const contract = WalletContractV4.create({ workchain: 0, publicKey: keyPair.publicKey });
    return { index, mnemonic, keyPair, address: contract.address, contract };
}

export async function devnetWallets(count: number): Promise<DevnetWallet[]> {
    const out: DevnetWallet[] = [];
    for (let i = 0; i < count; i++) out.push(await devnetWallet(i));
    return out;
}
