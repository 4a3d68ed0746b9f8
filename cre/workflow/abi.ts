/**
 * The two entries of the UpkeepManager's ABI that this workflow depends on, copied from the
 * committed contracts/abi/UpkeepManager.json (which `script/abi.sh --check` keeps equal to the
 * compiled contract). `as const` gives viem exact argument and result types; main.test.ts fails
 * if either entry drifts from the committed file.
 *
 * - `checkUpkeep(bytes)` is what the workflow simulates each tick (from address 0, like an
 *   Automation DON: the manager's `cannotExecute` refuses any other origin).
 * - `onReport(bytes metadata, bytes report)` is what the KeystoneForwarder calls with the signed
 *   report; the manager performs `report` as a round, so the report is checkUpkeep's performData.
 */
export const upkeepManagerAbi = [
  {
    type: "function",
    name: "checkUpkeep",
    inputs: [{ name: "", type: "bytes", internalType: "bytes" }],
    outputs: [
      { name: "upkeepNeeded", type: "bool", internalType: "bool" },
      { name: "performData", type: "bytes", internalType: "bytes" },
    ],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "onReport",
    inputs: [
      { name: "metadata", type: "bytes", internalType: "bytes" },
      { name: "report", type: "bytes", internalType: "bytes" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
] as const;
