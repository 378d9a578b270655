import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'path', 'crypto', 'os', 'child_process', 'worker_threads', 'better-sqlite3', 'express', 'pg'].map((name) => ({
            name,
            message: 'domain/ is pure: no I/O and no Node APIs.',
          })),
          patterns: [
            { group: ['node:*'], message: 'domain/ is pure: no Node APIs.' },
            { group: ['**/infrastructure/**', '**/projections/**', '**/api/**', '**/trainer/**'], message: 'domain/ depends on nothing outside domain/.' },
          ],
        },
      ],
    },
  },
)
