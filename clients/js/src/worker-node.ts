import { parentPort } from "node:worker_threads";
import { answer, READY, type RunMessage } from "./rerun.js";

// The re-run worker in Node (a worker_threads worker started by nodeWorkerPort).
const port = parentPort!;
port.on("message", async (message: RunMessage) => port.postMessage(await answer(message)));
port.postMessage(READY);
