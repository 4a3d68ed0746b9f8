/**
 * The workflow against the SDK's offline test framework: its EVM mock answers `callContract` and
 * `writeReport` per contract address and ABI, and its test runtime signs reports the way the
 * consensus capability lays them out (109 bytes of metadata, then the payload). The on-chain half,
 * a report through the real KeystoneForwarder to `onReport`, is test/integration/ManagerCre.t.sol.
 */
import { describe, expect } from "bun:test";
import { getAllNetworks, protoBigIntToBigint, TxStatus } from "@chainlink/cre-sdk";
import {
  addContractMock,
  EvmMock,
  newTestRuntime,
  REPORT_METADATA_HEADER_LENGTH,
  test,
  type WriteReportMockInput,
} from "@chainlink/cre-sdk/test";
import { bytesToHex, concat, getAddress, type Hex, numberToHex } from "viem";
import committedAbi from "../../contracts/abi/UpkeepManager.json";
import { upkeepManagerAbi } from "./abi";
import { type Config, CONFIG_FIELDS, configSchema, parseConfig } from "./config";
import { initWorkflow, onCronTrigger, ROUND_ENTRY_BYTES, ROUND_HEAD_BYTES } from "./main";

const MANAGER = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const SEPOLIA = 16015286601757825753n;
const FILE = {
  schedule: "0 */5 * * * *",
  chainSelectorName: "ethereum-testnet-sepolia",
  managerAddress: MANAGER,
  gasLimit: "2000000",
};
/** The test runtime's stand-in for the KeystoneForwarder's transaction. */
const TX_HASH = `0x${"ab".repeat(32)}` as const;

// The EVM mock routes only view functions by name; checkUpkeep is nonpayable, but the workflow only
// ever simulates it (an eth_call), so the mock sees it as the view it is used as.
const simulatedAbi = [{ ...upkeepManagerAbi[0], stateMutability: "view" as const }] as const;

type Entry = { index: number; word: bigint };

/** A round's performData as the manager packs it: fleet epoch, then (index, 8-byte word) each. */
function round(epoch: number, entries: Entry[]): Hex {
  return concat([
    numberToHex(epoch, { size: 4 }),
    ...entries.map((e) => concat([numberToHex(e.index, { size: 1 }), numberToHex(e.word, { size: 8 })])),
  ]);
}

/** The inverse of `round`, for reading back what the manager's onReport would get. */
function unpackRound(payload: Uint8Array): { epoch: number; entries: Entry[] } {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const entries: Entry[] = [];
  for (let at = ROUND_HEAD_BYTES; at < payload.length; at += ROUND_ENTRY_BYTES) {
    entries.push({ index: payload[at]!, word: view.getBigUint64(at + 1) });
  }
  return { epoch: view.getUint32(0), entries };
}

type WriteReply = ReturnType<NonNullable<EvmMock["writeReport"]>>;
const DELIVERED: WriteReply = {
  txStatus: "TX_STATUS_SUCCESS",
  receiverContractExecutionStatus: "RECEIVER_CONTRACT_EXECUTION_STATUS_SUCCESS",
  txHash: Buffer.from(TX_HASH.slice(2), "hex").toString("base64"),
};

/**
 * The manager behind the EVM mock: `check` answers checkUpkeep (or throws, as a revert), `reply`
 * answers writeReport. Records every read request, checkUpkeep's arguments and every write.
 */
function mockManager(check: () => readonly [boolean, Hex], reply: WriteReply = DELIVERED) {
  const evm = EvmMock.testInstance(SEPOLIA);
  const manager = addContractMock(evm, { address: MANAGER, abi: simulatedAbi });
  const checkArgs: unknown[][] = [];
  manager.checkUpkeep = (...args) => {
    checkArgs.push([...args]);
    return check();
  };
  const writes: WriteReportMockInput[] = [];
  manager.writeReport = (input) => {
    writes.push(input);
    return reply;
  };
  const reads: Parameters<NonNullable<EvmMock["callContract"]>>[0][] = [];
  const routed = evm.callContract!;
  evm.callContract = (request) => {
    reads.push(request);
    return routed(request);
  };
  const runtime = newTestRuntime<Config>(null, {}, parseConfig(FILE));
  return { evm, runtime, checkArgs, reads, writes };
}

