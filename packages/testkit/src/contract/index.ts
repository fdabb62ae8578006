export { controlPlaneContract } from "./control-plane-contract.js";
export type { ControlPlaneContractOptions } from "./control-plane-contract.js";
export type { ControlPlaneFactory, ControlPlaneFactoryOptions } from "./contract-context.js";
