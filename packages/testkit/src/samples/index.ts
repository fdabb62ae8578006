export { awkwardNames, nameArbitrary, sampleChangeNote, sampleWriteLevelRecord, writeLevelRecordArbitrary } from "./fleet-arbitraries.js";
