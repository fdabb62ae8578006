export { sampleAdvertisement, sampleAuditEntry, sampleMember, sampleWriteLevelRecord } from "./fleet-samples.js";
export { advertisementArbitrary, awkwardNames, memberArbitrary, nameArbitrary, writeLevelRecordArbitrary } from "./fleet-arbitraries.js";