describe("a tick", () => {
  test("simulates checkUpkeep('0x') from address 0 at the latest block", () => {
    const { runtime, checkArgs, reads } = mockManager(() => [false, "0x"]);
    onCronTrigger(runtime);
    expect(checkArgs).toEqual([["0x"]]);
    expect(reads).toHaveLength(1);
    const call = reads[0]!.call!;
    expect(bytesToHex(call.from)).toBe(`0x${"00".repeat(20)}`);
    expect(getAddress(bytesToHex(call.to))).toBe(MANAGER);
    expect(protoBigIntToBigint(reads[0]!.blockNumber!)).toBe(-2n); // the SDK's LATEST_BLOCK_NUMBER
  });

  test("with no round needed, writes nothing and says why", () => {
    const { runtime, writes } = mockManager(() => [false, "0x"]);
    expect(onCronTrigger(runtime)).toBe("no round");
    expect(writes).toHaveLength(0);
    expect(runtime.getLogs().join("\n")).toContain(`no round: checkUpkeep on ${MANAGER} says no member needs a rebalance now`);
  });

  test("with a round needed, writes exactly one report to the manager: the round's performData", () => {
    const entries = [
      { index: 0, word: 0x0001_0000_0001_0000n },
      { index: 7, word: 0x00ff_ffff_0002_0000n },
      { index: 254, word: 0x0000_0000_0003_0000n },
    ];
    const performData = round(42, entries);
    const { runtime, writes } = mockManager(() => [true, performData]);

    expect(onCronTrigger(runtime)).toBe(`round for 3 member(s): ${TX_HASH}`);

    expect(writes).toHaveLength(1);
    const write = writes[0]!;
    expect(getAddress(bytesToHex(write.receiver))).toBe(MANAGER);
    expect(write.gasConfig.gasLimit).toBe(2_000_000n);
    // the forwarder passes what follows the report's metadata to onReport(metadata, report)
    const raw = write.report.rawReport;
    expect(raw.length).toBe(REPORT_METADATA_HEADER_LENGTH + (performData.length - 2) / 2);
    const payload = raw.slice(REPORT_METADATA_HEADER_LENGTH);
    expect(bytesToHex(payload)).toBe(performData);
    expect(unpackRound(payload)).toEqual({ epoch: 42, entries });
    expect(write.report.sigs.length).toBeGreaterThan(0);
    expect(runtime.getLogs().join("\n")).toContain(`round for 3 member(s) delivered to ${MANAGER} in ${TX_HASH}`);
  });

  test("when checkUpkeep reverts, fails naming the manager and the revert, and writes nothing", () => {
    const { runtime, writes } = mockManager(() => {
      throw new Error("execution reverted: OnlySimulatedBackend()");
    });
    expect(() => onCronTrigger(runtime)).toThrow(
      new RegExp(`checkUpkeep on the manager ${MANAGER} \\(ethereum-testnet-sepolia\\) failed: .*OnlySimulatedBackend`),
    );
    expect(writes).toHaveLength(0);
  });

  test("when the read returns no data (no contract there), fails pointing at the config, and writes nothing", () => {
    const { evm, runtime, writes } = mockManager(() => [true, round(1, [{ index: 0, word: 1n << 16n }])]);
    evm.callContract = () => ({ data: "" });
    expect(() => onCronTrigger(runtime)).toThrow(/returned no data — fix: check config.managerAddress and config.chainSelectorName/);
    expect(writes).toHaveLength(0);
  });

  test("when the read returns something that is not (bool, bytes), fails, and writes nothing", () => {
    const { evm, runtime, writes } = mockManager(() => [false, "0x"]);
    evm.callContract = () => ({ data: Buffer.from("0000002a", "hex").toString("base64") });
    expect(() => onCronTrigger(runtime)).toThrow(/returned 4 bytes that are not \(bool, bytes\)/);
    expect(writes).toHaveLength(0);
  });

  test("refuses performData that is not a manager round (e.g. a balancer's 8 bytes), and writes nothing", () => {
    for (const performData of ["0x0102030405060708", round(3, []), `${round(3, [{ index: 1, word: 5n }])}00`] as Hex[]) {
      const { runtime, writes } = mockManager(() => [true, performData]);
      expect(() => onCronTrigger(runtime)).toThrow(/is not a manager round .* fix: config.managerAddress must be an UpkeepManager/);
      expect(writes).toHaveLength(0);
    }
  });

  test("when the manager's onReport reverts, fails with the setKeystone fix", () => {
    const { runtime, writes } = mockManager(() => [true, round(9, [{ index: 2, word: 3n << 16n }])], {
      ...DELIVERED,
      receiverContractExecutionStatus: "RECEIVER_CONTRACT_EXECUTION_STATUS_REVERTED",
    });
    expect(() => onCronTrigger(runtime)).toThrow(/refused the report in onReport .* setKeystone/);
    expect(writes).toHaveLength(1);
  });

  test("when the transaction fails, fails with its status and error", () => {
    const { runtime } = mockManager(() => [true, round(9, [{ index: 2, word: 3n << 16n }])], {
      txStatus: "TX_STATUS_FATAL",
      errorMessage: "insufficient funds for gas",
    });
    expect(TxStatus[TxStatus.FATAL]).toBe("FATAL");
    expect(() => onCronTrigger(runtime)).toThrow(/not delivered to .*: transaction FATAL \(no transaction hash\): insufficient funds for gas/);
  });
});

