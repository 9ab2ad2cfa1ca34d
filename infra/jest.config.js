/** Jest: TypeScript through ts-jest; type-checking is done once by `tsc --noEmit` in `npm test`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  maxWorkers: 2,
  testTimeout: 120000,
};
