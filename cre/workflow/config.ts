/**
 * The workflow's config (the JSON file that workflow.yaml's `config-path` names), checked field by
 * field. A bad value stops the workflow with an error that names the field, the value and the fix;
 * nothing has a default.
 */
import { EVMClient, getNetwork } from "@chainlink/cre-sdk";
import { type Address, getAddress, isAddress, zeroAddress } from "viem";

export type Config = {
  /** Cron expression of the ticks: 5 fields, or 6 with seconds first (CRE's minimum is 30 s). */
  schedule: string;
  /** The manager's chain, by its chain-selectors name, e.g. "ethereum-testnet-sepolia". */
  chainSelectorName: string;
  /** That chain's selector, resolved from `chainSelectorName` (not a config-file field). */
  chainSelector: bigint;
  /** The UpkeepManager, EIP-55 checksummed. */
  managerAddress: Address;
  /** Gas limit of the report's transaction (KeystoneForwarder + onReport), decimal. */
  gasLimit: string;
};

/** The fields of the config file, in the order the errors check them. */
export const CONFIG_FIELDS = ["schedule", "chainSelectorName", "managerAddress", "gasLimit"] as const;
type Field = (typeof CONFIG_FIELDS)[number];

const UINT64_MAX = (1n << 64n) - 1n;

/** A bad config value: `field` is the config-file key ("" for the file as a whole). */
export class ConfigError extends Error {
  constructor(
    readonly field: Field | string,
    problem: string,
    value: unknown,
    fix: string,
  ) {
    const got = value === undefined ? "nothing" : JSON.stringify(value);
    super(`config${field ? `.${field}` : ""}: ${problem} (got ${got}) — fix: ${fix}`);
    this.name = "ConfigError";
  }
}

/** Checks a parsed config file and returns the workflow's `Config`; throws `ConfigError`. */
export function parseConfig(raw: unknown): Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError("", "not a JSON object", raw, `write an object with ${CONFIG_FIELDS.join(", ")}`);
  }
  const file = raw as Record<string, unknown>;
  for (const key of Object.keys(file).sort()) {
    if (!(CONFIG_FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(key, "unknown field", file[key], `remove it or correct its name; the fields are ${CONFIG_FIELDS.join(", ")}`);
    }
  }
  const schedule = parseSchedule(file.schedule);
  const network = parseChain(file.chainSelectorName);
  return {
    schedule,
    chainSelectorName: network.name,
    chainSelector: network.selector,
    managerAddress: parseManager(file.managerAddress),
    gasLimit: parseGasLimit(file.gasLimit),
  };
}

function parseSchedule(value: unknown): string {
  const fix = `a cron expression of 5 fields, or 6 with seconds first, e.g. "0 */5 * * * *" (every 5 minutes; CRE's minimum interval is 30 s)`;
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError("schedule", "missing or empty", value, fix);
  }
  const fields = value.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new ConfigError("schedule", `has ${fields} fields, not 5 or 6`, value, fix);
  }
  return value.trim();
}

function parseChain(value: unknown): { name: string; selector: bigint } {
  const fix = `the chain-selectors name of the manager's chain, e.g. "ethereum-testnet-sepolia" or "ethereum-mainnet"`;
  if (typeof value !== "string" || value === "") {
    throw new ConfigError("chainSelectorName", "missing or empty", value, fix);
  }
  const network = getNetwork({ chainFamily: "evm", chainSelectorName: value });
  if (network === undefined) {
    throw new ConfigError("chainSelectorName", "not an EVM chain that @chainlink/cre-sdk knows", value, fix);
  }
  if (!(value in EVMClient.SUPPORTED_CHAIN_SELECTORS)) {
    throw new ConfigError(
      "chainSelectorName",
      "a known chain, but CRE has no EVM capability for it in this SDK",
      value,
      `pick one of EVMClient.SUPPORTED_CHAIN_SELECTORS: ${Object.keys(EVMClient.SUPPORTED_CHAIN_SELECTORS).sort().join(", ")}`,
    );
  }
  return { name: value, selector: network.chainSelector.selector };
}

function parseManager(value: unknown): Address {
  const fix = "the UpkeepManager's address on that chain: 0x followed by 40 hex digits";
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new ConfigError("managerAddress", "not an address", value, fix);
  }
  if (!isAddress(value, { strict: true })) {
    throw new ConfigError("managerAddress", "fails its EIP-55 checksum (a typo?)", value, `copy the address again, or write it in lower case; ${fix}`);
  }
  if (value.toLowerCase() === zeroAddress) {
    throw new ConfigError("managerAddress", "is the zero address", value, fix);
  }
  return getAddress(value);
}

function parseGasLimit(value: unknown): string {
  const fix = "the gas the report's transaction may use (the KeystoneForwarder, then the round), a whole number above 0, e.g. 2000000";
  let gas: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    gas = BigInt(value);
  } else if (typeof value === "string" && /^[0-9]+$/.test(value)) {
    gas = BigInt(value);
  } else {
    throw new ConfigError("gasLimit", "not a whole number", value, fix);
  }
  if (gas <= 0n) throw new ConfigError("gasLimit", gas === 0n ? "is 0" : "is negative", value, fix);
  if (gas > UINT64_MAX) throw new ConfigError("gasLimit", "does not fit in 64 bits", value, fix);
  return gas.toString();
}

/**
 * `parseConfig` as a Standard Schema, the form `Runner.newRunner({ configSchema })` takes: the
 * SDK parses the config file as JSON, then reports these issues when the workflow starts.
 */
export const configSchema = {
  "~standard": {
    version: 1 as const,
    vendor: "onebalancer",
    validate(raw: unknown): { value: Config } | { issues: { message: string; path: PropertyKey[] }[] } {
      try {
        return { value: parseConfig(raw) };
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return { issues: [{ message: e.message, path: e.field ? [e.field] : [] }] };
      }
    },
  },
};
