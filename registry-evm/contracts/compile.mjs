// Compiles the registry contracts with the pinned solc-js (package.json) through its standard-JSON interface and
// writes one artifact per contract (ABI + creation bytecode) where the Java code loads them from.
//
//   node compile.mjs              writes ../src/main/resources/evm/<Contract>.json
//   node compile.mjs --out DIR    writes DIR/<Contract>.json instead (the build test compares the two)
//
// The output depends only on the sources and the settings below, so a fresh compile must match the committed
// artifacts byte for byte: change a source, run this, commit both.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');

const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = ['ServiceRegistry.sol', 'ServerRegistry.sol'];
// paris: no PUSH0 or other post-merge opcodes, so the bytecode runs on every EVM chain still in use.
const SETTINGS = {
  evmVersion: 'paris',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

function parseArgs(argv) {
  let out = resolve(here, '..', 'src', 'main', 'resources', 'evm');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) {
      out = resolve(argv[++i]);
    } else {
      console.error(`usage: node compile.mjs [--out DIR]; unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  return { out };
}

const { out } = parseArgs(process.argv.slice(2));
const input = {
  language: 'Solidity',
  // Source names are bare file names: they end up in the metadata hash inside the bytecode, so they must not
  // depend on where the repository is checked out.
  sources: Object.fromEntries(SOURCES.map((name) => [name, { content: readFileSync(join(here, 'src', name), 'utf8') }])),
  settings: SETTINGS,
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) {
  console.error(e.formattedMessage ?? e.message);
}
if (errors.length > 0) {
  process.exit(1);
}

mkdirSync(out, { recursive: true });
for (const source of SOURCES) {
  for (const [contractName, contract] of Object.entries(output.contracts[source])) {
    const artifact = {
      contractName,
      sourceName: source,
      compiler: {
        name: 'solc',
        version: solc.version(),
        evmVersion: SETTINGS.evmVersion,
        optimizer: SETTINGS.optimizer,
      },
      abi: contract.abi,
      bytecode: '0x' + contract.evm.bytecode.object,
    };
    const file = join(out, `${contractName}.json`);
    writeFileSync(file, JSON.stringify(artifact, null, 2) + '\n');
    console.log(`wrote ${file} (${contract.evm.bytecode.object.length / 2} bytes of bytecode)`);
  }
}
