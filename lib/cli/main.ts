#!/usr/bin/env node
/** The `lem` executable: runs the command line and exits with its code. */
import { main } from "./lem.js";

process.exitCode = await main(process.argv.slice(2));
