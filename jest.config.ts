import type { Config } from 'jest';

const config: Config = {
    preset: 'ts-jest',
    testEnvironment: 'node',
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '/build/'],
    // Sandbox tests are CPU-bound; two workers match the CI machine's two cores.
    maxWorkers: 2,
    testTimeout: 120_000,
};

export default config;
