#!/usr/bin/env node
import { orderProducer } from "./order-producer.js";
import { runService } from "./run-service.js";

process.exit(await runService(orderProducer, process.argv.slice(2)));
