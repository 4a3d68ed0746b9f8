/**
 * The UpkeepManager's CRE workflow. On each cron tick it simulates the manager's `checkUpkeep`
 * the way an Automation DON does (an eth_call from address 0, at the latest block). No round
 * needed: it logs that and writes nothing. Otherwise the DON signs the round's performData as a
 * report, and the EVM capability delivers it through the KeystoneForwarder, which checks the
 * signatures and calls the manager's `onReport(metadata, performData)`. The manager then
 * re-validates the round like any perform (fleet epoch, members' epochs) and performs it.
 *
 * `main` is not called here: `cre-compile` appends the call (with the SDK's error reporting)
 * when it builds the WASM, and the tests import the handlers without starting a runner.
 */
import {
  bytesToHex,
  CronCapability,
  EVMClient,
  encodeCallMsg,
  handler,
  LATEST_BLOCK_NUMBER,
  prepareReportRequest,
  Runner,
  type Runtime,
  TxStatus,
} from "@chainlink/cre-sdk";
import { EVM_PB } from "@chainlink/cre-sdk/pb";
import { decodeFunctionResult, encodeFunctionData, type Hex, zeroAddress } from "viem";
import { upkeepManagerAbi } from "./abi";
import { type Config, configSchema } from "./config";

/**
 * The shape of a round's performData, which `onReport` refuses otherwise (`InvalidPerformData`):
 * the fleet epoch (4 bytes), then 9 bytes per member (fleet index, the member's 8-byte word).
 * `HEAD` and `ENTRY` in contracts/base/ManagerFleet.sol.
 */
export const ROUND_HEAD_BYTES = 4;
export const ROUND_ENTRY_BYTES = 9;

/** The manager's `checkUpkeep("0x")`, simulated from address 0 at the latest block. */
function checkManager(runtime: Runtime<Config>, evm: EVMClient): { upkeepNeeded: boolean; performData: Hex } {
  const { managerAddress, chainSelectorName } = runtime.config;
  const where = `checkUpkeep on the manager ${managerAddress} (${chainSelectorName})`;
  let data: Uint8Array;
  try {
    data = evm
      .callContract(runtime, {
        call: encodeCallMsg({
          from: zeroAddress,
          to: managerAddress,
          data: encodeFunctionData({ abi: upkeepManagerAbi, functionName: "checkUpkeep", args: ["0x"] }),
        }),
        // latest, not finalized: a round read at the finalized block (minutes behind on some
        // chains) may have been performed or changed since, and the manager refuses stale epochs
        blockNumber: LATEST_BLOCK_NUMBER,
      })
      .result().data;
  } catch (e) {
    throw new Error(`${where} failed: ${message(e)}`);
  }
  if (data.length === 0) {
    throw new Error(
      `${where} returned no data — fix: check config.managerAddress and config.chainSelectorName (is the UpkeepManager deployed there?)`,
    );
  }
  let upkeepNeeded: boolean;
  let performData: Hex;
  try {
    [upkeepNeeded, performData] = decodeFunctionResult({
      abi: upkeepManagerAbi,
      functionName: "checkUpkeep",
      data: bytesToHex(data),
    });
  } catch (e) {
    throw new Error(`${where} returned ${data.length} bytes that are not (bool, bytes): ${message(e)}`);
  }
  return { upkeepNeeded, performData };
}

/** Throws unless `performData` has the shape of a round (see `ROUND_HEAD_BYTES`). */
function assertRound(performData: Hex, managerAddress: string): number {
  const bytes = (performData.length - 2) / 2;
  const entries = (bytes - ROUND_HEAD_BYTES) / ROUND_ENTRY_BYTES;
  if (bytes < ROUND_HEAD_BYTES + ROUND_ENTRY_BYTES || !Number.isInteger(entries)) {
    throw new Error(
      `checkUpkeep on ${managerAddress} asked for a round with ${bytes} bytes of performData, which is not a manager round (4 bytes of fleet epoch, then 9 bytes per member) — fix: config.managerAddress must be an UpkeepManager, not a balancer or another upkeep`,
    );
  }
  return entries;
}

/** One tick: check, and when a round is needed, write it as a signed report to the manager. */
export function onCronTrigger(runtime: Runtime<Config>): string {
  const { chainSelector, managerAddress, gasLimit } = runtime.config;
  const evm = new EVMClient(chainSelector);
  const { upkeepNeeded, performData } = checkManager(runtime, evm);
  if (!upkeepNeeded) {
    runtime.log(`no round: checkUpkeep on ${managerAddress} says no member needs a rebalance now`);
    return "no round";
  }
  const members = assertRound(performData, managerAddress);

  const report = runtime.report(prepareReportRequest(performData)).result();
  const reply = evm
    .writeReport(runtime, { receiver: managerAddress, report, gasConfig: { gasLimit } })
    .result();
  const tx = reply.txHash?.length ? bytesToHex(reply.txHash) : "no transaction hash";
  if (reply.txStatus !== TxStatus.SUCCESS) {
    throw new Error(
      `the report for ${members} member(s) was not delivered to ${managerAddress}: transaction ${TxStatus[reply.txStatus]} (${tx})${reply.errorMessage ? `: ${reply.errorMessage}` : ""}`,
    );
  }
  if (reply.receiverContractExecutionStatus === EVM_PB.ReceiverContractExecutionStatus.REVERTED) {
    throw new Error(
      `the manager ${managerAddress} refused the report in onReport (${tx})${reply.errorMessage ? `: ${reply.errorMessage}` : ""} — fix: its owner must call setKeystone(<this chain's KeystoneForwarder>, <this workflow's owner>); if both are set, the fleet changed between check and delivery (StaleFleet) and the next tick retries`,
    );
  }
  runtime.log(`round for ${members} member(s) delivered to ${managerAddress} in ${tx}`);
  return `round for ${members} member(s): ${tx}`;
}

export function initWorkflow(config: Config) {
  const cron = new CronCapability();
  return [handler(cron.trigger({ schedule: config.schedule }), onCronTrigger)];
}

export async function main() {
  const runner = await Runner.newRunner<Config, unknown>({ configSchema });
  await runner.run(initWorkflow);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