describe("initWorkflow", () => {
  test("registers one cron handler, on the configured schedule, running the tick", () => {
    const config = parseConfig({ ...FILE, schedule: "*/30 * * * * *" });
    const handlers = initWorkflow(config);
    expect(handlers).toHaveLength(1);
    expect(handlers[0]!.fn).toBe(onCronTrigger);
    expect(handlers[0]!.trigger.capabilityId()).toStartWith("cron-trigger@");
    // the cron trigger keeps its config; the Trigger interface does not declare it
    expect((handlers[0]!.trigger as unknown as { config: { schedule: string } }).config.schedule).toBe("*/30 * * * * *");
  });
});

describe("config", () => {
  test("a good file: the chain resolved, the address checksummed, the gas limit in decimal", () => {
    const config = parseConfig({ ...FILE, managerAddress: MANAGER.toLowerCase(), gasLimit: 1_500_000, schedule: " 0 * * * * " });
    expect(config).toEqual({
      schedule: "0 * * * *",
      chainSelectorName: "ethereum-testnet-sepolia",
      chainSelector: SEPOLIA,
      managerAddress: MANAGER,
      gasLimit: "1500000",
    });
  });

  // a chain the SDK knows, without an EVM capability in CRE
  const unsupported = getAllNetworks().find(
    (n) => n.chainFamily === "evm" && !parseable({ ...FILE, chainSelectorName: n.chainSelector.name }),
  )!.chainSelector.name;
  const badChecksum = MANAGER.replace("F", "f");

  const cases: [string, unknown, RegExp][] = [
    ["schedule", undefined, /missing or empty/],
    ["schedule", "", /missing or empty/],
    ["schedule", "   ", /missing or empty/],
    ["schedule", 300, /missing or empty/],
    ["schedule", "*/5 * *", /has 3 fields, not 5 or 6/],
    ["schedule", "0 0 * * * * 2027", /has 7 fields, not 5 or 6/],
    ["chainSelectorName", undefined, /missing or empty/],
    ["chainSelectorName", "sepolia", /not an EVM chain that @chainlink\/cre-sdk knows/],
    ["chainSelectorName", unsupported, /CRE has no EVM capability for it .* ethereum-testnet-sepolia/],
    ["managerAddress", undefined, /not an address/],
    ["managerAddress", "0x1234", /not an address/],
    ["managerAddress", MANAGER.slice(2), /not an address/],
    ["managerAddress", `0x${"zz".repeat(20)}`, /not an address/],
    ["managerAddress", badChecksum, /fails its EIP-55 checksum/],
    ["managerAddress", `0x${"00".repeat(20)}`, /is the zero address/],
    ["gasLimit", undefined, /not a whole number/],
    ["gasLimit", 0, /is 0/],
    ["gasLimit", "0", /is 0/],
    ["gasLimit", -1, /is negative/],
    ["gasLimit", 1.5, /not a whole number/],
    ["gasLimit", "2e6", /not a whole number/],
    ["gasLimit", "", /not a whole number/],
    ["gasLimit", "18446744073709551616", /does not fit in 64 bits/],
  ];
  for (const [field, value, problem] of cases) {
    test(`${field} = ${JSON.stringify(value) ?? "(missing)"}: the error names the field, the value and a fix`, () => {
      const file: Record<string, unknown> = { ...FILE, [field]: value };
      if (value === undefined) delete file[field];
      const error = errorOf(file);
      expect(error).toStartWith(`config.${field}: `);
      expect(error).toMatch(problem);
      expect(error).toContain(`(got ${value === undefined ? "nothing" : JSON.stringify(value)}) — fix: `);
    });
  }

  test("an unknown field (a typo) is an error, not ignored", () => {
    expect(errorOf({ ...FILE, gaslimit: 1 })).toStartWith("config.gaslimit: unknown field (got 1) — fix: remove it or correct its name");
  });

  test("a file that is not an object is an error", () => {
    for (const file of [null, [], "x"]) expect(errorOf(file)).toStartWith("config: not a JSON object");
  });

  test("the Runner's configSchema reports the same error, with the field as its path", () => {
    const bad = configSchema["~standard"].validate({ ...FILE, gasLimit: 0 });
    expect(bad).toEqual({ issues: [{ message: errorOf({ ...FILE, gasLimit: 0 }), path: ["gasLimit"] }] });
    expect(configSchema["~standard"].validate(FILE)).toEqual({ value: parseConfig(FILE) });
  });

  test("the config files shipped with the workflow have every field and nothing else", async () => {
    const staging = await Bun.file(`${import.meta.dir}/config.staging.json`).json();
    expect(Object.keys(staging).sort()).toEqual([...CONFIG_FIELDS].sort());
  });
});

describe("the contract side", () => {
  test("the workflow's ABI entries are the committed UpkeepManager ABI's", () => {
    for (const entry of upkeepManagerAbi) {
      const committed = committedAbi.find((e) => e.type === entry.type && "name" in e && e.name === entry.name);
      expect(committed).toEqual(entry as unknown as (typeof committedAbi)[number]);
    }
  });

  test("the round layout is ManagerFleet.sol's HEAD and ENTRY", async () => {
    const source = await Bun.file(`${import.meta.dir}/../../contracts/base/ManagerFleet.sol`).text();
    expect(source).toContain(`uint256 internal constant HEAD = ${ROUND_HEAD_BYTES};`);
    expect(source).toContain(`uint256 internal constant ENTRY = ${ROUND_ENTRY_BYTES};`);
  });
});

function errorOf(file: unknown): string {
  try {
    parseConfig(file);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(file)}`);
}

function parseable(file: unknown): boolean {
  try {
    parseConfig(file);
    return true;
  } catch {
    return false;
  }
}
