// ESLint 9 flat config: the recommended JavaScript and typescript-eslint rule sets over every
// source file. Type-aware rules are left out on purpose: they need a full program per file and
// triple the lint time, while `tsc --noEmit` (run first by `npm run lint`) already type-checks.
// Formatting is prettier's job (.prettierrc), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
    {
        // Generated output and installed packages are not ours to lint.
        ignores: ['build/', 'node_modules/', 'dist/', 'coverage/', 'temp/'],
    },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
        rules: {
            // `_`-prefixed names mark values that are deliberately unused (destructuring, callbacks).
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
        },
    },
    {
        // Plain CommonJS run by Node before ts-node loads (tools/devnet/chain-clock.js, a --require preload).
        files: ['**/*.js'],
        languageOptions: {
            sourceType: 'commonjs',
            globals: { require: 'readonly', process: 'readonly', module: 'writable', __dirname: 'readonly' },
        },
        rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
);
