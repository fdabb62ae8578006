#!/usr/bin/env node
import { orderConsumer } from "./order-consumer.js";
import { runService } from "./run-service.js";

process.exit(await runService(orderConsumer, process.argv.slice(2)));
